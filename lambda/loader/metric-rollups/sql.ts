import { TOP_N, chartPlan, measuresOf } from '../../../datasets/chart-plan';
import type { Column, Dataset } from '../../../datasets/types';

/**
 * The statements that recompute a dataset's metric rollups (tables of migration 0006) for whole UTC
 * days, written from its definition and chart plan: the same entity, reference measure and pie
 * column the dashboard's charts use. Column and table names come from the definition, which
 * `datasets/check.ts` holds to plain snake_case identifiers; every value is a bound parameter.
 * Names the statements make up start with an underscore, which no dataset column can (they start
 * with a letter), so a column called `day` or `bucket` never collides with them.
 *
 * Each list a day keeps is one from which the same list over any set of days follows exactly:
 * - top entities: the `TOP_N` (10) highest maxima of the day, by (maximum desc, entity asc). An entity among
 *   the 10 highest of a range has its maximum on some day, where at most 9 entities rank above it,
 *   so that day lists it with its exact maximum; merging the lists and keeping 10 gives the range's.
 * - scatter: the times and reference values of the 10 records of the day ranked first by (reference
 *   desc, key asc), the scatter's own order; by the same argument the range's 10 are among the days'
 *   lists, and the dashboard reads those few records back from the table by time.
 */

/** The columns a recompute reads, each once. */
function sourceColumns(dataset: Dataset): string[] {
  const plan = chartPlan(dataset, measuresOf(dataset)[0]);
  const names = [
    plan.time.name,
    plan.entity.name,
    ...measuresOf(dataset).map((m) => m.name),
    ...(plan.share.kind === 'none' ? [] : [plan.share.column.name]),
    ...dataset.key,
  ];
  return [...new Set(names)];
}

/**
 * The pending days of `:dataset` that are due: over (the current day keeps changing, so it is read
 * from the rows until it ends).
 */
const DUE_DAYS = `metric_rollup_pending WHERE dataset = :dataset AND day + interval '24 hours' <= now()`;

/** Whether `:dataset` has a due day: an expression, so that another statement can carry it. */
export const DUE_EXPRESSION = `EXISTS (SELECT 1 FROM ${DUE_DAYS})`;

/**
 * Claims up to `:limit` due days of `:dataset`, oldest first. Each is locked in order and deleted from
 * the pending table, with the rollups it holds: a writer whose trigger upserts one of them waits
 * until the claim commits and then marks it again, and a writer that marked it before holds it
 * until its rows commit, so the recompute that follows sees them. Returns the days (ISO, UTC).
 */
export const CLAIM_PENDING_SQL = `WITH claimed AS (
  DELETE FROM metric_rollup_pending
  WHERE dataset = :dataset AND day IN (
    SELECT day FROM ${DUE_DAYS}
    ORDER BY day LIMIT :limit FOR UPDATE
  )
  RETURNING day
), stale_rollups AS (
  DELETE FROM metric_rollups WHERE dataset = :dataset AND day IN (SELECT day FROM claimed) RETURNING 1
), stale_days AS (
  DELETE FROM metric_rollup_days WHERE dataset = :dataset AND day IN (SELECT day FROM claimed) RETURNING 1
)
SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS day,
  (SELECT count(*) FROM stale_rollups) + (SELECT count(*) FROM stale_days) AS deleted
FROM claimed ORDER BY day`;

/**
 * The scatter lists a day needs: one per distinct (reference measure, columns that must not be
 * null), shared by the measures that plot against the same reference (all of them in `usage`).
 */
function scatterGroups(dataset: Dataset): { reference: string; notNull: string[]; measures: number[] }[] {
  const groups = new Map<string, { reference: string; notNull: string[]; measures: number[] }>();
  measuresOf(dataset).forEach((m, i) => {
    const reference = chartPlan(dataset, m).reference;
    const notNull = [...new Set([m, reference].filter((c) => c.nullable).map((c) => c.name))].sort();
    const id = `${reference.name}|${notNull.join(',')}`;
    const group = groups.get(id) ?? { reference: reference.name, notNull, measures: [] };
    group.measures.push(i);
    groups.set(id, group);
  });
  return [...groups.values()];
}

/**
 * Recomputes the rollups of the days in `:days` (a JSON array of ISO instants at 00:00 UTC, whose
 * old rollups the claim deleted; `:first` the first, `:end` the end of the last) from the dataset's
 * rows, and the age pie's entity bits. `contiguous`: the days follow each other without a gap, so
 * the range alone selects their rows.
 */
export function recomputeDaysSql(dataset: Dataset, contiguous = false): string {
  const measures = measuresOf(dataset);
  const plan = chartPlan(dataset, measures[0]);
  const time = plan.time.name;
  const entity = plan.entity.name;
  const double = (column: string) => `CAST(${column} AS double precision)`;
  const scatter = scatterGroups(dataset);
  const scatterOf = (i: number) => scatter.findIndex((g) => g.measures.includes(i));
  // Per-hour count of a measure's values: the row count itself when the measure is never null.
  const hourCount = (m: Column, i: number) => (m.nullable ? `_n${i}` : '_rows');
  const hourColumns = [
    '_rows',
    ...measures.flatMap((m, i) => [...(m.nullable ? [`_n${i}`] : []), `_total${i}`, `_low${i}`, `_high${i}`]),
  ];
  const ctes: string[] = [
    `claimed AS (
  SELECT CAST(value AS timestamptz) AS _day FROM jsonb_array_elements_text(CAST(:days AS jsonb))
)`,
    // A range predicate the planner can estimate (a seq scan when the days cover most of the
    // table, the time index otherwise), narrowed to the claimed days unless they follow each other.
    `src AS MATERIALIZED (
  SELECT date_trunc('day', ${time}, 'UTC') AS _day, ${sourceColumns(dataset).join(', ')}
  FROM ${dataset.name}
  WHERE ${time} >= CAST(:first AS timestamptz) AND ${time} < CAST(:end AS timestamptz)${
    contiguous ? '' : `\n    AND date_trunc('day', ${time}, 'UTC') IN (SELECT _day FROM claimed)`
  }
)`,
    `hours AS (
  SELECT _day, CAST(date_part('hour', ${time} AT TIME ZONE 'UTC') AS integer) AS _hour, count(*) AS _rows,
    ${measures
      .map(
        (m, i) =>
          `${m.nullable ? `count(${m.name}) AS _n${i}, ` : ''}sum(${double(m.name)}) AS _total${i}, ` +
          `min(${double(m.name)}) AS _low${i}, max(${double(m.name)}) AS _high${i}`,
      )
      .join(',\n    ')}
  FROM src GROUP BY 1, 2
)`,
    `stats AS (
  SELECT _day, sum(_rows) AS _rows, ${measures
    .map(
      (m, i) =>
        `sum(${hourCount(m, i)}) AS _n${i}, sum(_total${i}) AS _total${i}, min(_low${i}) AS _low${i}, max(_high${i}) AS _high${i}, ` +
        `array_agg(coalesce(${hourCount(m, i)}, 0) ORDER BY _hour) AS _counts${i}, ` +
        `array_agg(coalesce(_total${i}, 0) ORDER BY _hour) AS _totals${i}`,
    )
    .join(',\n    ')}
  FROM (SELECT s._day, g._hour, ${hourColumns.map((c) => `h.${c}`).join(', ')} FROM (SELECT DISTINCT _day FROM hours) s
        CROSS JOIN generate_series(0, 23) AS g(_hour)
        LEFT JOIN hours h ON h._day = s._day AND h._hour = g._hour) filled
  GROUP BY _day
)`,
    ...measures.map(
      (m, i) => `hist${i} AS (
  SELECT _day, array_agg(_bin ORDER BY _bin) AS _bins, array_agg(_n ORDER BY _bin) AS _counts
  FROM (SELECT _day, metric_rollup_bin(${double(m.name)}) AS _bin, CAST(count(*) AS integer) AS _n
        FROM src WHERE ${m.name} IS NOT NULL GROUP BY 1, 2) binned
  GROUP BY _day
)`,
    ),
    `entity_max AS MATERIALIZED (
  SELECT _day, CAST(${entity} AS text) AS _entity, ${measures.map((m, i) => `max(${double(m.name)}) AS _max${i}`).join(', ')}
  FROM src WHERE ${entity} IS NOT NULL GROUP BY _day, ${entity}
)`,
    ...measures.map(
      (_m, i) => `top${i} AS (
  SELECT _day, (array_agg(_entity ORDER BY _max${i} DESC, _entity ASC))[1:${TOP_N}] AS _entities,
    (array_agg(_max${i} ORDER BY _max${i} DESC, _entity ASC))[1:${TOP_N}] AS _maxima
  FROM entity_max WHERE _max${i} IS NOT NULL GROUP BY _day
)`,
    ),
    // Sorting a day's rows to find its first 10 costs far more than two passes over them: count the
    // rows per fine bin of the reference, find the bin holding the 10th highest value, and sort
    // only the rows from that bin up.
    ...scatter.flatMap((g, j) => {
      const order = `${g.reference} DESC, ${dataset.key.map((k) => `${k} ASC`).join(', ')}`;
      const present = [g.reference, ...g.notNull].map((c) => `${c} IS NOT NULL`).join(' AND ');
      const bin = `metric_rollup_bin(${double(g.reference)})`;
      return [
        `scatter_cut${j} AS (
  SELECT _day, max(_bin) FILTER (WHERE _above >= ${TOP_N}) AS _cut
  FROM (SELECT _day, _bin, sum(_n) OVER (PARTITION BY _day ORDER BY _bin DESC) AS _above
        FROM (SELECT _day, ${bin} AS _bin, count(*) AS _n FROM src WHERE ${present} GROUP BY 1, 2) bins) counted
  GROUP BY _day
)`,
        `scatter${j} AS (
  SELECT src._day, (array_agg(${time} ORDER BY ${order}))[1:${TOP_N}] AS _times,
    (array_agg(${double(g.reference)} ORDER BY ${order}))[1:${TOP_N}] AS _refs
  FROM src JOIN scatter_cut${j} c ON c._day = src._day
  WHERE ${present} AND (c._cut IS NULL OR ${bin} >= c._cut)
  GROUP BY src._day
)`,
      ];
    }),
    `rollups AS (
  INSERT INTO metric_rollups (dataset, measure, day, n, total, low, high, hour_counts, hour_totals,
    bins, bin_counts, top_entities, top_values, scatter_times, scatter_values)
  ${measures
    .map(
      (m, i) => `SELECT :dataset, '${m.name}', s._day, s._n${i}, s._total${i}, s._low${i}, s._high${i},
    s._counts${i}, s._totals${i}, h._bins, h._counts, coalesce(tp._entities, '{}'), coalesce(tp._maxima, '{}'),
    coalesce(sc._times, '{}'), coalesce(sc._refs, '{}')
  FROM stats s JOIN hist${i} h USING (_day)
  LEFT JOIN top${i} tp USING (_day) LEFT JOIN scatter${scatterOf(i)} sc USING (_day)
  WHERE s._n${i} > 0`,
    )
    .join('\n  UNION ALL\n  ')}
  RETURNING 1
)`,
    plan.share.kind === 'dimension'
      ? `days AS (
  INSERT INTO metric_rollup_days (dataset, day, row_count, share_labels, share_counts)
  SELECT :dataset, _day, sum(_n), array_agg(_label ORDER BY _label), array_agg(_n ORDER BY _label)
  FROM (SELECT _day, CAST(${plan.share.column.name} AS text) AS _label, count(*) AS _n
        FROM src GROUP BY _day, ${plan.share.column.name}) labels
  GROUP BY _day
  RETURNING 1
)`
      : `days AS (
  INSERT INTO metric_rollup_days (dataset, day, row_count, share_labels, share_counts)
  SELECT :dataset, _day, _rows, '{}', '{}' FROM stats
  RETURNING 1
)`,
  ];
  if (plan.share.kind === 'age') ctes.push(...entityDays(entity, plan.share.column.name));
  return `WITH ${ctes.join(',\n')}
SELECT (SELECT count(*) FROM rollups) AS rollups, (SELECT count(*) FROM days) AS days`;
}

const NO_DAYS = `CAST(repeat('0', 366) AS bit(366))`;
const YEAR = (day: string) => `CAST(date_part('year', ${day} AT TIME ZONE 'UTC') AS integer)`;

/**
 * The age pie's (entity, birth date) pairs: in each year's row of a pair, the bits of the claimed
 * days are replaced by whether the pair has rows on them. Rows that would not change are left
 * alone; the rollup lock keeps two refreshes from rewriting a year's rows at once.
 */
function entityDays(entity: string, born: string): string[] {
  return [
    `claimed_masks AS (
  SELECT ${YEAR('_day')} AS _year, bit_or(metric_rollup_day_bit(_day)) AS _mask FROM claimed GROUP BY 1
)`,
    `present AS (
  SELECT _entity, _born, ${YEAR('_day')} AS _year, bit_or(metric_rollup_day_bit(_day)) AS _days
  FROM (SELECT DISTINCT _day, CAST(${entity} AS text) AS _entity, ${born} AS _born FROM src
        WHERE ${entity} IS NOT NULL AND ${born} IS NOT NULL) pairs
  GROUP BY 1, 2, 3
)`,
    `held AS (
  SELECT e.entity, e.born, e.year, e.days, c._mask
  FROM claimed_masks c JOIN metric_rollup_entities e ON e.dataset = :dataset AND e.year = c._year
)`,
    `merged AS (
  SELECT coalesce(p._entity, h.entity) AS _entity, coalesce(p._born, h.born) AS _born,
    coalesce(p._year, h.year) AS _year, h.days AS _old,
    (coalesce(h.days, ${NO_DAYS}) & ~coalesce(h._mask, m._mask)) | coalesce(p._days, ${NO_DAYS}) AS _days
  FROM present p FULL JOIN held h ON h.entity = p._entity AND h.born = p._born AND h.year = p._year
  LEFT JOIN claimed_masks m ON m._year = p._year
)`,
    `entities AS (
  INSERT INTO metric_rollup_entities (dataset, entity, born, year, days)
  SELECT :dataset, _entity, _born, _year, _days FROM merged WHERE _old IS DISTINCT FROM _days
  ON CONFLICT (dataset, entity, born, year) DO UPDATE SET days = EXCLUDED.days
  RETURNING 1
)`,
  ];
}
