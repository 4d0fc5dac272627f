import { SYSTEM_COLUMNS } from './system-columns';
import type { Column, ColumnType, Dataset } from './types';

/**
 * The Postgres form of a dataset definition: column types and the table with its time index. The
 * inserts and the conversion of records to parameters live in the database layer
 * (`db/dataset-sql.ts`).
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

/** The Postgres type of a column (a dataset column or a system column). */
export function postgresType(column: Pick<Column, 'type'>): string {
  return POSTGRES_TYPES[column.type];
}

/** The dataset's time column (every valid dataset has exactly one). */
export function timeColumn(dataset: Dataset): Column {
  const column = dataset.columns.find((c) => c.role === 'time');
  if (!column) throw new Error(`Dataset "${dataset.name}" has no column with role "time".`);
  return column;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for the dataset (its key as primary key, the system columns after its
 * own) and an index on its time column, so dashboards read time ranges without scanning the table.
 */
export function createTableSql(dataset: Dataset): string[] {
  const columns = [
    ...dataset.columns.map((c) => `  ${c.name} ${postgresType(c)}${c.nullable ? '' : ' NOT NULL'}`),
    ...SYSTEM_COLUMNS.map((c) => `  ${c.name} ${postgresType(c)} NOT NULL DEFAULT ${c.legacyDefault}`),
  ];
  const time = timeColumn(dataset);
  return [
    `CREATE TABLE IF NOT EXISTS ${dataset.name} (\n${columns.join(',\n')},\n  PRIMARY KEY (${dataset.key.join(', ')})\n)`,
    `CREATE INDEX IF NOT EXISTS ${dataset.name}_${time.name}_idx ON ${dataset.name} (${time.name})`,
  ];
}
