import { escapeUnstorable } from '../../datasets/storable-text';
import type { Dataset } from '../../datasets/types';
import type { Database } from '../../db/database';
import { structuredLogger } from '../shared/log';
import type { ObjectVersion, RowToLoad } from './insert';
import { decodedChunks, splitLines, type ByteSource } from './lines';
import { recomputeDueDays } from './metric-rollups/refresh';
import { DUE_EXPRESSION } from './metric-rollups/sql';
import { parserFor } from './parsers';
import type { AccessLogRules } from './s3-access-log/rules';
import { routeObject, type RoutingConfig } from './route';
import { upsertRows, type RejectedLine } from './upsert-rows';
import type { ParsedRow } from './types';

/** Reads objects; implemented over `@aws-sdk/client-s3` in the handler, by a folder in tests. */
export interface ObjectReader {
  /**
   * The object's body, ETag and LastModified; `undefined` when the object does not exist (any more).
   * `lastModified` orders the versions of a record (`datasets/system-columns.ts`); a reader that has
   * none gives the oldest possible version.
   */
  getObjectStream(
    bucket: string,
    key: string,
  ): Promise<{ body: ByteSource; etag: string; lastModified?: Date } | undefined>;
}

/** An object to load, as named by a notification. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  /** ETag from the notification, if it carried one (logged; the object read decides). */
  readonly etag?: string;
}

export interface LoadDependencies {
  readonly reader: ObjectReader;
  readonly db: Database;
  readonly routing: RoutingConfig;
  /** Which S3 access log records to keep. @default DEFAULT_ACCESS_LOG_RULES (GET object and invalid requests) */
  readonly accessLogRules?: AccessLogRules;
  /**
   * Rows per batch: upserted as one JSON parameter (in more statements only when their JSON exceeds
   * `MAX_ROWS_PARAMETER_BYTES`), then passed to the parser's `afterLoad`. @default DEFAULT_BATCH_SIZE
   */
  readonly batchSize?: number;
  /** Receives structured lines (objects). @default structuredLogger() */
  readonly log?: Pick<Console, 'info' | 'warn'>;
  /**
   * Brings the dashboard's rollups of the dataset up to date after a load, when it has pending days
   * that are over (changed by this load or any other write).
   * @default recomputeDueDays (recomputes those days from the rows)
   */
  readonly refreshRollups?: (db: Database, dataset: Dataset) => Promise<unknown>;
}

export type LoadStatus = 'loaded' | 'already-loaded' | 'ignored' | 'missing';

export interface LoadOutcome {
  readonly status: LoadStatus;
  readonly bucket: string;
  readonly key: string;
  readonly dataset?: string;
  readonly etag?: string;
  /** Rows that were new to the table. */
  readonly rowsInserted: number;
  /** Rows that replaced an older version of their record. */
  readonly rowsUpdated: number;
  /** Lines that could not be parsed or stored (kept in `rejected_rows`). */
  readonly rowsRejected: number;
  /** Blank or filtered-out lines, and rows the table already held in the same or a newer version. */
  readonly rowsSkipped: number;
}

/** A load that failed, naming the object and its dataset; the cause says why. */
export class ObjectLoadError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly dataset: string | undefined,
    cause: unknown,
  ) {
    super(
      `Loading s3://${bucket}/${key}${dataset ? ` (dataset ${dataset})` : ''} failed: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = 'ObjectLoadError';
  }
}

/** Rows per batch when `batchSize` is not given. */
export const DEFAULT_BATCH_SIZE = 1000;
const REJECTED_BATCH = 100;
/** Longest raw line kept with a rejection in `rejected_rows`. */
const MAX_RAW_LINE = 10_000;

/** A raw line as kept with a rejection: at most `MAX_RAW_LINE` characters. */
function truncateLine(line: string): string {
  return line.length > MAX_RAW_LINE ? `${line.slice(0, MAX_RAW_LINE)}...` : line;
}

/** Normalises an ETag to its bare form (S3 returns it quoted, notifications unquoted). */
export function bareEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** The version of a record a row loaded from an object holds: -infinity when the store gave no time. */
function objectVersion(key: string, lastModified: Date | undefined): ObjectVersion {
  return { ingestedAt: lastModified ? lastModified.toISOString() : '-infinity', objectKey: key };
}

/** Whether this version of the object (same ETag, stored no later) was loaded before. */
async function alreadyLoaded(
  db: Database,
  bucket: string,
  key: string,
  etag: string,
  version: ObjectVersion,
) {
  const rows = await db.query(
    'SELECT 1 AS found FROM loaded_objects WHERE bucket = :bucket AND object_key = :key AND etag = :etag ' +
      'AND last_modified >= CAST(:version AS timestamptz)',
    { bucket, key, etag, version: version.ingestedAt },
  );
  return rows.length > 0;
}

/** Lets go of a body without reading it (a Node stream is destroyed, a generator finished). */
async function discard(body: ByteSource): Promise<void> {
  await body[Symbol.asyncIterator]().return?.();
}

/**
 * Loads one object: routes it to its dataset, reads it, skips it if this version of it (ETag and
 * LastModified) was loaded before, parses it, upserts rows in batches keeping the latest version of
 * each record, keeps unparseable lines and rows the database refuses in `rejected_rows`, and records
 * the object in `loaded_objects`. Every step is idempotent, so a re-delivered or retried message
 * never counts a row twice. Throws an `ObjectLoadError` on anything that should be retried
 * (database resuming, throttling) or is poison.
 */
export async function loadObject(deps: LoadDependencies, ref: ObjectRef): Promise<LoadOutcome> {
  const log = deps.log ?? structuredLogger();
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize ${batchSize} must be a whole number of at least 1 (LOADER_BATCH_SIZE).`);
  }
  const base = {
    bucket: ref.bucket,
    key: ref.key,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsRejected: 0,
    rowsSkipped: 0,
  };
  const route = routeObject(deps.routing, ref.bucket, ref.key);
  if (route.kind === 'ignore') {
    log.info({ message: 'object ignored', bucket: ref.bucket, key: ref.key, reason: route.reason });
    return { ...base, status: 'ignored' };
  }
  const dataset = route.dataset;
  try {
    const object = await deps.reader.getObjectStream(ref.bucket, ref.key);
    if (!object) {
      log.warn({
        message: 'object no longer exists',
        dataset: dataset.name,
        bucket: ref.bucket,
        key: ref.key,
      });
      return { ...base, dataset: dataset.name, status: 'missing' };
    }
    const etag = bareEtag(object.etag);
    const version = objectVersion(ref.key, object.lastModified);
    if (await alreadyLoaded(deps.db, ref.bucket, ref.key, etag, version)) {
      await discard(object.body);
      return { ...base, dataset: dataset.name, etag, status: 'already-loaded' };
    }
    const counts = await loadBody(deps, ref, dataset, object.body, version, batchSize);
    // The same statement says whether the dataset's rollups have days to recompute (see below).
    const [recorded] = await deps.db.query<{ rollups_due: boolean }>(
      'INSERT INTO loaded_objects (bucket, object_key, etag, dataset, last_modified, rows_inserted, rows_updated, rows_rejected, rows_skipped) ' +
        'VALUES (:bucket, :key, :etag, :dataset, CAST(:version AS timestamptz), :inserted, :updated, :rejected, :skipped) ' +
        'ON CONFLICT (bucket, object_key, etag) DO UPDATE SET last_modified = EXCLUDED.last_modified, ' +
        'rows_inserted = EXCLUDED.rows_inserted, rows_updated = EXCLUDED.rows_updated, ' +
        'rows_rejected = EXCLUDED.rows_rejected, rows_skipped = EXCLUDED.rows_skipped, loaded_at = now() ' +
        `RETURNING ${DUE_EXPRESSION} AS rollups_due`,
      {
        bucket: ref.bucket,
        key: ref.key,
        etag,
        dataset: dataset.name,
        version: version.ingestedAt,
        inserted: counts.rowsInserted,
        updated: counts.rowsUpdated,
        rejected: counts.rowsRejected,
        skipped: counts.rowsSkipped,
      },
    );
    if (recorded?.rollups_due) await refreshRollups(deps, dataset, log);
    return { ...base, ...counts, status: 'loaded', dataset: dataset.name, etag };
  } catch (err) {
    throw new ObjectLoadError(ref.bucket, ref.key, dataset.name, err);
  }
}

/**
 * Recomputes the rollup days this load (or another write) left pending. A failure never fails the
 * load, which is recorded already: the days stay pending, the dashboard reads them from the rows,
 * and the next load of the dataset recomputes them.
 */
async function refreshRollups(
  deps: LoadDependencies,
  dataset: Dataset,
  log: Pick<Console, 'info' | 'warn'>,
): Promise<void> {
  try {
    await (deps.refreshRollups ?? recomputeDueDays)(deps.db, dataset);
  } catch (err) {
    log.warn({
      message: 'rollup refresh failed; its days stay pending until the next load',
      dataset: dataset.name,
      error: (err as Error).message,
    });
  }
}

type Counts = Pick<LoadOutcome, 'rowsInserted' | 'rowsUpdated' | 'rowsRejected' | 'rowsSkipped'>;

/** Parses a body and stores its rows and rejected lines, in batches. */
async function loadBody(
  deps: LoadDependencies,
  ref: ObjectRef,
  dataset: Dataset,
  body: ByteSource,
  version: ObjectVersion,
  batchSize: number,
): Promise<Counts> {
  const { db } = deps;
  const parser = parserFor(dataset, deps.accessLogRules);
  const counts = { rowsInserted: 0, rowsUpdated: 0, rowsRejected: 0, rowsSkipped: 0 };
  let rows: RowToLoad[] = [];
  let rejected: RejectedLine[] = [];

  const flushRejected = async () => {
    if (rejected.length === 0) return;
    const batch = rejected;
    rejected = [];
    await db.batch(
      'INSERT INTO rejected_rows (bucket, object_key, line_number, reason, raw_line) ' +
        'VALUES (:bucket, :object_key, :line_number, :reason, :raw_line) ' +
        'ON CONFLICT (bucket, object_key, line_number) DO NOTHING',
      batch.map((r) => ({
        bucket: ref.bucket,
        object_key: ref.key,
        line_number: r.lineNumber,
        reason: escapeUnstorable(r.reason),
        raw_line: escapeUnstorable(truncateLine(r.raw)),
      })),
    );
  };
  const reject = async (line: RejectedLine) => {
    counts.rowsRejected += 1;
    rejected.push(line);
    if (rejected.length >= REJECTED_BATCH) await flushRejected();
  };
  const flushRows = async () => {
    if (rows.length === 0) return;
    const batch = rows;
    rows = [];
    const outcome = await upsertRows(db, dataset, batch, version);
    counts.rowsInserted += outcome.inserted;
    counts.rowsUpdated += outcome.updated;
    counts.rowsSkipped += outcome.skipped;
    for (const line of outcome.rejected) await reject(line);
    await parser.afterLoad?.(
      db,
      batch.map((r): ParsedRow => r.row),
    );
  };

  for await (const result of parser.parse(splitLines(decodedChunks(body)))) {
    if (result.kind === 'row') {
      rows.push(result);
      if (rows.length >= batchSize) await flushRows();
    } else if (result.kind === 'rejected') {
      await reject({ lineNumber: result.lineNumber, reason: result.reason, raw: result.raw });
    } else {
      counts.rowsSkipped += 1;
    }
  }
  await flushRows();
  await flushRejected();
  return counts;
}
