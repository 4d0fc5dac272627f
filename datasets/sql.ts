import type { SqlParams, SqlValue } from '../lambda/shared/database';
import { sqlDate, sqlDecimal, sqlJson, sqlTimestamp, sqlUuid } from '../lambda/shared/sql-values';
import type { Column, ColumnType, Dataset } from './types';

/**
 * SQL derived from a dataset definition: its Postgres table, its idempotent insert, and the
 * conversion of a record to named Data API parameters with the right type hints.
 */

const POSTGRES_TYPES: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  double: 'double precision',
  numeric: 'numeric',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
  json: 'jsonb',
};

/** The Postgres type of a column. */
export function postgresType(column: Column): string {
  return POSTGRES_TYPES[column.type];
}

/** The dataset's time column (every valid dataset has exactly one). */
export function timeColumn(dataset: Dataset): Column {
  const column = dataset.columns.find((c) => c.role === 'time');
  if (!column) throw new Error(`Dataset "${dataset.name}" has no column with role "time".`);
  return column;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for the dataset (its key as primary key) and an index on its time
 * column, so dashboards read time ranges without scanning the table.
 */
export function createTableSql(dataset: Dataset): string[] {
  const columns = dataset.columns.map(
    (c) => `  ${c.name} ${postgresType(c)}${c.nullable ? '' : ' NOT NULL'}`,
  );
  const time = timeColumn(dataset);
  return [
    `CREATE TABLE IF NOT EXISTS ${dataset.name} (\n${columns.join(',\n')},\n  PRIMARY KEY (${dataset.key.join(', ')})\n)`,
    `CREATE INDEX IF NOT EXISTS ${dataset.name}_${time.name}_idx ON ${dataset.name} (${time.name})`,
  ];
}

/** `INSERT ... VALUES (:column, ...) ON CONFLICT (<key>) DO NOTHING`: re-loading a row is harmless. */
export function insertSql(dataset: Dataset): string {
  const names = dataset.columns.map((c) => c.name);
  return (
    `INSERT INTO ${dataset.name} (${names.join(', ')}) VALUES (${names.map((n) => `:${n}`).join(', ')}) ` +
    `ON CONFLICT (${dataset.key.join(', ')}) DO NOTHING`
  );
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function columnValue(dataset: Dataset, column: Column, value: unknown): SqlValue {
  const fail = (expected: string) =>
    new TypeError(
      `Dataset "${dataset.name}", column "${column.name}": value ${describe(value)} is not ${expected}.`,
    );
  try {
    switch (column.type) {
      case 'text':
        if (typeof value !== 'string') throw fail('a string');
        return value;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw fail('an integer');
        return value;
      case 'bigint':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        // Beyond 2^53 the value travels as exact text; the DECIMAL hint casts it to numeric, then bigint.
        if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return sqlDecimal(value);
        throw fail('an integer (a number, or a string of digits beyond 2^53)');
      case 'double':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw fail('a finite number');
        return value;
      case 'numeric':
        if (typeof value !== 'string' && typeof value !== 'number')
          throw fail('a decimal number or decimal string');
        return sqlDecimal(value);
      case 'boolean':
        if (typeof value !== 'boolean') throw fail('true or false');
        return value;
      case 'date':
        if (typeof value !== 'string') throw fail('a date string YYYY-MM-DD');
        return sqlDate(value);
      case 'timestamptz':
        if (!(value instanceof Date) && typeof value !== 'string')
          throw fail('an ISO 8601 timestamp or a Date');
        return sqlTimestamp(value);
      case 'uuid':
        if (typeof value !== 'string') throw fail('a UUID string');
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

/**
 * Named parameters for `insertSql(dataset)` from a record (one key per column, values as the
 * validator normalises them). Throws an error naming the dataset, column and value when a value does
 * not fit its column, or a required value is missing.
 */
export function toSqlParams(dataset: Dataset, record: Readonly<Record<string, unknown>>): SqlParams {
  const params: Record<string, SqlValue> = {};
  for (const column of dataset.columns) {
    const value = record[column.name];
    if (value === null || value === undefined) {
      if (!column.nullable) {
        throw new TypeError(
          `Dataset "${dataset.name}", column "${column.name}": a value is required (the column is not nullable).`,
        );
      }
      params[column.name] = null;
      continue;
    }
    params[column.name] = columnValue(dataset, column, value);
  }
  return params;
}
