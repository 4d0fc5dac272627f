/**
 * The local Athena's query engine: DuckDB, embedded, over the S3 stand-in's folders. A query is
 * planned on DuckDB's parse tree, its partitions are projected and pruned, the bytes of the files it
 * would read are checked against the workgroup's cutoff before anything is read, and it runs with
 * the Trino dialect of `dialect.ts`.
 *
 * DuckDB may read only the S3 stand-in's folder (`allowed_directories`, external access off, the
 * configuration locked), so a query cannot reach other files through DuckDB's own table functions.
 */
import * as path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { LocalCatalog } from './catalog';
import { QueryError, SESSION_SETTINGS, substituteParameters, trinoFunctionMacros } from './dialect';
import { scanFiles, scanPartitions, type ScanFile } from './partitions';
import { parseStatement, planQuery, renderStatement } from './plan';
import { readResult, type QueryResult } from './results';
import { createScanView } from './scan';

export interface QueryRequest {
  readonly sql: string;
  /** Values of the `?` placeholders, as SQL literals. */
  readonly executionParameters: readonly string[];
  /** The database unqualified table names belong to. */
  readonly database: string;
  /** The workgroup's per-query cutoff. @default none */
  readonly scanLimitBytes?: number;
  /** Cancels the query (StopQueryExecution): it stops at its next step, or DuckDB interrupts it. */
  readonly signal?: AbortSignal;
}

export interface QueryOutcome {
  readonly result: QueryResult;
  /** Bytes of the files the query read (compressed size, as stored), counted once per table read. */
  readonly bytesScanned: number;
}

/** The query would read more than the workgroup allows; Athena cancels such a query. */
export class ScanLimitExceeded extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    // The reason Athena gives for a query its workgroup's cutoff stopped.
    super(
      `Bytes scanned limit was exceeded: the query reads ${bytes} bytes, over the per-query limit of ${limit} bytes`,
    );
    this.name = 'ScanLimitExceeded';
  }
}

/** The query was stopped (StopQueryExecution). */
export class QueryCancelled extends Error {
  constructor() {
    super('Query cancelled by user');
    this.name = 'QueryCancelled';
  }
}

/** DuckDB's error kinds, as the error names Trino gives the same mistakes. */
const ERROR_NAMES: readonly [RegExp, string][] = [
  [/^Parser Error/, 'SYNTAX_ERROR'],
  [/^Catalog Error: (Scalar|Aggregate|Table) Function/, 'FUNCTION_NOT_FOUND'],
  [/^Catalog Error/, 'TABLE_NOT_FOUND'],
  [/^Binder Error: Referenced column/, 'COLUMN_NOT_FOUND'],
  [/^Binder Error/, 'SYNTAX_ERROR'],
  // Reading a table's files: malformed lines, or values that do not fit the column's type.
  [/^(Invalid Input|Conversion) Error: [^]*\bJSON\b/, 'HIVE_BAD_DATA'],
  [/^Conversion Error/, 'INVALID_CAST_ARGUMENT'],
  [/^Out of Range Error/, 'NUMERIC_VALUE_OUT_OF_RANGE'],
  [/^Permission Error/, 'PERMISSION_DENIED'],
];

/**
 * A DuckDB error as an Athena failure reason: internal view names become the tables' names, and
 * the S3 stand-in's folder (`s3Root`) becomes `s3://`, so a file is named by its bucket and key.
 */
export function queryFailure(
  err: unknown,
  viewNames: ReadonlyMap<string, string> = new Map(),
  s3Root?: string,
): QueryError {
  if (err instanceof QueryError) return err;
  let message = ((err as Error).message ?? String(err)).split('\nLINE ')[0]!.trim();
  for (const [view, table] of viewNames) message = message.replace(new RegExp(`\\b${view}\\b`, 'g'), table);
  if (s3Root) message = message.replaceAll(s3Root, 's3://');
  const name = ERROR_NAMES.find(([pattern]) => pattern.test(message))?.[1] ?? 'GENERIC_INTERNAL_ERROR';
  return new QueryError(name, message.replace(/^[A-Za-z ]+ Error: /, ''));
}

export interface LocalAthenaEngineOptions {
  readonly catalog: LocalCatalog;
  /** The only folder DuckDB may read: the S3 stand-in's. */
  readonly readableRoot: string;
  /** The query's time, for NOW in partition projection. @default the clock */
  readonly now?: () => Date;
}

/** DuckDB in memory with the Trino macros and settings; it may read files under `root` only. */
async function startDuckDb(root: string): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await instance.connect();
  try {
    for (const sql of trinoFunctionMacros()) await conn.run(sql);
    for (const sql of SESSION_SETTINGS) await conn.run(sql.replace(/^SET /, 'SET GLOBAL '));
    await conn.run(`SET allowed_directories = ['${root.replaceAll("'", "''")}']`);
    await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
  } finally {
    conn.closeSync();
  }
  return instance;
}

export class LocalAthenaEngine {
  private readonly catalog: LocalCatalog;
  private readonly now: () => Date;
  private readonly s3Root: string;
  private instance: Promise<DuckDBInstance> | undefined;

  /** DuckDB starts with the first query, so `npm start` neither loads nor waits for it. */
  constructor(options: LocalAthenaEngineOptions) {
    this.catalog = options.catalog;
    this.now = options.now ?? (() => new Date());
    this.s3Root = path.resolve(options.readableRoot) + path.sep;
  }

  /**
   * Runs one query; throws `QueryError` (FAILED), `ScanLimitExceeded` or `QueryCancelled`
   * (CANCELLED).
   */
  async run(request: QueryRequest): Promise<QueryOutcome> {
    const conn = await (await this.duckDb()).connect();
    const viewNames = new Map<string, string>();
    // An interrupt only stops a statement that is running: repeat it until the run ends.
    let interrupting: NodeJS.Timeout | undefined;
    const onAbort = () => {
      conn.interrupt();
      interrupting = setInterval(() => conn.interrupt(), 20);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();
    try {
      const sql = substituteParameters(request.sql, request.executionParameters);
      const plan = planQuery(await parseStatement(conn, sql), this.catalog, request.database);
      const now = this.now();
      const files: ScanFile[][] = [];
      for (const scan of plan.scans) {
        viewNames.set(scan.view, scan.table.spec.name);
        files.push(await scanFiles(scan, await scanPartitions(conn, scan, now)));
      }
      const bytesScanned = files.flat().reduce((sum, f) => sum + f.size, 0);
      if (request.scanLimitBytes !== undefined && bytesScanned > request.scanLimitBytes) {
        throw new ScanLimitExceeded(bytesScanned, request.scanLimitBytes);
      }
      for (const [i, scan] of plan.scans.entries()) await createScanView(conn, scan, files[i]!);
      const query = await renderStatement(conn, plan.statement);
      // The names as the query gives them (a stored table would rename duplicates).
      const prepared = await conn.prepare(query);
      const names = Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
      prepared.destroySync();
      // Stored first, so the rows keep the query's order when they are read back.
      await conn.run(`CREATE TEMP TABLE __result AS ${query}`);
      return { result: await readResult(conn, '__result', names), bytesScanned };
    } catch (err) {
      if (request.signal?.aborted) throw new QueryCancelled();
      if (err instanceof ScanLimitExceeded) throw err;
      throw queryFailure(err, viewNames, this.s3Root);
    } finally {
      clearInterval(interrupting);
      request.signal?.removeEventListener('abort', onAbort);
      conn.closeSync();
    }
  }

  /** DuckDB, started by the first query; a start that failed is tried again by the next one. */
  private duckDb(): Promise<DuckDBInstance> {
    this.instance ??= startDuckDb(this.s3Root).catch((err: unknown) => {
      this.instance = undefined;
      throw err;
    });
    return this.instance;
  }

  /** Closes DuckDB, if a query started it. Call once no query runs. */
  async close(): Promise<void> {
    (await this.instance?.catch(() => undefined))?.closeSync();
  }
}
