/**
 * A dataset is the one core abstraction of the platform: from this definition come the
 * Postgres table (migrations), the Glue/Athena table, ingest validation, the loader's
 * parser and the dashboard's list of metrics.
 */

/** Column types, named after their Postgres spelling. Each maps to a Glue type and a Data API hint. */
export type ColumnType =
  | 'text'
  | 'integer' // 32-bit signed
  | 'bigint' // 64-bit signed, exact up to Number.MAX_SAFE_INTEGER in JavaScript
  | 'double' // double precision
  | 'numeric' // exact decimal, sent as a string with the DECIMAL type hint
  | 'boolean'
  | 'date' // YYYY-MM-DD
  | 'timestamptz' // ISO 8601 instant with an offset or Z
  | 'uuid'
  | 'json';

/**
 * What a column means to the dashboard:
 * - `time`: the dataset's event time (exactly one per dataset)
 * - `measure`: a number worth charting
 * - `dimension`: something to group by
 * - `attribute`: carried along, neither charted nor grouped
 */
export type ColumnRole = 'time' | 'measure' | 'dimension' | 'attribute';

export interface Column {
  /** snake_case, a valid unquoted SQL identifier. */
  readonly name: string;
  readonly type: ColumnType;
  readonly role: ColumnRole;
  /** Whether the value may be absent or null. @default false */
  readonly nullable?: boolean;
  /** Human label for charts and forms ("Download speed"). */
  readonly label: string;
  /** Unit shown beside values (e.g. "Mbit/s"). */
  readonly unit?: string;
  /** One line for docs and Athena column comments. */
  readonly description: string;
  /** For numeric columns: the smallest accepted value. */
  readonly min?: number;
  /** For numeric columns: the largest accepted value. */
  readonly max?: number;
  /** For text columns: the longest accepted value, in characters. */
  readonly maxLength?: number;
  /** For text columns: the only accepted values. */
  readonly allowed?: readonly string[];
}

/** How a raw object in S3 is turned into rows. */
export type RawFormat = 'ndjson' | 's3-access-log';

export interface Dataset {
  /** snake_case; also the table name and the `raw/<name>/` prefix in the lake. */
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly columns: readonly Column[];
  /** Columns whose values identify a row: the table's unique key, so re-loading is harmless. */
  readonly key: readonly string[];
  /** How raw objects are parsed. */
  readonly format: RawFormat;
  /**
   * The column that identifies a "person" or entity for top-N charts (e.g. `person_name`).
   * @default the first key column
   */
  readonly entityColumn?: string;
  /**
   * How chart titles name several entities ("Top 10 people by ...").
   * @default "<entity column label> values", in lower case ("symbol values")
   */
  readonly entityPlural?: string;
  /**
   * The measure the scatter plots every selected measure against, and by which it ranks the
   * records it shows (the 10 highest).
   * @default the first measure; when that one is selected, the next measure
   */
  readonly referenceMeasure?: string;
  /**
   * The column the pie groups by. A `date` column is read as a birth date: the pie shows the
   * entities per age group (each entity's earliest date, ages as of today, UTC). Any other column
   * gives the share of records per value (the nine largest values and "Other").
   * @default the first column with role `dimension`; no pie when there is none
   */
  readonly shareColumn?: string;
}
