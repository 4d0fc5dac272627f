import type { Database } from '../../../db/database';
import { withRollupLocks } from '../rollup-lock';

/**
 * Hourly rollups of S3 access logs (`s3_access_log_hourly`): per bucket and hour, requests, bytes
 * sent, errors and exact distinct counts of keys, requesters and remote IPs, so the overview over
 * tens of millions of rows reads a few hundred rollup rows.
 *
 * Maintenance: the rows of a touched hour are recomputed from `s3_access_logs` and upserted.
 * Distinct counts of two loads cannot be added up (the same key may appear in both), and
 * `ON CONFLICT DO NOTHING` does not say which rows were new, so an incremental sum would count
 * re-delivered records twice. Recomputing the touched hours is exact, idempotent (re-running it
 * changes nothing) and bounded by the size of those hours, which the index on
 * `(bucket, request_time)` reads directly. Recomputes of the same hour by concurrent loaders run one
 * after another under the hour's lock (`withRollupLocks`), so the last one sees every row.
 */

/** The UTC hour of an ISO 8601 UTC timestamp (`2019-02-06T13:45:10Z` → `2019-02-06T13:00:00Z`). */
export function hourOf(isoUtc: string): string {
  return `${isoUtc.slice(0, 13)}:00:00Z`;
}

/** A rollup row to recompute. */
export interface TouchedHour {
  readonly bucket: string;
  /** ISO 8601 UTC, on the hour. */
  readonly hour: string;
}

/** Hours per statement: keeps the JSON parameter small and each statement short. */
const HOURS_PER_STATEMENT = 200;

export const RECOMPUTE_HOURLY_SQL = `INSERT INTO s3_access_log_hourly AS h
  (bucket, hour, requests, bytes_sent, errors, server_errors, distinct_keys, distinct_requesters, distinct_remote_ips, updated_at)
SELECT t.bucket, t.hour,
  count(l.record_id),
  coalesce(sum(l.bytes_sent), 0),
  count(l.record_id) FILTER (WHERE l.http_status >= 400),
  count(l.record_id) FILTER (WHERE l.http_status >= 500),
  count(DISTINCT l.key),
  count(DISTINCT l.requester),
  count(DISTINCT l.remote_ip),
  now()
FROM jsonb_to_recordset(CAST(:touched AS jsonb)) AS t(bucket text, hour timestamptz)
LEFT JOIN s3_access_logs l
  ON l.bucket = t.bucket AND l.request_time >= t.hour AND l.request_time < t.hour + interval '1 hour'
GROUP BY t.bucket, t.hour
ON CONFLICT (bucket, hour) DO UPDATE SET
  requests = EXCLUDED.requests,
  bytes_sent = EXCLUDED.bytes_sent,
  errors = EXCLUDED.errors,
  server_errors = EXCLUDED.server_errors,
  distinct_keys = EXCLUDED.distinct_keys,
  distinct_requesters = EXCLUDED.distinct_requesters,
  distinct_remote_ips = EXCLUDED.distinct_remote_ips,
  updated_at = EXCLUDED.updated_at`;

/** The name of the hourly rollup's locks. */
const ROLLUP = 's3_access_log_hourly';

/** Recomputes the rollup rows of the given hours from the base table, each chunk under its hours' locks. */
export async function recomputeHourlyRollups(db: Database, hours: readonly TouchedHour[]): Promise<void> {
  for (let i = 0; i < hours.length; i += HOURS_PER_STATEMENT) {
    const chunk = hours.slice(i, i + HOURS_PER_STATEMENT);
    await withRollupLocks(
      db,
      ROLLUP,
      chunk.map((h) => `${h.bucket}\n${h.hour}`),
      (tx) => tx.execute(RECOMPUTE_HOURLY_SQL, { touched: JSON.stringify(chunk) }),
    );
  }
}

/** Recomputes every rollup hour between two instants (all buckets), e.g. after a manual delete. */
export async function rebuildHourlyRollups(db: Database, from: string, to: string): Promise<void> {
  const rows = await db.query<{ bucket: string; hour: string }>(
    `SELECT DISTINCT bucket, to_char(date_trunc('hour', request_time, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"') AS hour
     FROM s3_access_logs WHERE request_time >= CAST(:from AS timestamptz) AND request_time < CAST(:to AS timestamptz)`,
    { from, to },
  );
  await recomputeHourlyRollups(db, rows);
}

/**
 * Collects the hours a load touches and recomputes each one once the load has moved past it.
 * Logs are written in time order, so an object's batches touch one hour after another; an hour is
 * recomputed when a batch reaches a later hour, and every remaining one after the final batch.
 * This avoids recomputing the same hour after every batch. Correct in any order: every touched
 * hour is recomputed after the final batch at the latest, and a row is inserted before the
 * recompute of its hour (out-of-order rows of an hour already recomputed are picked up again
 * because their hour becomes pending again).
 */
export class HourlyRollupTracker {
  private pending = new Map<string, TouchedHour>();

  /**
   * Called after a batch is inserted. `final`: the parser has read the whole object, so this batch
   * is the last one and every pending hour is recomputed now.
   */
  async afterBatch(
    db: Database,
    rows: readonly { bucket: string; request_time: string }[],
    final: boolean,
  ): Promise<void> {
    // The latest hour of the batch probably continues in the next batch (for every bucket): those
    // rows are recomputed later; hours before it are complete, as far as this object goes.
    let latest = '';
    for (const row of rows) if (row.request_time > latest) latest = row.request_time;
    const frontier = latest === '' ? '' : hourOf(latest);
    for (const row of rows) {
      const hour = hourOf(row.request_time);
      const id = `${row.bucket}\n${hour}`;
      if (!this.pending.has(id)) this.pending.set(id, { bucket: row.bucket, hour });
    }
    const due: TouchedHour[] = [];
    for (const [id, touched] of this.pending) {
      if (final || touched.hour < frontier) {
        due.push(touched);
        this.pending.delete(id);
      }
    }
    if (due.length > 0) await recomputeHourlyRollups(db, due);
  }

  /** Hours still waiting for a recompute (for tests). */
  get pendingHours(): TouchedHour[] {
    return [...this.pending.values()];
  }
}
