/**
 * The one query builder behind every chart. Each chart's numbers are computed by the database
 * (Postgres through the Data API, or Athena over the lake); the server only reshapes a few dozen
 * result rows. Column names come from the dataset definition, never from a request, and every
 * value is a bound parameter, so nothing a client sends is spliced into SQL.
 */
import type { Column, Dataset } from '../../datasets';
import { TOP_N, chartPlan, measuresOf, type ChartPlan } from '../../datasets/chart-plan';
import type { SqlParams, SqlValue } from '../../db/database';
import { formatTimestamp } from '../../db/sql-values';
import type { BucketUnit, ChartName, Engine } from './contract';

// The chart plan is derived from the definition in datasets/, where the loader's rollups read it too.
export { TOP_N, chartPlan, measuresOf, type ChartPlan };

/** Number of histogram bins. */
export const HISTOGRAM_BINS = 30;
/** Slices of a dimension pie before the rest is grouped as "Other". */
export const SHARE_SLICES = 9;

/** Age groups of the age pie, in display order. `max` is exclusive. */
export const AGE_GROUPS: readonly { label: string; min: number; max: number }[] = [
  { label: 'Under 18', min: 0, max: 18 },
  { label: '18–24', min: 18, max: 25 },
  { label: '25–34', min: 25, max: 35 },
  { label: '35–44', min: 35, max: 45 },
  { label: '45–54', min: 45, max: 55 },
  { label: '55–64', min: 55, max: 65 },
  { label: '65 and over', min: 65, max: Number.POSITIVE_INFINITY },
];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The bucket that keeps the line chart between roughly 30 and 400 points for the span. */
export function bucketFor(from: Date, to: Date): BucketUnit {
  const span = to.getTime() - from.getTime();
  if (span <= 6 * HOUR_MS) return 'minute';
  if (span <= 14 * DAY_MS) return 'hour';
  if (span <= 180 * DAY_MS) return 'day';
  if (span <= 1096 * DAY_MS) return 'week';
  return span <= 40 * 366 * DAY_MS ? 'month' : 'year';
}

/** What the user picked: a dataset, one of its measures and a time range (from inclusive, to exclusive). */
export interface ChartSelection {
  readonly dataset: Dataset;
  readonly measure: Column;
  readonly from: Date;
  readonly to: Date;
}

/** A statement ready for one engine. */
export interface BuiltQuery {
  readonly chart: ChartName;
  readonly engine: Engine;
  readonly sql: string;
  /** Postgres: named parameters (`:name`) for the Data API. Empty for Athena. */
  readonly params: SqlParams;
  /** Athena: execution parameters, in the order of the `?` placeholders (SQL literals). Empty for Postgres. */
  readonly executionParameters: readonly string[];
}

/** Quotes an identifier that comes from a dataset definition (already a valid snake_case name). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new Error(`"${name}" is not a valid identifier; dataset column names are snake_case.`);
  }
  return `"${name}"`;
}

/** Collects bound parameters as the SQL text is written. */
interface Binder {
  /** A placeholder for a timestamp value. */
  timestamp(name: string, value: Date): string;
  /** A placeholder for a text value. */
  text(name: string, value: string): string;
  readonly params: Record<string, SqlValue>;
  readonly executionParameters: string[];
}

function postgresBinder(): Binder {
  const params: Record<string, SqlValue> = {};
  return {
    params,
    executionParameters: [],
    timestamp(name, value) {
      params[name] = value;
      return `:${name}`;
    },
    text(name, value) {
      params[name] = value;
      return `:${name}`;
    },
  };
}

/** Athena `?` placeholders only take SQL literals, which we build from parsed values only. */
function athenaBinder(): Binder {
  const executionParameters: string[] = [];
  return {
    params: {},
    executionParameters,
    timestamp(_name, value) {
      executionParameters.push(`TIMESTAMP '${formatTimestamp(value)}'`);
      return '?';
    },
    text(_name, value) {
      executionParameters.push(`'${value.replaceAll("'", "''")}'`);
      return '?';
    },
  };
}

/**
 * The `dt=YYYY-MM-DD` partitions (UTC) that can hold rows of [from, to). A batch is filed under
 * the day of its earliest record, so a batch written just before midnight holds rows of the next
 * day: the range starts one day early.
 */
export function partitionRange(from: Date, to: Date): { first: string; last: string } {
  const first = new Date(from.getTime() - 86_400_000);
  const last = new Date(to.getTime() - 1);
  return { first: first.toISOString().slice(0, 10), last: last.toISOString().slice(0, 10) };
}

/** The per-engine pieces of SQL; everything else is shared. */
interface Dialect {
  readonly engine: Engine;
  binder(): Binder;
  double(expr: string): string;
  text(expr: string): string;
  /** Milliseconds since the epoch of a timestamp expression, as a double. */
  epochMs(expr: string): string;
  /** The start of the bucket holding a timestamp, in UTC. */
  bucket(unit: BucketUnit, expr: string): string;
  quantile(expr: string, p: number): string;
  /** The 1-based histogram bin of `expr` in [lo, hi] with `bins` equal-width bins. */
  bin(expr: string, lo: string, hi: string, bins: number): string;
  /** Whole years from a date column to today (UTC). */
  ageYears(expr: string): string;
  /** Extra predicates that keep a time-bounded query cheap (Athena: the `dt` partitions). */
  partitionFilter(b: Binder, from: Date, to: Date): string[];
  /** Whether quartiles are exact. */
  readonly exactQuantiles: boolean;
  /** Ends a subquery so the planner keeps it apart (Postgres: `OFFSET 0`). */
  readonly fence: string;
}

const postgres: Dialect = {
  engine: 'postgres',
  binder: postgresBinder,
  double: (e) => `CAST(${e} AS double precision)`,
  text: (e) => `CAST(${e} AS text)`,
  epochMs: (e) => `date_part('epoch', ${e}) * 1000`,
  // date_trunc on the UTC wall clock, so buckets do not depend on the session time zone.
  bucket: (unit, e) => `date_trunc('${unit}', ${e} AT TIME ZONE 'UTC')`,
  quantile: (e, p) => `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${e})`,
  bin: (e, lo, hi, bins) => `least(width_bucket(${e}, ${lo}, ${hi}, ${bins}), ${bins})`,
  ageYears: (e) => `CAST(date_part('year', age(CAST(now() AT TIME ZONE 'UTC' AS date), ${e})) AS integer)`,
  partitionFilter: () => [],
  exactQuantiles: true,
  fence: ' OFFSET 0',
};

const athena: Dialect = {
  engine: 'athena',
  binder: athenaBinder,
  double: (e) => `CAST(${e} AS double)`,
  text: (e) => `CAST(${e} AS varchar)`,
  epochMs: (e) => `CAST(to_unixtime(${e}) * 1000 AS double)`,
  bucket: (unit, e) => `date_trunc('${unit}', ${e})`,
  quantile: (e, p) => `approx_percentile(${e}, ${p})`,
  // The same arithmetic as Postgres' width_bucket, written out: Athena has no width_bucket for ranges.
  bin: (e, lo, hi, bins) =>
    `least(CAST(floor(${bins} * ((${e} - ${lo}) / (${hi} - ${lo}))) AS integer), ${bins - 1}) + 1`,
  ageYears: (e) => `CAST(date_diff('year', ${e}, current_date) AS integer)`,
  partitionFilter: (b, from, to) => {
    const { first, last } = partitionRange(from, to);
    return [`dt >= ${b.text('dt_first', first)}`, `dt <= ${b.text('dt_last', last)}`];
  },
  exactQuantiles: false,
  fence: '',
};

export const DIALECTS: Readonly<Record<Engine, Dialect>> = { postgres, athena };

/** Builds the WHERE clause of a selection: time range, partitions, non-null columns. */
function whereClause(d: Dialect, b: Binder, s: ChartSelection, plan: ChartPlan, notNull: Column[]): string {
  const t = ident(plan.time.name);
  const predicates = [
    ...d.partitionFilter(b, s.from, s.to),
    `${t} >= ${b.timestamp('from', s.from)}`,
    `${t} < ${b.timestamp('to', s.to)}`,
    ...notNull.filter((c) => c.nullable).map((c) => `${ident(c.name)} IS NOT NULL`),
  ];
  return predicates.join(' AND ');
}

/** The dataset's key, ascending: the order that breaks ties between records. */
export function keyOrder(dataset: Dataset): string {
  return dataset.key.map((k) => `${ident(k)} ASC`).join(', ');
}

function build(chart: ChartName, d: Dialect, write: (b: Binder) => string): BuiltQuery {
  const b = d.binder();
  const sql = write(b);
  return {
    chart,
    engine: d.engine,
    sql,
    params: { ...b.params },
    executionParameters: [...b.executionParameters],
  };
}

/** The six chart statements of a selection, for one engine. */
export function chartQueries(s: ChartSelection, engine: Engine): Record<ChartName, BuiltQuery | undefined> {
  const d = DIALECTS[engine];
  const plan = chartPlan(s.dataset, s.measure);
  const table = ident(s.dataset.name);
  const m = d.double(ident(s.measure.name));
  const r = d.double(ident(plan.reference.name));
  const entity = d.text(ident(plan.entity.name));
  const unit = bucketFor(s.from, s.to);

  // Rank first, then project: the casts and conversions run on ten rows, not on the whole range.
  const scatter = build('scatter', d, (b) =>
    [
      `SELECT ${entity} AS entity, ${r} AS x, ${m} AS y, ${d.epochMs(ident(plan.time.name))} AS at`,
      `FROM (`,
      `  SELECT * FROM ${table}`,
      `  WHERE ${whereClause(d, b, s, plan, [s.measure, plan.reference])}`,
      `  ORDER BY ${ident(plan.reference.name)} DESC, ${keyOrder(s.dataset)}`,
      `  LIMIT ${TOP_N}`,
      `) ranked`,
      `ORDER BY x DESC, ${keyOrder(s.dataset)}`,
    ].join('\n'),
  );

  const top = build('top', d, (b) =>
    [
      `SELECT ${entity} AS entity, max(${m}) AS value`,
      `FROM ${table}`,
      `WHERE ${whereClause(d, b, s, plan, [s.measure, plan.entity])}`,
      `GROUP BY ${ident(plan.entity.name)}`,
      `ORDER BY value DESC, entity ASC`,
      `LIMIT ${TOP_N}`,
    ].join('\n'),
  );

  // Grouping a fenced subquery's column (OFFSET 0 in Postgres) lets the planner hash the few
  // buckets instead of sorting every row, which it would do for a grouping expression.
  const series = build('series', d, (b) =>
    [
      `SELECT ${d.epochMs('bucket')} AS t, avg(v) AS value, count(*) AS n FROM (`,
      `  SELECT ${d.bucket(unit, ident(plan.time.name))} AS bucket, ${m} AS v`,
      `  FROM ${table}`,
      `  WHERE ${whereClause(d, b, s, plan, [s.measure])}${d.fence}`,
      `) rows_in_range`,
      `GROUP BY bucket`,
      `ORDER BY bucket`,
    ].join('\n'),
  );

  const box = build('box', d, (b) =>
    [
      `SELECT count(*) AS n, min(${m}) AS min, ${d.quantile(m, 0.25)} AS q1, ${d.quantile(m, 0.5)} AS median,`,
      `  ${d.quantile(m, 0.75)} AS q3, max(${m}) AS max`,
      `FROM ${table}`,
      `WHERE ${whereClause(d, b, s, plan, [s.measure])}`,
    ].join('\n'),
  );

  const histogram = build('histogram', d, (b) => {
    const where = whereClause(d, b, s, plan, [s.measure]);
    return [
      `WITH bounds AS (SELECT min(${m}) AS lo, max(${m}) AS hi FROM ${table} WHERE ${where})`,
      `SELECT bin, count(*) AS n, min(lo) AS lo, min(hi) AS hi FROM (`,
      `  SELECT CASE WHEN bounds.hi = bounds.lo THEN 1 ELSE ${d.bin(m, 'bounds.lo', 'bounds.hi', HISTOGRAM_BINS)} END AS bin,`,
      `    bounds.lo AS lo, bounds.hi AS hi`,
      `  FROM ${table} CROSS JOIN bounds`,
      `  WHERE ${whereClause(d, b, s, plan, [s.measure])}${d.fence}`,
      `) binned`,
      `GROUP BY bin`,
      `ORDER BY bin`,
    ].join('\n');
  });

  let share: BuiltQuery | undefined;
  if (plan.share.kind === 'age') {
    const born = ident(plan.share.column.name);
    const age = 'age';
    const cases = AGE_GROUPS.map((g) =>
      Number.isFinite(g.max) ? `WHEN ${age} < ${g.max} THEN '${g.label}'` : `ELSE '${g.label}'`,
    ).join(' ');
    const where = (b: Binder) => `${whereClause(d, b, s, plan, [plan.entity])} AND ${born} IS NOT NULL`;
    // One date per entity (the earliest seen), then one age group per entity.
    share = build('share', d, (b) =>
      [
        `SELECT CASE ${cases} END AS label, count(*) AS n`,
        `FROM (`,
        `  SELECT ${d.ageYears(`min(${born})`)} AS ${age}`,
        `  FROM ${table} WHERE ${where(b)}`,
        `  GROUP BY ${ident(plan.entity.name)}`,
        `) entities`,
        `GROUP BY 1`,
      ].join('\n'),
    );
  } else if (plan.share.kind === 'dimension') {
    const dim = ident(plan.share.column.name);
    share = build('share', d, (b) =>
      [
        `SELECT CASE WHEN rn <= ${SHARE_SLICES} THEN label ELSE 'Other' END AS label, CAST(sum(n) AS bigint) AS n`,
        `FROM (`,
        `  SELECT coalesce(${d.text(dim)}, '(none)') AS label, count(*) AS n,`,
        `    row_number() OVER (ORDER BY count(*) DESC, coalesce(${d.text(dim)}, '(none)') ASC) AS rn`,
        `  FROM ${table} WHERE ${whereClause(d, b, s, plan, [])}`,
        `  GROUP BY ${dim}`,
        `) ranked`,
        `GROUP BY 1`,
      ].join('\n'),
    );
  }

  return { scatter, top, series, box, histogram, share };
}
