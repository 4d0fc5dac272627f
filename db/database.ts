/**
 * The platform's one way to talk to Postgres. Implemented over the RDS Data API
 * (`./data-api.ts`); in AWS it reaches Aurora, locally the same SDK client reaches the local
 * Data API endpoint. Everything (functions, migrations, dashboard) codes against this interface.
 */

/** A value with an explicit Data API type hint. Build these with the helpers in `./sql-values`. */
export interface TypedValue {
  readonly kind: 'timestamp' | 'date' | 'decimal' | 'json' | 'uuid' | 'time';
  readonly value: string;
}

/**
 * A parameter value. Plain JS values map naturally: string → stringValue, integer number →
 * longValue, other number → doubleValue, boolean → booleanValue, null/undefined → isNull,
 * Date → TIMESTAMP hint, Uint8Array → blobValue; a TypedValue sets its hint.
 */
export type SqlValue = string | number | boolean | null | undefined | Date | Uint8Array | TypedValue;

/** Named parameters: `:name` in SQL, `{ name: value }` here. */
export type SqlParams = Readonly<Record<string, SqlValue>>;

/** A row read from the Data API with `formatRecordsAs: 'JSON'`. */
export type Row = Record<string, unknown>;

export interface ExecuteResult<T extends Row = Row> {
  readonly rows: T[];
  readonly numberOfRecordsUpdated: number;
}

export interface BatchResult {
  /** Parameter sets executed. */
  readonly statements: number;
  /** BatchExecuteStatement requests sent (sets are split to stay under the request size limit). */
  readonly requests: number;
}

export interface BatchOptions {
  /**
   * When the sets need several requests, run them all in one transaction: every set is applied or
   * none is. Inside `transaction()` a batch is atomic anyway.
   * @default false: each request is atomic on its own, and a failure leaves earlier requests applied
   * (harmless for idempotent `ON CONFLICT DO NOTHING` loads, which are simply retried).
   */
  readonly atomic?: boolean;
  /** Size budget of one request in bytes. @default 3.5 MiB (the Data API limit is 4 MiB) */
  readonly maxRequestBytes?: number;
  /** Most parameter sets in one request. @default 1000 */
  readonly maxSetsPerRequest?: number;
}

export interface Database {
  /** Runs one statement and returns its rows (empty for statements without a result set). */
  query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs one statement and returns rows and the number of records updated. */
  execute<T extends Row = Row>(sql: string, params?: SqlParams): Promise<ExecuteResult<T>>;
  /** Runs one statement once per parameter set, split into requests under the Data API size limit. */
  batch(sql: string, paramSets: readonly SqlParams[], options?: BatchOptions): Promise<BatchResult>;
  /** Runs `work` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Database) => Promise<T>): Promise<T>;
}
