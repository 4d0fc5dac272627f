import type { Database } from '../../db/database';
import { insertStatements } from './insert';
import { decodedChunks, splitLines, type ByteSource } from './lines';
import { parserFor } from './parsers';
import type { AccessLogRules } from './s3-access-log/rules';
import { routeObject, type RoutingConfig } from './route';
import type { ParsedRow } from './types';

/** Reads objects; implemented over `@aws-sdk/client-s3` in the handler, by a folder in tests. */
export interface ObjectReader {
  /** The object's body and ETag; `undefined` when the object does not exist (any more). */
  getObjectStream(bucket: string, key: string): Promise<{ body: ByteSource; etag: string } | undefined>;
}

/** An object to load, as named by a notification. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  /** ETag from the notification, if it carried one (enables the re-delivery check before reading). */
  readonly etag?: string;
}

export interface LoadDependencies {
  readonly reader: ObjectReader;
  readonly db: Database;
  readonly routing: RoutingConfig;
  /** Which S3 access log records to keep. @default DEFAULT_ACCESS_LOG_RULES (GET object and invalid requests) */
  readonly accessLogRules?: AccessLogRules;
  /**
   * Rows per batch: inserted as one JSON parameter (in more statements only when their JSON exceeds
   * `MAX_ROWS_PARAMETER_BYTES`), then passed to the parser's `afterLoad`. @default DEFAULT_BATCH_SIZE
   */
  readonly batchSize?: number;
  /** @default console */
  readonly log?: Pick<Console, 'info' | 'warn'>;
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
  /** Lines that could not be parsed (stored in `rejected_rows`). */
  readonly rowsRejected: number;
  /** Blank or filtered-out lines, plus rows already present in the table. */
  readonly rowsSkipped: number;
}

/** Rows per batch when `batchSize` is not given. */
export const DEFAULT_BATCH_SIZE = 1000;
const REJECTED_BATCH = 100;

/** Normalises an ETag to its bare form (S3 returns it quoted, notifications unquoted). */
export function bareEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

async function alreadyLoaded(db: Database, bucket: string, key: string, etag: string): Promise<boolean> {
  const rows = await db.query(
    'SELECT 1 AS found FROM loaded_objects WHERE bucket = :bucket AND object_key = :key AND etag = :etag',
    { bucket, key, etag },
  );
  return rows.length > 0;
}

/**
 * Loads one object: routes it to its dataset, skips it if this version was loaded before,
 * streams and parses it, inserts rows in batches (`ON CONFLICT DO NOTHING` on the dataset key),
 * keeps unparseable lines in `rejected_rows`, and records the object in `loaded_objects`.
 * Every step is idempotent, so a re-delivered or retried message never counts a row twice.
 * Throws on anything that should be retried (database resuming, throttling) or is poison.
 */
export async function loadObject(deps: LoadDependencies, ref: ObjectRef): Promise<LoadOutcome> {
  const { db, reader } = deps;
  const log = deps.log ?? console;
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize ${batchSize} must be a whole number of at least 1 (LOADER_BATCH_SIZE).`);
  }
  const base = { bucket: ref.bucket, key: ref.key, rowsInserted: 0, rowsRejected: 0, rowsSkipped: 0 };

  const route = routeObject(deps.routing, ref.bucket, ref.key);
  if (route.kind === 'ignore') {
    log.info(
      JSON.stringify({ message: 'object ignored', bucket: ref.bucket, key: ref.key, reason: route.reason }),
    );
    return { ...base, status: 'ignored' };
  }
  const dataset = route.dataset;
  const parser = parserFor(dataset, deps.accessLogRules);

  if (ref.etag && (await alreadyLoaded(db, ref.bucket, ref.key, bareEtag(ref.etag)))) {
    return { ...base, dataset: dataset.name, etag: bareEtag(ref.etag), status: 'already-loaded' };
  }
  const object = await reader.getObjectStream(ref.bucket, ref.key);
  if (!object) {
    log.warn(JSON.stringify({ message: 'object no longer exists', bucket: ref.bucket, key: ref.key }));
    return { ...base, dataset: dataset.name, status: 'missing' };
  }
  const etag = bareEtag(object.etag);
  if (etag !== (ref.etag && bareEtag(ref.etag)) && (await alreadyLoaded(db, ref.bucket, ref.key, etag))) {
    return { ...base, dataset: dataset.name, etag, status: 'already-loaded' };
  }

  let rowsInserted = 0;
  let rowsRejected = 0;
  let rowsSkipped = 0;
  let rows: ParsedRow[] = [];
  let rejected: { line_number: number; reason: string; raw_line: string }[] = [];

  const flushRows = async () => {
    if (rows.length === 0) return;
    const batch = rows;
    rows = [];
    for (const { sql, params, rows: count } of insertStatements(dataset, batch)) {
      const { numberOfRecordsUpdated } = await db.execute(sql, params);
      rowsInserted += numberOfRecordsUpdated;
      rowsSkipped += count - numberOfRecordsUpdated;
    }
    await parser.afterLoad?.(db, batch);
  };
  const flushRejected = async () => {
    if (rejected.length === 0) return;
    const batch = rejected;
    rejected = [];
    await db.batch(
      'INSERT INTO rejected_rows (bucket, object_key, line_number, reason, raw_line) ' +
        'VALUES (:bucket, :object_key, :line_number, :reason, :raw_line) ' +
        'ON CONFLICT (bucket, object_key, line_number) DO NOTHING',
      batch.map((r) => ({ bucket: ref.bucket, object_key: ref.key, ...r })),
    );
  };

  try {
    for await (const result of parser.parse(splitLines(decodedChunks(object.body)))) {
      if (result.kind === 'row') {
        rows.push(result.row);
        if (rows.length >= batchSize) await flushRows();
      } else if (result.kind === 'rejected') {
        rowsRejected += 1;
        rejected.push({ line_number: result.lineNumber, reason: result.reason, raw_line: result.raw });
        if (rejected.length >= REJECTED_BATCH) await flushRejected();
      } else {
        rowsSkipped += 1;
      }
    }
  } catch (err) {
    throw new Error(
      `Loading s3://${ref.bucket}/${ref.key} (dataset ${dataset.name}) failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  await flushRows();
  await flushRejected();
  await db.execute(
    'INSERT INTO loaded_objects (bucket, object_key, etag, dataset, rows_inserted, rows_rejected, rows_skipped) ' +
      'VALUES (:bucket, :key, :etag, :dataset, :inserted, :rejected, :skipped) ' +
      'ON CONFLICT (bucket, object_key, etag) DO NOTHING',
    {
      bucket: ref.bucket,
      key: ref.key,
      etag,
      dataset: dataset.name,
      inserted: rowsInserted,
      rejected: rowsRejected,
      skipped: rowsSkipped,
    },
  );
  return { ...base, status: 'loaded', dataset: dataset.name, etag, rowsInserted, rowsRejected, rowsSkipped };
}
