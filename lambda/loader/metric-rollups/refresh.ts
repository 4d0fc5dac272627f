import { chartPlan, measuresOf } from '../../../datasets/chart-plan';
import type { Dataset } from '../../../datasets/types';
import type { Database } from '../../../db/database';
import { withRollupLocks } from '../rollup-lock';
import { CLAIM_PENDING_SQL, DUE_EXPRESSION, recomputeDaysSql } from './sql';

/**
 * Keeps the metric rollups of a dataset exact (tables of migration 0006), per UTC day.
 *
 * Which days are out of date is recorded by the database itself: statement triggers on the dataset
 * table add to `metric_rollup_pending` the day of every row a statement inserts, updates (its old
 * and its new day) or deletes, in the same transaction as the write. A reload that changes nothing
 * marks nothing; a correction that moves a record to another day marks both; a manual `DELETE` or
 * `UPDATE` is covered as well as the loader's writes.
 *
 * A refresh recomputes the pending days that are over, exactly, from the table, a few days per
 * transaction: it claims them (deleting them from the pending table, each locked in order, see
 * `CLAIM_PENDING_SQL`), then recomputes them from the rows it reads after the claim. A failure rolls
 * the transaction back, claim included: the days stay pending. The current day is left pending
 * until it ends: it changes with every load, and recomputing it each time would cost a load of the
 * whole day; the dashboard reads pending days from the rows, so the charts are exact all the same.
 * Any refresh recomputes every pending day of the dataset, whoever marked it, so concurrent loaders
 * share the work.
 */

const DAY_MS = 86_400_000;

/** Days recomputed per transaction. */
const DAYS_PER_REFRESH = 31;

/** Whether a dataset has metric rollups: every dataset the metrics view charts. */
export function hasMetricRollups(dataset: Dataset): boolean {
  return measuresOf(dataset).length > 0 && dataset.columns.some((c) => c.role === 'time');
}

export interface RefreshOutcome {
  /** Days recomputed. */
  readonly days: number;
}

/**
 * Recomputes every pending day of `dataset` that is over, `daysPerTransaction` at a time, until none
 * is left. Idempotent; safe to run from any number of loaders at once.
 */
export async function refreshMetricRollups(
  db: Database,
  dataset: Dataset,
  daysPerTransaction = DAYS_PER_REFRESH,
): Promise<RefreshOutcome> {
  if (!hasMetricRollups(dataset)) return { days: 0 };
  // Most loads only touch the current day: one read, no transaction.
  const [due] = await db.query<{ due: boolean }>(`SELECT ${DUE_EXPRESSION} AS due`, {
    dataset: dataset.name,
  });
  return due?.due ? recomputeDueDays(db, dataset, daysPerTransaction) : { days: 0 };
}

/**
 * Recomputes the pending days of `dataset` that are over, as `refreshMetricRollups`, without first
 * asking whether there are any (for a caller that knows, such as the loader: see `DUE_EXPRESSION`).
 */
export async function recomputeDueDays(
  db: Database,
  dataset: Dataset,
  daysPerTransaction = DAYS_PER_REFRESH,
): Promise<RefreshOutcome> {
  if (!hasMetricRollups(dataset)) return { days: 0 };
  const recompute = { gaps: recomputeDaysSql(dataset), contiguous: recomputeDaysSql(dataset, true) };
  let days = 0;
  let limit = daysPerTransaction;
  for (;;) {
    let claimed: number;
    try {
      // One lock per dataset: recomputes of its days never interleave (the age pie's entity rows
      // hold a year of days each, rewritten whole).
      claimed = await withRollupLocks(db, 'metric_rollups', [dataset.name], async (tx) => {
        const rows = await tx.query<{ day: string }>(CLAIM_PENDING_SQL, { dataset: dataset.name, limit });
        if (rows.length > 0) {
          const claimedDays = rows.map((r) => r.day);
          const end = Date.parse(claimedDays[claimedDays.length - 1]) + DAY_MS;
          const contiguous = end - Date.parse(claimedDays[0]) === claimedDays.length * DAY_MS;
          await tx.query(contiguous ? recompute.contiguous : recompute.gaps, {
            dataset: dataset.name,
            days: JSON.stringify(claimedDays),
            first: claimedDays[0],
            end: new Date(end).toISOString(),
          });
        }
        return rows.length;
      });
    } catch (err) {
      // Too many rows for one statement: the same days again, fewer at a time. A single day that
      // still takes too long stays pending (read from the rows), and the error says so.
      if (!timedOut(err) || limit === 1) throw err;
      limit = Math.max(1, Math.floor(limit / 4));
      continue;
    }
    days += claimed;
    if (claimed < limit) return { days };
  }
}

/**
 * Whether a statement was stopped for taking too long: the Data API ends a statement after 45
 * seconds (`StatementTimeoutException`,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-timeouts.html), Postgres
 * one that exceeds `statement_timeout` (SQLSTATE 57014).
 */
function timedOut(err: unknown): boolean {
  const e = err as { errorName?: unknown; sqlState?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return false;
  return e.errorName === 'StatementTimeoutException' || e.sqlState === '57014' || timedOut(e.cause);
}

/** A time range, ISO 8601; `from` inclusive, `to` exclusive. */
export interface RebuildRange {
  readonly from: string;
  readonly to: string;
}

/**
 * Recomputes a dataset's rollups from its table: every day of `range` (default: all time) that holds
 * rows or rollups is marked pending and refreshed. Use it after changing rows with the triggers
 * disabled, or after restoring a table; the charts stay exact meanwhile. Entity pairs of an age pie
 * that no row holds any more are dropped.
 */
export async function rebuildMetricRollups(
  db: Database,
  dataset: Dataset,
  range?: RebuildRange,
  daysPerTransaction = DAYS_PER_REFRESH,
): Promise<RefreshOutcome> {
  if (!hasMetricRollups(dataset)) return { days: 0 };
  const time = chartPlan(dataset, measuresOf(dataset)[0]).time.name;
  const from = range ? 'CAST(:from AS timestamptz)' : "'-infinity'";
  const to = range ? 'CAST(:to AS timestamptz)' : "'infinity'";
  // The days that hold rows, one probe of the time index per day (no scan of the table), and the
  // days that hold rollups.
  await db.execute(
    `INSERT INTO metric_rollup_pending (dataset, day)
     WITH RECURSIVE rows_days AS (
       SELECT date_trunc('day', min(${time}), 'UTC') AS day FROM ${dataset.name} WHERE ${time} >= ${from} AND ${time} < ${to}
       UNION ALL
       SELECT (SELECT date_trunc('day', min(${time}), 'UTC') FROM ${dataset.name}
               WHERE ${time} >= rows_days.day + interval '24 hours' AND ${time} < ${to})
       FROM rows_days WHERE rows_days.day IS NOT NULL
     )
     SELECT :dataset, day FROM (
       SELECT day FROM rows_days WHERE day IS NOT NULL
       UNION SELECT day FROM metric_rollup_days WHERE dataset = :dataset AND day >= ${from} AND day < ${to}
     ) days
     ORDER BY day
     ON CONFLICT (dataset, day) DO NOTHING`,
    range ? { dataset: dataset.name, from: range.from, to: range.to } : { dataset: dataset.name },
  );
  const outcome = await refreshMetricRollups(db, dataset, daysPerTransaction);
  // Pairs of an age pie that have no row left on any day.
  await db.execute(
    "DELETE FROM metric_rollup_entities WHERE dataset = :dataset AND position(B'1' in days) = 0",
    { dataset: dataset.name },
  );
  return outcome;
}
