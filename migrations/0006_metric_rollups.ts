import type { Migration } from './migration';

/**
 * Metric rollups: what the dashboard's charts read instead of every row of a wide time range (see
 * `lambda/loader/metric-rollups/` for how they are kept exact, and `docs/dashboard.md`).
 *
 * - `metric_rollups`: per dataset, UTC day and measure: count, sum, minimum, maximum, count and sum
 *   per hour of the day, a fine histogram (`metric_rollup_bin`), the 10 entities with the highest
 *   maximum, and the times and reference values of the 10 records ranked first by the scatter.
 * - `metric_rollup_days`: per dataset and day: rows, and rows per value of the pie's column.
 * - `metric_rollup_entities`: for a dataset whose pie shows age groups, per (entity, birth date) and
 *   year, one bit per day of the year (day 1 leftmost): whether the pair has a row that day.
 * - `metric_rollup_pending`: the days whose rollups are out of date. Statement triggers on each
 *   dataset table add the day of every row a statement inserts, updates (old and new day) or
 *   deletes, in the writer's own transaction, so no write can bypass them; the loader recomputes
 *   the days once they are over, and until then the dashboard reads those days from the rows.
 *   The days that hold rows when this migration runs start out pending.
 *
 * The histogram bins grow geometrically by `METRIC_BIN_GROWTH` (each bin spans 2% of its values),
 * one sequence for positive and one for negative values, and a bin of its own for zero. The SQL is
 * fixed text like every applied migration; the constants are exported for the code that reads the
 * bins back, and the checksum pinned in `test/migrations/frozen.test.ts` keeps both in step.
 */

/** Ratio between the upper and lower bound of a histogram bin. */
export const METRIC_BIN_GROWTH = 1.02;
/**
 * Added to the bin exponent so every positive bin number is positive (and every negative one
 * negative): the smallest double, 5e-324, has exponent -37,617 at this growth.
 */
export const METRIC_BIN_OFFSET = 40_000;

const TABLES = [
  ['usage', 'accessed_at'],
  ['trades', 'traded_at'],
  ['samples', 'sampled_at'],
  ['s3_access_logs', 'request_time'],
] as const;

export const metricRollups: Migration = {
  id: '0006_metric_rollups',
  description:
    'Metric rollups per dataset and day for the dashboard, kept current through statement triggers',
  statements: [
    `CREATE TABLE IF NOT EXISTS metric_rollups (
  dataset text NOT NULL,
  measure text NOT NULL,
  day timestamptz NOT NULL,
  n bigint NOT NULL,
  total double precision NOT NULL,
  low double precision NOT NULL,
  high double precision NOT NULL,
  hour_counts bigint[] NOT NULL,
  hour_totals double precision[] NOT NULL,
  bins integer[] NOT NULL,
  bin_counts integer[] NOT NULL,
  top_entities text[] NOT NULL,
  top_values double precision[] NOT NULL,
  scatter_times timestamptz[] NOT NULL,
  scatter_values double precision[] NOT NULL,
  PRIMARY KEY (dataset, measure, day)
)`,
    `CREATE TABLE IF NOT EXISTS metric_rollup_days (
  dataset text NOT NULL,
  day timestamptz NOT NULL,
  row_count bigint NOT NULL,
  share_labels text[] NOT NULL,
  share_counts bigint[] NOT NULL,
  PRIMARY KEY (dataset, day)
)`,
    `CREATE TABLE IF NOT EXISTS metric_rollup_entities (
  dataset text NOT NULL,
  entity text NOT NULL,
  born date NOT NULL,
  year integer NOT NULL,
  days bit(366) NOT NULL,
  PRIMARY KEY (dataset, entity, born, year)
)`,
    `CREATE TABLE IF NOT EXISTS metric_rollup_pending (
  dataset text NOT NULL,
  day timestamptz NOT NULL,
  marked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset, day)
)`,
    // Not STRICT, so that it inlines into the statements that call it (a function call per value
    // costs many times more); NULL still gives NULL, as no WHEN matches it.
    `CREATE OR REPLACE FUNCTION metric_rollup_bin(v double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE
  WHEN v > 0 THEN ${METRIC_BIN_OFFSET} + CAST(floor(ln(v) / ln(CAST(${METRIC_BIN_GROWTH} AS double precision))) AS integer)
  WHEN v < 0 THEN -(${METRIC_BIN_OFFSET} + CAST(floor(ln(-v) / ln(CAST(${METRIC_BIN_GROWTH} AS double precision))) AS integer))
  WHEN v = 0 THEN 0 END $$`,
    // The bit of a UTC day in a year's `days` of metric_rollup_entities.
    `CREATE OR REPLACE FUNCTION metric_rollup_day_bit(day timestamptz) RETURNS bit(366)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT set_bit(CAST(repeat('0', 366) AS bit(366)), CAST(date_part('doy', day AT TIME ZONE 'UTC') AS integer) - 1, 1) $$`,
    // Arguments: the dataset and its time column. The days of one statement are upserted in order.
    // DO UPDATE ... WHERE false writes nothing but locks an existing row until the writer commits: a
    // recompute that claims the day meanwhile waits for the writer's rows, instead of clearing the
    // day without them (DO NOTHING would not lock). `marked_at` stays the time of the first mark.
    `CREATE OR REPLACE FUNCTION metric_rollup_mark() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  changed text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    changed := format('SELECT %I AS at FROM new_rows', TG_ARGV[1]);
  ELSIF TG_OP = 'UPDATE' THEN
    changed := format('SELECT %1$I AS at FROM old_rows UNION ALL SELECT %1$I FROM new_rows', TG_ARGV[1]);
  ELSE
    changed := format('SELECT %I AS at FROM old_rows', TG_ARGV[1]);
  END IF;
  EXECUTE format(
    'INSERT INTO metric_rollup_pending (dataset, day) '
    'SELECT DISTINCT %L, date_trunc(''day'', at, ''UTC'') FROM (%s) changed ORDER BY 2 '
    'ON CONFLICT (dataset, day) DO UPDATE SET marked_at = EXCLUDED.marked_at WHERE false',
    TG_ARGV[0], changed);
  RETURN NULL;
END $$`,
    `CREATE OR REPLACE FUNCTION metric_rollup_forget() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM metric_rollups WHERE dataset = TG_ARGV[0];
  DELETE FROM metric_rollup_days WHERE dataset = TG_ARGV[0];
  DELETE FROM metric_rollup_entities WHERE dataset = TG_ARGV[0];
  DELETE FROM metric_rollup_pending WHERE dataset = TG_ARGV[0];
  RETURN NULL;
END $$`,
    ...TABLES.flatMap(([table, time]) => [
      `CREATE OR REPLACE TRIGGER metric_rollups_insert AFTER INSERT ON ${table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_rollup_mark('${table}', '${time}')`,
      `CREATE OR REPLACE TRIGGER metric_rollups_update AFTER UPDATE ON ${table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_rollup_mark('${table}', '${time}')`,
      `CREATE OR REPLACE TRIGGER metric_rollups_delete AFTER DELETE ON ${table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metric_rollup_mark('${table}', '${time}')`,
      `CREATE OR REPLACE TRIGGER metric_rollups_truncate AFTER TRUNCATE ON ${table}
  FOR EACH STATEMENT EXECUTE FUNCTION metric_rollup_forget('${table}')`,
      // The days that hold rows, one probe of the time index per day (no scan of the table).
      `INSERT INTO metric_rollup_pending (dataset, day)
  WITH RECURSIVE days AS (
    SELECT date_trunc('day', min(${time}), 'UTC') AS day FROM ${table}
    UNION ALL
    SELECT (SELECT date_trunc('day', min(${time}), 'UTC') FROM ${table} WHERE ${time} >= days.day + interval '24 hours')
    FROM days WHERE days.day IS NOT NULL
  )
  SELECT '${table}', day FROM days WHERE day IS NOT NULL ON CONFLICT DO NOTHING`,
    ]),
  ],
};
