import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
  type TypeHint,
} from '@aws-sdk/client-rds-data';
import type {
  BatchOptions,
  BatchResult,
  Database,
  ExecuteResult,
  Row,
  SqlParams,
  SqlValue,
  TypedValue,
} from './database';
import { withRetry, type RetryOptions } from './retry';
import { formatTimestamp, isTypedValue } from './sql-values';

export { isRetryableDataApiError } from './retry';

/** The Data API rejects requests above 4 MiB; batches are split to stay well under it. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** The size budget of one BatchExecuteStatement request (parameters and SQL). */
export const BATCH_REQUEST_BUDGET_BYTES = 3.5 * 1024 * 1024;
/** The most parameter sets sent in one BatchExecuteStatement request. */
export const MAX_SETS_PER_REQUEST = 1000;
/** How much of a statement an error message quotes. */
const SQL_EXCERPT_CHARS = 200;

/** The client-side surface used here, so a test can pass a client pointed anywhere. */
export type DataApiClient = Pick<RDSDataClient, 'send'>;

export interface DataApiDatabaseOptions {
  /** ARN of the Aurora cluster (`DB_CLUSTER_ARN`). */
  readonly resourceArn: string;
  /** ARN of the Secrets Manager secret holding the database credentials (`DB_SECRET_ARN`). */
  readonly secretArn: string;
  /** Database name (`DB_NAME`). */
  readonly database: string;
  /** @default a module-level RDSDataClient (honours AWS_ENDPOINT_URL_RDS_DATA and AWS_REGION) */
  readonly client?: DataApiClient;
  /** Retry policy for retryable errors. @default 250 ms base, 10 s cap, full jitter, 60 s budget */
  readonly retry?: RetryOptions;
}

/**
 * A failed statement. `errorName` is the Data API error type (`DatabaseErrorException`,
 * `BadRequestException`, `DatabaseResumingException`...), `sqlState` the Postgres SQLSTATE when
 * the database reported one (`23505` unique violation...), `sql` the start of the statement.
 */
export class DatabaseError extends Error {
  readonly errorName: string;
  readonly sqlState?: string;
  readonly sql: string;

  constructor(operation: string, sql: string, cause: unknown) {
    const errorName = errorNameOf(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    const excerpt = sql.length > SQL_EXCERPT_CHARS ? `${sql.slice(0, SQL_EXCERPT_CHARS)}...` : sql;
    super(`${operation} failed with ${errorName}: ${detail}${excerpt ? ` [statement: ${excerpt}]` : ''}`, {
      cause,
    });
    this.name = 'DatabaseError';
    this.errorName = errorName;
    this.sql = excerpt;
    const state = /SQLState: ([0-9A-Z]{5})/.exec(detail);
    if (state) this.sqlState = state[1];
  }
}

function errorNameOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { errorName?: unknown; name?: unknown };
    if (typeof e.errorName === 'string') return e.errorName;
    if (typeof e.name === 'string') return e.name;
  }
  return 'Error';
}

const HINTS: Record<TypedValue['kind'], TypeHint> = {
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  decimal: 'DECIMAL',
  json: 'JSON',
  uuid: 'UUID',
  time: 'TIME',
};

/** Converts one named parameter to the Data API `SqlParameter` shape. */
export function toSqlParameter(name: string, value: SqlValue): SqlParameter {
  if (value === null || value === undefined) return { name, value: { isNull: true } };
  if (typeof value === 'string') return { name, value: { stringValue: value } };
  if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TypeError(`Parameter :${name} is ${value}; the Data API accepts only finite numbers.`);
    }
    return Number.isSafeInteger(value)
      ? { name, value: { longValue: value } }
      : { name, value: { doubleValue: value } };
  }
  if (value instanceof Date)
    return { name, value: { stringValue: formatTimestamp(value) }, typeHint: 'TIMESTAMP' };
  if (value instanceof Uint8Array) return { name, value: { blobValue: value } };
  if (isTypedValue(value)) return { name, value: { stringValue: value.value }, typeHint: HINTS[value.kind] };
  throw new TypeError(
    `Parameter :${name} has an unsupported value ${JSON.stringify(value)}: use a string, number, boolean, null, ` +
      'Date, Uint8Array or a sql-values helper (sqlJson, sqlDecimal, ...).',
  );
}

/** Converts named parameters to the Data API `parameters` list. */
export function toSqlParameters(params: SqlParams = {}): SqlParameter[] {
  return Object.entries(params).map(([name, value]) => toSqlParameter(name, value));
}

/** Bytes a parameter list takes in a JSON request body (blobs travel as base64). */
export function estimateParametersBytes(parameters: readonly SqlParameter[]): number {
  let blobBytes = 0;
  const json = JSON.stringify(parameters, (key, value: unknown) => {
    if (key === 'blobValue' && value instanceof Uint8Array) {
      blobBytes += Math.ceil(value.length / 3) * 4;
      return '';
    }
    return value;
  });
  return Buffer.byteLength(json) + blobBytes;
}

/**
 * Splits parameter sets into groups, each fitting `maxBytes` of request body (with the SQL) and
 * `maxSets` sets. Throws when a single set cannot fit, naming its index.
 */
export function splitParameterSets(
  sql: string,
  sets: readonly SqlParameter[][],
  maxBytes = BATCH_REQUEST_BUDGET_BYTES,
  maxSets = MAX_SETS_PER_REQUEST,
): SqlParameter[][][] {
  const overhead = Buffer.byteLength(JSON.stringify(sql)) + 1024;
  const groups: SqlParameter[][][] = [];
  let current: SqlParameter[][] = [];
  let size = overhead;
  sets.forEach((set, index) => {
    const bytes = estimateParametersBytes(set) + 1;
    if (overhead + bytes > maxBytes) {
      throw new RangeError(
        `Parameter set ${index} takes about ${bytes} bytes, more than one Data API request can carry ` +
          `(${maxBytes} bytes budget, 4 MiB limit). Store large values in S3 and keep a reference in the row.`,
      );
    }
    if (current.length > 0 && (size + bytes > maxBytes || current.length >= maxSets)) {
      groups.push(current);
      current = [];
      size = overhead;
    }
    current.push(set);
    size += bytes;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Parses `formattedRecords` (the JSON text the Data API returns with `formatRecordsAs: 'JSON'`). */
export function parseFormattedRecords<T extends Row = Row>(formatted: string | undefined): T[] {
  if (formatted === undefined || formatted === '') return [];
  const rows: unknown = JSON.parse(formatted);
  if (!Array.isArray(rows)) throw new Error('formattedRecords is not a JSON array.');
  return rows as T[];
}

interface Target {
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
}

class DataApiDatabase implements Database {
  constructor(
    private readonly client: DataApiClient,
    private readonly target: Target,
    private readonly retry: RetryOptions,
    private readonly transactionId?: string,
  ) {}

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await this.execute<T>(sql, params)).rows;
  }

  async execute<T extends Row = Row>(sql: string, params?: SqlParams): Promise<ExecuteResult<T>> {
    const parameters = this.parameters(sql, params);
    const output = await this.send('ExecuteStatement', sql, () =>
      this.client.send(
        new ExecuteStatementCommand({
          ...this.target,
          sql,
          parameters,
          transactionId: this.transactionId,
          formatRecordsAs: 'JSON',
        }),
      ),
    );
    return {
      rows: parseFormattedRecords<T>(output.formattedRecords),
      numberOfRecordsUpdated: output.numberOfRecordsUpdated ?? 0,
    };
  }

  async batch(
    sql: string,
    paramSets: readonly SqlParams[],
    options: BatchOptions = {},
  ): Promise<BatchResult> {
    if (paramSets.length === 0) return { statements: 0, requests: 0 };
    const sets = paramSets.map((set) => this.parameters(sql, set));
    const groups = splitParameterSets(sql, sets, options.maxRequestBytes, options.maxSetsPerRequest);
    const run = async (db: DataApiDatabase) => {
      for (const group of groups) await db.batchRequest(sql, group);
      return { statements: paramSets.length, requests: groups.length };
    };
    if (options.atomic && groups.length > 1 && !this.transactionId) return this.transaction((tx) => run(tx));
    return run(this);
  }

  private async batchRequest(sql: string, parameterSets: SqlParameter[][]): Promise<void> {
    await this.send('BatchExecuteStatement', sql, () =>
      this.client.send(
        new BatchExecuteStatementCommand({
          ...this.target,
          sql,
          parameterSets,
          transactionId: this.transactionId,
        }),
      ),
    );
  }

  async transaction<T>(work: (tx: DataApiDatabase) => Promise<T>): Promise<T> {
    if (this.transactionId) {
      throw new Error(
        `transaction() was called inside transaction ${this.transactionId}; the Data API has no nested ` +
          'transactions. Run the work on the outer transaction object instead.',
      );
    }
    const { transactionId } = await this.send('BeginTransaction', '', () =>
      this.client.send(new BeginTransactionCommand({ ...this.target })),
    );
    if (!transactionId) throw new Error('BeginTransaction returned no transactionId.');
    const tx = new DataApiDatabase(this.client, this.target, this.retry, transactionId);
    let result: T;
    try {
      result = await work(tx);
    } catch (err) {
      try {
        await this.send('RollbackTransaction', '', () =>
          this.client.send(new RollbackTransactionCommand({ ...this.arns(), transactionId })),
        );
      } catch (rollbackErr) {
        // The transaction ends anyway (the Data API rolls back an abandoned one); keep the first error.
        if (err instanceof Error) {
          (err as Error & { rollbackError?: unknown }).rollbackError = rollbackErr;
        }
      }
      throw err;
    }
    await this.send('CommitTransaction', '', () =>
      this.client.send(new CommitTransactionCommand({ ...this.arns(), transactionId })),
    );
    return result;
  }

  private arns() {
    return { resourceArn: this.target.resourceArn, secretArn: this.target.secretArn };
  }

  private parameters(sql: string, params: SqlParams | undefined): SqlParameter[] {
    try {
      return toSqlParameters(params);
    } catch (err) {
      throw new DatabaseError('Preparing parameters', sql, err);
    }
  }

  private async send<O>(operation: string, sql: string, call: () => Promise<O>): Promise<O> {
    try {
      return await withRetry(call, this.retry);
    } catch (err) {
      throw new DatabaseError(operation, sql, err);
    }
  }
}

let sharedClient: { client: RDSDataClient; endpoint: string | undefined } | undefined;

/**
 * The module-level client; region, credentials and endpoint come from the standard SDK settings.
 * It is made anew if the endpoint setting changed since (one process serving several local
 * platforms, e.g. benchmarks); in a function the setting never changes.
 */
function defaultClient(): RDSDataClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_RDS_DATA ?? process.env.AWS_ENDPOINT_URL;
  if (sharedClient === undefined || sharedClient.endpoint !== endpoint) {
    // Databases made earlier keep their client: only new ones get the new endpoint.
    sharedClient = { client: new RDSDataClient({ maxAttempts: 1 }), endpoint };
  }
  return sharedClient.client;
}

/**
 * A `Database` over the RDS Data API. Rows are read with `formatRecordsAs: 'JSON'`: numbers and
 * booleans come back as JSON values, `numeric` as strings, timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]`
 * strings in UTC, arrays as JSON arrays, NULL as null. Retryable errors are retried (see `withRetry`);
 * others fail at once as a `DatabaseError` quoting the statement.
 */
export function createDatabase(options: DataApiDatabaseOptions): Database {
  for (const key of ['resourceArn', 'secretArn', 'database'] as const) {
    if (typeof options[key] !== 'string' || options[key].trim() === '') {
      throw new Error(`createDatabase: ${key} is required (got ${JSON.stringify(options[key])}).`);
    }
  }
  const { resourceArn, secretArn, database } = options;
  return new DataApiDatabase(
    options.client ?? defaultClient(),
    { resourceArn, secretArn, database },
    options.retry ?? {},
  );
}

/**
 * A `Database` configured from the environment: `DB_CLUSTER_ARN`, `DB_SECRET_ARN` and `DB_NAME`.
 * Throws an error naming every missing variable.
 */
export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env, retry?: RetryOptions): Database {
  const names = ['DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'DB_NAME'] as const;
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `Missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the Data API needs the ` +
        'cluster ARN, the secret ARN and the database name (set by the stack, or by `npm start` locally).',
    );
  }
  return createDatabase({
    resourceArn: env.DB_CLUSTER_ARN!,
    secretArn: env.DB_SECRET_ARN!,
    database: env.DB_NAME!,
    retry,
  });
}
