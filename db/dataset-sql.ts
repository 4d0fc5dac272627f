import { SYSTEM_COLUMN_NAMES } from '../datasets/system-columns';
import type { Column, Dataset } from '../datasets/types';
import type { SqlParams, SqlValue } from './database';
import { isTypedValue, sqlDate, sqlDecimal, sqlJson, sqlTimestamp, sqlUuid } from './sql-values';

/**
 * The writes of a dataset's rows (one row of named parameters, or many rows in one JSON parameter
 * keeping the latest version of each record), and the conversion of a record to those parameters.
 */

/** `INSERT ... VALUES (:column, ...) ON CONFLICT (<key>) DO NOTHING`: re-loading a row is harmless. */
export function insertSql(dataset: Dataset): string {
  const names = dataset.columns.map((c) => c.name);
  return (
    `INSERT INTO ${dataset.name} (${names.join(', ')}) VALUES (${names.map((n) => `:${n}`).join(', ')}) ` +
    `ON CONFLICT (${dataset.key.join(', ')}) DO NOTHING`
  );
}

/**
 * The upsert of a batch of rows that keeps, for each key, the latest version of the record: the rows
 * travel in the JSON array `:rows` (objects keyed by column name plus `_line_number`, see `toJsonRow`),
 * expanded into the table's row type by `json_populate_recordset`; the version of their object comes
 * as `:ingested_at` and `:object_key`. A row replaces a stored one only when its version, the system
 * columns of `datasets/system-columns.ts` compared in order, is newer, so the result does not depend
 * on the order in which objects load, and loading the same version again changes nothing.
 *
 * Returns one row: `inserted` (new keys) and `updated` (stored rows replaced by a newer version);
 * `xmax = 0` tells a freshly inserted row from an updated one. A whole batch travels as one parameter,
 * which the Data API handles far faster than one parameter per value. `json` rather than `jsonb`:
 * the rows are read once, so building the binary `jsonb` form first only costs time.
 */
export function upsertJsonRowsSql(dataset: Dataset): string {
  const names = dataset.columns.map((c) => c.name);
  const keys = new Set(dataset.key);
  const lineNumber = SYSTEM_COLUMN_NAMES[2];
  const updates = [...names.filter((n) => !keys.has(n)), ...SYSTEM_COLUMN_NAMES].map(
    (n) => `${n} = EXCLUDED.${n}`,
  );
  const stored = SYSTEM_COLUMN_NAMES.map((n) => `t.${n}`).join(', ');
  const incoming = SYSTEM_COLUMN_NAMES.map((n) => `EXCLUDED.${n}`).join(', ');
  return (
    `WITH upserted AS (INSERT INTO ${dataset.name} AS t (${[...names, ...SYSTEM_COLUMN_NAMES].join(', ')}) ` +
    `SELECT ${names.map((n) => `r.${n}`).join(', ')}, CAST(:ingested_at AS timestamptz), :object_key, r.${lineNumber} ` +
    `FROM json_populate_recordset(NULL::${dataset.name}, CAST(:rows AS json)) AS r ` +
    `ON CONFLICT (${dataset.key.join(', ')}) DO UPDATE SET ${updates.join(', ')} ` +
    `WHERE (${stored}) < (${incoming}) ` +
    'RETURNING (xmax = 0) AS inserted) ' +
    'SELECT CAST(count(*) FILTER (WHERE inserted) AS integer) AS inserted, ' +
    'CAST(count(*) FILTER (WHERE NOT inserted) AS integer) AS updated FROM upserted'
  );
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** A module-level function, not a closure: `columnValue` runs for every value the loader inserts. */
function mismatch(dataset: Dataset, column: Column, value: unknown, expected: string): TypeError {
  return new TypeError(
    `Dataset "${dataset.name}", column "${column.name}": value ${describe(value)} is not ${expected}.`,
  );
}

function columnValue(dataset: Dataset, column: Column, value: unknown): SqlValue {
  try {
    switch (column.type) {
      case 'text':
        if (typeof value !== 'string') throw mismatch(dataset, column, value, 'a string');
        return value;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value))
          throw mismatch(dataset, column, value, 'an integer');
        return value;
      case 'bigint':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        // Beyond 2^53 the value travels as exact text; the DECIMAL hint casts it to numeric, then bigint.
        if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return sqlDecimal(value);
        throw mismatch(dataset, column, value, 'an integer (a number, or a string of digits beyond 2^53)');
      case 'double':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw mismatch(dataset, column, value, 'a finite number');
        return value;
      case 'numeric':
        if (typeof value !== 'string' && typeof value !== 'number')
          throw mismatch(dataset, column, value, 'a decimal number or decimal string');
        return sqlDecimal(value);
      case 'boolean':
        if (typeof value !== 'boolean') throw mismatch(dataset, column, value, 'true or false');
        return value;
      case 'date':
        if (typeof value !== 'string') throw mismatch(dataset, column, value, 'a date string YYYY-MM-DD');
        return sqlDate(value);
      case 'timestamptz':
        if (!(value instanceof Date) && typeof value !== 'string')
          throw mismatch(dataset, column, value, 'an ISO 8601 timestamp or a Date');
        return sqlTimestamp(value);
      case 'uuid':
        if (typeof value !== 'string') throw mismatch(dataset, column, value, 'a UUID string');
        return sqlUuid(value);
      case 'json':
        return sqlJson(value);
    }
  } catch (err) {
    if (err instanceof TypeError && err.message.startsWith(`Dataset "${dataset.name}"`)) throw err;
    throw new TypeError(`Dataset "${dataset.name}", column "${column.name}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The parameter of one column of a record: null when the value is absent, which the column must allow. */
function recordValue(dataset: Dataset, column: Column, record: Readonly<Record<string, unknown>>): SqlValue {
  const value = record[column.name];
  if (value !== null && value !== undefined) return columnValue(dataset, column, value);
  if (!column.nullable) {
    throw new TypeError(
      `Dataset "${dataset.name}", column "${column.name}": a value is required (the column is not nullable).`,
    );
  }
  return null;
}

/**
 * Named parameters for `insertSql(dataset)` from a record (one key per column, values as the
 * validator normalises them). Throws an error naming the dataset, column and value when a value does
 * not fit its column, or a required value is missing.
 */
export function toSqlParams(dataset: Dataset, record: Readonly<Record<string, unknown>>): SqlParams {
  const params: Record<string, SqlValue> = {};
  for (const column of dataset.columns) params[column.name] = recordValue(dataset, column, record);
  return params;
}

/**
 * A record as one element of the `:rows` array of `upsertJsonRowsSql`, checked as by `toSqlParams`.
 * Each value takes the JSON form Postgres reads back exactly: `numeric` and `bigint` beyond 2^53 as
 * decimal strings, timestamps in UTC with a `Z` (so the session time zone plays no part), `json`
 * values as they are; null for an absent value (JSON cannot carry `-0`, which becomes 0).
 */
export function toJsonRow(
  dataset: Dataset,
  record: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of dataset.columns) {
    const value = recordValue(dataset, column, record);
    if (!isTypedValue(value)) row[column.name] = value;
    else if (value.kind === 'timestamp') row[column.name] = `${value.value.replace(' ', 'T')}Z`;
    else if (value.kind === 'json') row[column.name] = record[column.name];
    else row[column.name] = value.value;
  }
  return row;
}
