/**
 * The chart statements over the metric rollups (Postgres only; tables of migration 0006, kept by
 * the loader, see `lambda/loader/metric-rollups/`). A selection splits into three parts, all read
 * in one statement, so each statement sees one consistent state:
 * - rolled days: the whole UTC days inside the range whose rollups are current: one row per day;
 * - pending days: whole days a write has changed since their rollup (or the current day, which is
 *   rolled up once it is over): read from the rows;
 * - the partial days at both ends of the range: read from the rows.
 * Counts, sums, minima, maxima, the per-hour series, the top-N lists and the pie are exact; only the
 * quartiles and the histogram come from fine bins, which the caller marks approximate.
 */
import type { SqlValue } from '../../db/database';
import {
  AGE_GROUPS,
  DIALECTS,
  SHARE_SLICES,
  TOP_N,
  bucketFor,
  chartPlan,
  ident,
  keyOrder,
  type BuiltQuery,
  type ChartPlan,
  type ChartSelection,
} from './queries';
import type { ChartName } from './contract';

const DAY_MS = 86_400_000;
const postgres = DIALECTS.postgres;

/** The statements of the rollup path, each answering one part of the response. */
export interface RollupQueries {
  /** Rows with the measure, its minimum and maximum, and how many rolled days the range holds. */
  readonly summary: BuiltQuery;
  readonly scatter: BuiltQuery;
  readonly top: BuiltQuery;
  readonly series: BuiltQuery;
  /** The fine histogram of the measure: (bin, n), in value order. */
  readonly distribution: BuiltQuery;
  readonly share: BuiltQuery | undefined;
}

/** The whole UTC days inside [from, to); empty (both at `from`) when there is none. */
export function wholeDays(from: Date, to: Date): { first: Date; end: Date } {
  const first = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const end = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  return first < end ? { first: new Date(first), end: new Date(end) } : { first: from, end: from };
}

/** Whether [from, to) holds a whole UTC day: without one, no rollup can answer any part of it. */
export function holdsWholeDay(from: Date, to: Date): boolean {
  const { first, end } = wholeDays(from, to);
  return first < end;
}

function statement(chart: ChartName, sql: string, params: Record<string, SqlValue>): BuiltQuery {
  return { chart, engine: 'postgres', sql, params, executionParameters: [] };
}

export function rollupQueries(s: ChartSelection): RollupQueries {
  const { dataset, measure } = s;
  const plan = chartPlan(dataset, measure);
  const table = ident(dataset.name);
  const time = ident(plan.time.name);
  const m = postgres.double(ident(measure.name));
  const { first, end } = wholeDays(s.from, s.to);
  const params: Record<string, SqlValue> = {
    dataset: dataset.name,
    measure: measure.name,
    from: s.from,
    to: s.to,
    first,
    end,
    day_count: Math.round((end.getTime() - first.getTime()) / DAY_MS),
  };

  // The parts of the range: current rollups of whole days, and rows for the rest.
  const pending = `pending AS MATERIALIZED (
  SELECT day FROM metric_rollup_pending WHERE dataset = :dataset AND day >= :first AND day < :end
)`;
  const rolled = `rolled AS (
  SELECT * FROM metric_rollups
  WHERE dataset = :dataset AND measure = :measure AND day >= :first AND day < :end
    AND day NOT IN (SELECT day FROM pending)
)`;
  const raw = `raw AS (
  SELECT * FROM ${table} WHERE ${time} >= :from AND ${time} < :first
  UNION ALL
  SELECT * FROM ${table} WHERE ${time} >= :end AND ${time} < :to
  UNION ALL
  SELECT t.* FROM pending p JOIN ${table} t ON t.${time} >= p.day AND t.${time} < p.day + interval '24 hours'
)`;
  const parts = `WITH ${pending},\n${rolled},\n${raw}`;
  const present = `${ident(measure.name)} IS NOT NULL`;

  const summary = statement(
    'box',
    `${parts}
SELECT CAST(coalesce(sum(n), 0) AS bigint) AS n, min(low) AS min, max(high) AS max,
  CAST(sum(days) AS integer) AS rolled_days
FROM (
  SELECT n, low, high, 1 AS days FROM rolled
  UNION ALL
  SELECT count(${m}), min(${m}), max(${m}), 0 FROM raw WHERE ${present}
) parts`,
    params,
  );

  const entity = ident(plan.entity.name);
  const top = statement(
    'top',
    `${parts}
SELECT entity, max(value) AS value FROM (
  SELECT e.entity, e.value FROM rolled CROSS JOIN LATERAL unnest(top_entities, top_values) AS e(entity, value)
  UNION ALL
  SELECT ${postgres.text(entity)}, max(${m}) FROM raw
  WHERE ${present} AND ${entity} IS NOT NULL GROUP BY ${entity}
) parts
GROUP BY entity
ORDER BY value DESC, entity ASC
LIMIT ${TOP_N}`,
    params,
  );

  // The scatter's records are among the days' listed ones with a reference value at least the
  // tenth highest listed (see the loader's rollups), and among the rows read directly; those few
  // records are read back by time, then ranked in the scatter's own order.
  const reference = ident(plan.reference.name);
  const order = keyOrder(dataset);
  const both = `${present} AND ${reference} IS NOT NULL`;
  const scatter = statement(
    'scatter',
    `${parts},
listed AS (
  SELECT l.at, l.ref FROM rolled CROSS JOIN LATERAL unnest(scatter_times, scatter_values) AS l(at, ref)
),
candidates AS (
  SELECT DISTINCT at FROM listed
  WHERE ref >= coalesce((SELECT ref FROM listed ORDER BY ref DESC OFFSET ${TOP_N - 1} LIMIT 1), '-Infinity')
)
SELECT ${postgres.text(entity)} AS entity, ${postgres.double(reference)} AS x, ${m} AS y,
  ${postgres.epochMs(time)} AS at
FROM (
  SELECT * FROM (
    SELECT * FROM ${table} WHERE ${time} IN (SELECT at FROM candidates) AND ${both}
    UNION ALL
    SELECT * FROM raw WHERE ${both}
  ) records
  ORDER BY ${reference} DESC, ${order}
  LIMIT ${TOP_N}
) ranked
ORDER BY x DESC, ${order}`,
    params,
  );

  const unit = bucketFor(s.from, s.to);
  const rolledBuckets =
    unit === 'hour'
      ? `SELECT day AT TIME ZONE 'UTC' + (h.hour - 1) * interval '1 hour' AS bucket, h.n, h.total
  FROM rolled CROSS JOIN LATERAL unnest(hour_counts, hour_totals) WITH ORDINALITY AS h(n, total, hour)
  WHERE h.n > 0`
      : unit === 'minute'
        ? // A range of at most six hours holds no whole day.
          'SELECT CAST(NULL AS timestamp) AS bucket, CAST(0 AS bigint) AS n, CAST(0 AS double precision) AS total WHERE false'
        : `SELECT ${postgres.bucket(unit, 'day')} AS bucket, n, total FROM rolled`;
  const series = statement(
    'series',
    `${parts}
SELECT ${postgres.epochMs('bucket')} AS t, sum(total) / CAST(sum(n) AS double precision) AS value,
  CAST(sum(n) AS bigint) AS n
FROM (
  ${rolledBuckets}
  UNION ALL
  SELECT ${postgres.bucket(unit, time)}, count(*), sum(${m}) FROM raw WHERE ${present} GROUP BY 1
) parts
GROUP BY bucket
ORDER BY bucket`,
    params,
  );

  const distribution = statement(
    'histogram',
    `${parts}
SELECT bin, CAST(sum(n) AS bigint) AS n FROM (
  SELECT b.bin, b.n FROM rolled CROSS JOIN LATERAL unnest(bins, bin_counts) AS b(bin, n)
  UNION ALL
  SELECT metric_rollup_bin(${m}), count(*) FROM raw WHERE ${present} GROUP BY 1
) parts
GROUP BY bin
ORDER BY bin`,
    params,
  );

  return { summary, top, scatter, series, distribution, share: shareQuery(plan, params, parts) };
}

/** The pie: rows per value of a dimension, or entities per age group. */
function shareQuery(
  plan: ChartPlan,
  params: Record<string, SqlValue>,
  parts: string,
): BuiltQuery | undefined {
  if (plan.share.kind === 'dimension') {
    const dim = ident(plan.share.column.name);
    return statement(
      'share',
      `${parts},
rolled_days AS (
  SELECT * FROM metric_rollup_days
  WHERE dataset = :dataset AND day >= :first AND day < :end AND day NOT IN (SELECT day FROM pending)
),
counted AS (
  SELECT label, sum(n) AS n FROM (
    SELECT l.label, l.n FROM rolled_days CROSS JOIN LATERAL unnest(share_labels, share_counts) AS l(label, n)
    UNION ALL
    SELECT ${postgres.text(dim)}, count(*) FROM raw GROUP BY ${dim}
  ) parts
  GROUP BY label
)
SELECT CASE WHEN rn <= ${SHARE_SLICES} THEN label ELSE 'Other' END AS label, CAST(sum(n) AS bigint) AS n
FROM (
  SELECT coalesce(label, '(none)') AS label, n,
    row_number() OVER (ORDER BY n DESC, coalesce(label, '(none)') ASC) AS rn
  FROM counted
) ranked
GROUP BY 1`,
      params,
    );
  }
  if (plan.share.kind === 'age') {
    const entity = ident(plan.entity.name);
    const born = ident(plan.share.column.name);
    const cases = AGE_GROUPS.map((g) =>
      Number.isFinite(g.max) ? `WHEN age < ${g.max} THEN '${g.label}'` : `ELSE '${g.label}'`,
    ).join(' ');
    // The pairs with a row on a rolled day: their bit in metric_rollup_entities. The rows read
    // directly bring their own pairs.
    return statement(
      'share',
      `${parts},
rolled_days AS (
  SELECT CAST(:first AS timestamptz) + g * interval '24 hours' AS day
  FROM generate_series(0, CAST(:day_count AS integer) - 1) AS g
),
masks AS (
  SELECT CAST(date_part('year', day AT TIME ZONE 'UTC') AS integer) AS year,
    bit_or(metric_rollup_day_bit(day)) AS mask
  FROM rolled_days WHERE day NOT IN (SELECT day FROM pending) GROUP BY 1
),
pairs AS (
  SELECT e.entity, e.born FROM masks m
  JOIN metric_rollup_entities e ON e.dataset = :dataset AND e.year = m.year
  WHERE position(B'1' in (e.days & m.mask)) > 0
  UNION ALL
  SELECT ${postgres.text(entity)}, ${born} FROM raw WHERE ${entity} IS NOT NULL AND ${born} IS NOT NULL
)
SELECT CASE ${cases} END AS label, count(*) AS n
FROM (SELECT ${postgres.ageYears('min(born)')} AS age FROM pairs GROUP BY entity) entities
GROUP BY 1`,
      params,
    );
  }
  return undefined;
}
