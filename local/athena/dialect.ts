/**
 * The one place where Athena's SQL (Trino, engine version 3) becomes the local engine's (DuckDB).
 *
 * The SQL the platform writes for Athena runs unchanged: where both engines agree nothing is
 * rewritten, and where they differ this file makes DuckDB answer as Trino does, in three ways:
 *
 * 1. Session settings (`SESSION_SETTINGS`): integer division truncates, the session time zone is
 *    UTC, nulls sort last in both directions.
 * 2. Trino functions as DuckDB macros (`TRINO_FUNCTIONS`), one entry per difference, each with the
 *    Trino behaviour it reproduces: `approx_percentile`, `from_iso8601_timestamp`, `date_trunc` on
 *    dates, `date_diff` counting whole units, `least`/`greatest` with nulls, MySQL-style
 *    `date_format` patterns, and the other functions DuckDB spells differently.
 * 3. Statement rewrites on DuckDB's parse tree: execution parameters (`?`) take their values,
 *    unnamed result columns are named `_col0`, `_col1`, ... as Trino names them.
 *
 * How tables are read (the JSON and Regex SerDes, partition projection with `injected` columns
 * and date formats) is not SQL translation: `projection.ts` and `scan.ts` do it. Every known
 * difference that remains is listed in local/README.md (section "Local Athena").
 *
 * Trino references: https://trino.io/docs/current/functions/comparison.html (least/greatest
 * return null if any argument is null), https://trino.io/docs/current/functions/math.html
 * (integer division truncates), https://trino.io/docs/current/functions/datetime.html
 * (date_trunc returns the input's type; date_diff; date_format uses MySQL specifiers),
 * https://trino.io/docs/current/functions/aggregate.html (approx_percentile).
 */

/** Per-connection settings that make DuckDB's operators behave as Trino's. */
export const SESSION_SETTINGS: readonly string[] = [
  // Trino: "/ Division (integer division performs truncation)"; DuckDB divides integers as doubles.
  'SET integer_division = true',
  // Athena sessions run in UTC: current_date, casts to timestamp with time zone and date_trunc use it.
  "SET TimeZone = 'UTC'",
  // Trino sorts nulls last whatever the direction.
  "SET default_null_order = 'nulls_last'",
];

/** A Trino function that DuckDB lacks or answers differently, and the macro that reproduces it. */
export interface TrinoFunction {
  /** The Trino call, as documented. */
  readonly trino: string;
  /** What differs without the macro. */
  readonly difference: string;
  /** `CREATE MACRO` body after the name: parameters and `AS` expression (overloads separated by commas). */
  readonly macro: string;
}

/** MySQL `date_format` specifiers (Trino) to `strftime` specifiers (DuckDB), applied in this order. */
const MYSQL_TO_STRFTIME: readonly [string, string][] = [
  ['%M', '%B'], // month name (before %i becomes %M)
  ['%W', '%A'], // weekday name
  ['%i', '%M'], // minutes
  ['%r', '%I:%M:%S %p'],
  ['%T', '%H:%M:%S'],
  ['%h', '%I'],
  ['%l', '%-I'],
  ['%k', '%-H'],
  ['%s', '%S'],
  ['%c', '%-m'],
  ['%e', '%-d'],
  ['%v', '%V'],
];

/** Joda-Time patterns (Trino's `format_datetime`) to `strftime`, for the common letters. */
const JODA_TO_STRFTIME: readonly [string, string][] = [
  ['SSS', '%g'],
  ['yyyy', '%Y'],
  ['MM', '%m'],
  ['dd', '%d'],
  ['HH', '%H'],
  ['mm', '%M'],
  ['ss', '%S'],
];

/** SQL that rewrites the format string `fmt` with each pair of `table`, in order. */
const translatedFormat = (table: readonly [string, string][], fmt: string) =>
  table.reduce((expr, [from, to]) => `replace(${expr}, '${from}', '${to}')`, fmt);

const nullIfAnyNull = (fn: 'least' | 'greatest') =>
  [2, 3, 4, 5, 6]
    .map((n) => {
      const args = Array.from({ length: n }, (_, i) => `a${i}`);
      return `(${args.join(', ')}) AS CASE WHEN ${args.map((a) => `${a} IS NULL`).join(' OR ')} THEN NULL ELSE system.main.${fn}(${args.join(', ')}) END`;
    })
    .join(', ');

const INTERVAL_OF_UNIT = `CASE lower(u)
  WHEN 'millisecond' THEN to_milliseconds(n) WHEN 'second' THEN to_seconds(n)
  WHEN 'minute' THEN to_minutes(n) WHEN 'hour' THEN to_hours(n) WHEN 'day' THEN to_days(n)
  WHEN 'week' THEN to_weeks(n) WHEN 'month' THEN to_months(n) WHEN 'quarter' THEN to_months(3 * n)
  WHEN 'year' THEN to_years(n) ELSE error('Invalid unit for date_add: ' || u) END`;

/** Trino functions reproduced as DuckDB macros. Created once per engine, in the `main` schema. */
export const TRINO_FUNCTIONS: Readonly<Record<string, TrinoFunction>> = {
  approx_percentile: {
    trino: 'approx_percentile(x, percentage) -> [same as x]',
    difference:
      'DuckDB has no approx_percentile. Locally a double is the exact, interpolated quantile (quantile_cont, as ' +
      "Postgres' percentile_cont) and an integer the nearest-rank value (quantile_disc); Athena's are " +
      'approximate, so quartiles may differ slightly in AWS. Decimals are read as doubles, as Trino does.',
    macro: '(x BIGINT, p) AS quantile_disc(x, p), (x DOUBLE, p) AS quantile_cont(x, p)',
  },
  approx_distinct: {
    trino: 'approx_distinct(x) -> bigint',
    difference: 'DuckDB spells it approx_count_distinct (both are approximate).',
    macro: '(x) AS approx_count_distinct(x)',
  },
  from_iso8601_timestamp: {
    trino: 'from_iso8601_timestamp(string) -> timestamp(3) with time zone',
    difference: 'DuckDB has no such function; a cast to TIMESTAMPTZ parses the same ISO 8601 forms.',
    macro: '(s) AS CAST(s AS TIMESTAMPTZ)',
  },
  from_iso8601_date: {
    trino: 'from_iso8601_date(string) -> date',
    difference: 'DuckDB has no such function.',
    macro: '(s) AS CAST(s AS DATE)',
  },
  to_iso8601: {
    trino: 'to_iso8601(x) -> varchar',
    difference: 'DuckDB has no such function.',
    macro:
      "(x DATE) AS strftime(x, '%Y-%m-%d'), (x TIMESTAMP) AS strftime(x, '%Y-%m-%dT%H:%M:%S.%g'), " +
      "(x TIMESTAMPTZ) AS strftime(x, '%Y-%m-%dT%H:%M:%S.%gZ')",
  },
  to_unixtime: {
    trino: 'to_unixtime(timestamp) -> double',
    difference: 'DuckDB spells it epoch.',
    macro: '(t) AS epoch(t)',
  },
  from_unixtime: {
    trino: 'from_unixtime(unixtime) -> timestamp(3) with time zone',
    difference: 'DuckDB spells it to_timestamp.',
    macro: '(n) AS to_timestamp(n)',
  },
  date_trunc: {
    trino: 'date_trunc(unit, x) -> [same as input]',
    difference: 'DuckDB returns a timestamp for a date; Trino returns a date.',
    macro:
      '(u, x DATE) AS CAST(system.main.date_trunc(u, x) AS DATE), (u, x TIMESTAMP) AS system.main.date_trunc(u, x), ' +
      '(u, x TIMESTAMPTZ) AS system.main.date_trunc(u, x)',
  },
  date_diff: {
    trino: 'date_diff(unit, timestamp1, timestamp2) -> bigint',
    difference:
      "Trino counts whole units elapsed (date_diff('year', DATE '2000-06-01', DATE '2024-05-31') = 23); " +
      "DuckDB's date_diff counts unit boundaries crossed (24). DuckDB's date_sub counts as Trino does.",
    macro: '(u, a, b) AS date_sub(u, a, b)',
  },
  date_add: {
    trino: 'date_add(unit, value, timestamp) -> [same as input]',
    difference: 'DuckDB has date_add(date, interval) only, and returns a timestamp for a date.',
    macro:
      `(u, n, x DATE) AS CAST(x + ${INTERVAL_OF_UNIT} AS DATE), (u, n, x TIMESTAMP) AS x + ${INTERVAL_OF_UNIT}, ` +
      `(u, n, x TIMESTAMPTZ) AS x + ${INTERVAL_OF_UNIT}`,
  },
  date_format: {
    trino: 'date_format(timestamp, format) -> varchar',
    difference:
      "Trino uses MySQL specifiers (%i minutes, %s seconds, %M month name); DuckDB's strftime does not.",
    macro: `(t, fmt) AS strftime(t, ${translatedFormat(MYSQL_TO_STRFTIME, 'fmt')})`,
  },
  format_datetime: {
    trino: 'format_datetime(timestamp, format) -> varchar',
    difference:
      'Joda-Time patterns; translated for yyyy, MM, dd, HH, mm, ss and SSS (other letters are left as they are).',
    macro: `(t, fmt) AS strftime(t, ${translatedFormat(JODA_TO_STRFTIME, 'fmt')})`,
  },
  regexp_like: {
    trino: 'regexp_like(string, pattern) -> boolean',
    difference: 'DuckDB spells it regexp_matches (both match anywhere in the string).',
    macro: '(s, p) AS regexp_matches(s, p)',
  },
  json_extract_scalar: {
    trino: 'json_extract_scalar(json, json_path) -> varchar',
    difference: 'DuckDB spells it json_extract_string.',
    macro: '(j, p) AS json_extract_string(j, p)',
  },
  url_decode: {
    trino: 'url_decode(value) -> varchar',
    difference: "Trino decodes '+' as a space (form encoding); DuckDB's url_decode keeps it.",
    macro: "(s) AS system.main.url_decode(replace(s, '+', ' '))",
  },
  day_of_week: {
    trino: 'day_of_week(x) -> bigint',
    difference: 'ISO day of the week (1 = Monday); DuckDB spells it isodow.',
    macro: '(x) AS isodow(x)',
  },
  day_of_year: {
    trino: 'day_of_year(x) -> bigint',
    difference: 'DuckDB spells it dayofyear.',
    macro: '(x) AS dayofyear(x)',
  },
  array_join: {
    trino: 'array_join(x, delimiter) -> varchar',
    difference: 'DuckDB spells it array_to_string.',
    macro: '(a, d) AS array_to_string(a, d)',
  },
  least: {
    trino: 'least(value1, value2, ..., valueN) -> [same as input]',
    difference: 'Trino returns null if any argument is null; DuckDB ignores nulls (as Postgres does).',
    macro: nullIfAnyNull('least'),
  },
  greatest: {
    trino: 'greatest(value1, value2, ..., valueN) -> [same as input]',
    difference: 'Trino returns null if any argument is null; DuckDB ignores nulls.',
    macro: nullIfAnyNull('greatest'),
  },
};

/** The statements that create every macro of `TRINO_FUNCTIONS`. */
export function trinoFunctionMacros(): string[] {
  return Object.entries(TRINO_FUNCTIONS).map(([name, f]) => `CREATE OR REPLACE MACRO ${name}${f.macro}`);
}

/** A query Athena would refuse, with Trino's error name (`SYNTAX_ERROR`, `INVALID_PARAMETER_USAGE`, ...). */
export class QueryError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(`${errorName}: ${message}`);
    this.name = 'QueryError';
  }
}

/**
 * The `?` placeholders of a query, outside string literals, quoted identifiers and comments, replaced
 * in order by the execution parameters (which Athena takes as SQL literals: `'text'`,
 * `TIMESTAMP '2024-05-01 00:00:00.000'`, `42`).
 */
export function substituteParameters(sql: string, parameters: readonly string[]): string {
  let out = '';
  let used = 0;
  let placeholders = 0;
  for (let i = 0; i < sql.length;) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    const quoted = c === "'" || c === '"' ? new RegExp(`^${c}(?:[^${c}]|${c}${c})*${c}`).exec(rest) : null;
    const comment = /^--[^\n]*/.exec(rest) ?? /^\/\*[\s\S]*?\*\//.exec(rest);
    const token = quoted?.[0] ?? comment?.[0];
    if (token) {
      out += token;
      i += token.length;
    } else if (c === '?') {
      placeholders++;
      out += used < parameters.length ? `(${parameters[used++]})` : '?';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (placeholders !== parameters.length) {
    throw new QueryError(
      'INVALID_PARAMETER_USAGE',
      `Incorrect number of parameters: expected ${placeholders} but found ${parameters.length}`,
    );
  }
  return out;
}

/** A node of DuckDB's parse tree (`json_serialize_sql`). */
export type AstNode = { [key: string]: unknown };

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Names the unnamed result columns of the statement's outermost query `_col0`, `_col1`, ... (by
 * position), as Trino does; DuckDB would name them after the expression's text.
 */
export function nameUnnamedColumns(statement: AstNode): void {
  let node = statement.node as AstNode | undefined;
  while (node && node.type === 'SET_OPERATION_NODE') node = node.left as AstNode;
  if (!node || node.type !== 'SELECT_NODE' || !Array.isArray(node.select_list)) return;
  node.select_list.forEach((expr: unknown, i) => {
    if (!isNode(expr) || expr.alias) return;
    if (expr.class === 'COLUMN_REF' || expr.class === 'STAR') return;
    expr.alias = `_col${i}`;
  });
}
