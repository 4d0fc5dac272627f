/**
 * A versioned schema change. Applied once, in order, in a transaction, by `runMigrations`
 * (`migrations/runner.ts`); recorded in `schema_migrations` with a checksum of its statements.
 * Never edit an applied migration: add a new file `00NN_<name>.ts` and append it below.
 */
export interface Migration {
  /** `00NN_<name>`, unique and sorted: the order of application. */
  readonly id: string;
  /** One line saying what it changes. */
  readonly description: string;
  /** SQL statements, each run through the Data API on its own (no parameters). */
  readonly statements: readonly string[];
}
