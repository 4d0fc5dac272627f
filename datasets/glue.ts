import type { Column, ColumnType } from './types';

/** Glue/Athena type of each column type, for tables over the lake's NDJSON objects. */
const GLUE_TYPES: Record<ColumnType, string> = {
  text: 'string',
  integer: 'int',
  bigint: 'bigint',
  double: 'double',
  // Exact decimals; the lake holds them as canonical decimal strings, which the JSON SerDe reads.
  numeric: 'decimal(38,10)',
  boolean: 'boolean',
  date: 'date',
  // ISO 8601 UTC instants (`2024-05-01T12:00:00.000Z`), as the ingest function normalises them.
  timestamptz: 'timestamp',
  uuid: 'string',
  // Nested JSON stays text in Athena; query it with json_extract().
  json: 'string',
};

/** The Glue column type of a dataset column. */
export function glueType(column: Column): string {
  return GLUE_TYPES[column.type];
}

/** A Glue column: name, Glue/Athena type (`string`, `bigint`, `decimal(38,10)`, ...) and comment. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/** Glue column definitions (name, type, comment) for a dataset's columns. */
export function glueColumns(columns: readonly Column[]): GlueColumn[] {
  return columns.map((c) => ({
    name: c.name,
    type: glueType(c),
    comment: (c.unit ? `${c.description} (${c.unit})` : c.description).slice(0, 255),
  }));
}
