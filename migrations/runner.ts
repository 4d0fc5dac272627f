import { createHash } from 'node:crypto';
import { MIGRATIONS, type Migration } from './index';
import type { Database } from '../db/database';

/**
 * The schema migration runner, the same in AWS (custom resource on `cdk deploy`), locally
 * (`npm start`) and in tests. Each migration runs once, in order, in a transaction together with its
 * row in `schema_migrations`, so a failing migration leaves nothing behind.
 */

export const MIGRATIONS_TABLE = 'schema_migrations';

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  id text PRIMARY KEY,
  description text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

const MIGRATION_ID = /^\d{4}_[a-z0-9_]+$/;

/** SHA-256 of a migration's statements: an applied migration must keep it. */
export function migrationChecksum(migration: Migration): string {
  const hash = createHash('sha256');
  for (const statement of migration.statements) hash.update(statement.trim()).update('\n;\n');
  return hash.digest('hex');
}

/** SHA-256 over every migration id and checksum; changes whenever a migration is added or changed. */
export function migrationsHash(migrations: readonly Migration[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.id}:${migrationChecksum(m)}\n`);
  return hash.digest('hex');
}

/** Problems with the list itself (ids, order, duplicates, empty migrations). */
export function checkMigrations(migrations: readonly Migration[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  migrations.forEach((m, i) => {
    if (!MIGRATION_ID.test(m.id)) {
      problems.push(
        `Migration ${i} has id "${m.id}": use 4 digits, an underscore and a snake_case name (0004_rollups).`,
      );
    }
    if (seen.has(m.id)) problems.push(`Migration id "${m.id}" is used twice.`);
    seen.add(m.id);
    if (i > 0 && m.id <= migrations[i - 1].id) {
      problems.push(`Migration "${m.id}" comes after "${migrations[i - 1].id}" but does not sort after it.`);
    }
    if (m.statements.length === 0) problems.push(`Migration "${m.id}" has no statements.`);
  });
  return problems;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrationResult {
  /** Ids applied by this run, in order. */
  readonly applied: string[];
  /** Ids that were already applied. */
  readonly skipped: string[];
}

type AppliedRow = { id: string; checksum: string };

/** Serialises concurrent runners (two deploys at once): held for each migration's transaction. */
const ADVISORY_LOCK_KEY = 7_240_315_001;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, each in its own
 * transaction. Fails before applying anything when an applied migration's checksum changed (edit
 * detected: add a new migration instead) or when the database has migrations this code does not know.
 */
export async function runMigrations(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  log: (message: string) => void = () => undefined,
): Promise<MigrationResult> {
  const problems = checkMigrations(migrations);
  if (problems.length > 0)
    throw new MigrationError(`Invalid migration list:\n  - ${problems.join('\n  - ')}`);

  await db.execute(CREATE_MIGRATIONS_TABLE);
  const rows = await db.query<AppliedRow>(`SELECT id, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`);
  const applied = new Map(rows.map((r) => [r.id, r.checksum]));
  const known = new Set(migrations.map((m) => m.id));

  for (const m of migrations) {
    const checksum = applied.get(m.id);
    if (checksum !== undefined && checksum !== migrationChecksum(m)) {
      throw new MigrationError(
        `Migration "${m.id}" was already applied, but its statements have changed since (checksum ` +
          `${checksum.slice(0, 12)} in the database, ${migrationChecksum(m).slice(0, 12)} now). Applied migrations ` +
          'must not change: restore it and add a new migration (migrations/00NN_<name>.ts) with the change.',
      );
    }
  }
  const unknown = rows.filter((r) => !known.has(r.id)).map((r) => r.id);
  if (unknown.length > 0) {
    log(`warning: the database has migrations this code does not define: ${unknown.join(', ')}`);
  }

  const result: MigrationResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    if (applied.has(m.id)) {
      result.skipped.push(m.id);
      continue;
    }
    const checksum = migrationChecksum(m);
    let ran = false;
    try {
      await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY}) AS locked`);
        const done = await tx.query(`SELECT id FROM ${MIGRATIONS_TABLE} WHERE id = :id`, { id: m.id });
        if (done.length > 0) return;
        ran = true;
        for (const [i, statement] of m.statements.entries()) {
          try {
            await tx.execute(statement);
          } catch (err) {
            throw new MigrationError(
              `Migration "${m.id}" (${m.description}) failed at statement ${i + 1} of ${m.statements.length}: ` +
                `${(err as Error).message}. Nothing of this migration was applied.`,
              { cause: err },
            );
          }
        }
        await tx.execute(
          `INSERT INTO ${MIGRATIONS_TABLE} (id, description, checksum) VALUES (:id, :description, :checksum)`,
          { id: m.id, description: m.description, checksum },
        );
      });
    } catch (err) {
      if (err instanceof MigrationError) throw err;
      throw new MigrationError(`Migration "${m.id}" (${m.description}) failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!ran) {
      result.skipped.push(m.id);
      continue;
    }
    log(`applied migration ${m.id}: ${m.description}`);
    result.applied.push(m.id);
  }
  return result;
}
