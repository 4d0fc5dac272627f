/**
 * Reads a table's files as its SerDe would, into the view a query reference points at:
 * - the OpenX JSON SerDe (lake tables): DuckDB's `read_json` over the gzip NDJSON files, with the
 *   Glue columns and types; a malformed line fails the query, as `ignore.malformed.json=FALSE` does;
 * - the RegexSerDe (S3 access logs): each line must match `input.regex` as a whole (Java's
 *   `Matcher.matches()`), one group per column; a line that does not match is a row of nulls, and a
 *   value that does not convert to its column's type is null. The regex runs in JavaScript, whose
 *   syntax for this pattern is Java's (DuckDB's RE2 differs).
 * Partition columns come after the table's columns, as in Athena.
 */
import { createReadStream } from 'node:fs';
import * as readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { GlueColumn } from '../../datasets/glue';
import { QueryError } from './dialect';
import type { ScanFile } from './partitions';
import type { TableScan } from './plan';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The DuckDB type of a Glue column type. */
export function duckType(glueType: string): string {
  const t = glueType.trim().toLowerCase();
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  const types: Record<string, string> = {
    string: 'VARCHAR',
    varchar: 'VARCHAR',
    char: 'VARCHAR',
    tinyint: 'TINYINT',
    smallint: 'SMALLINT',
    int: 'INTEGER',
    integer: 'INTEGER',
    bigint: 'BIGINT',
    float: 'FLOAT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    binary: 'BLOB',
  };
  const type = types[t] ?? (/^(var)?char\(\d+\)$/.test(t) ? 'VARCHAR' : undefined);
  if (!type)
    throw new QueryError('NOT_SUPPORTED', `Column type "${glueType}" is not read by the local Athena`);
  return type;
}

/** A view with the table's columns and no rows: a scan that reads no file. */
function emptyView(scan: TableScan): string {
  const { columns, partitionKeys } = scan.table.spec;
  const select = [...columns, ...partitionKeys].map(
    (c) => `CAST(NULL AS ${duckType(c.type)}) AS ${quote(c.name)}`,
  );
  return `CREATE TEMP VIEW ${quote(scan.view)} AS SELECT ${select.join(', ')} WHERE false`;
}

/** The partition values of each file, as a VALUES list joined on the file name. */
function partitionValues(scan: TableScan, files: readonly ScanFile[]): string {
  const keys = scan.table.spec.partitionKeys;
  const rows = files.map(
    (f) => `(${[f.path, ...keys.map((k) => f.partition[k.name]!)].map(literal).join(', ')})`,
  );
  return `(VALUES ${rows.join(', ')}) AS p(__file${keys.map((k) => `, ${quote(k.name)}`).join('')})`;
}

async function createJsonView(
  conn: DuckDBConnection,
  scan: TableScan,
  files: readonly ScanFile[],
): Promise<void> {
  const { columns, partitionKeys } = scan.table.spec;
  const struct = columns.map((c) => `${quote(c.name)}: '${duckType(c.type)}'`).join(', ');
  const read =
    `read_json([${files.map((f) => literal(f.path)).join(', ')}], format = 'newline_delimited', ` +
    `columns = {${struct}}, filename = '__file', hive_partitioning = false, union_by_name = false, ` +
    'ignore_errors = false, maximum_object_size = 16777216)';
  const select = [
    ...columns.map((c) => `j.${quote(c.name)}`),
    ...partitionKeys.map((k) => `p.${quote(k.name)}`),
  ].join(', ');
  await conn.run(
    `CREATE TEMP VIEW ${quote(scan.view)} AS SELECT ${select} FROM ${read} AS j JOIN ${partitionValues(scan, files)} ON j.__file = p.__file`,
  );
}

/** The lines of a text file, decompressed when its name ends in .gz (as Hadoop's TextInputFormat does). */
async function* lines(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  // Lines end at \n, \r\n or a lone \r; crlfDelay: Infinity keeps \r\n one line break.
  const reader = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of reader) yield line;
  } finally {
    reader.close();
    raw.destroy();
  }
}

async function createRegexView(
  conn: DuckDBConnection,
  scan: TableScan,
  files: readonly ScanFile[],
): Promise<void> {
  const { columns, partitionKeys, serde } = scan.table.spec;
  const pattern = serde.parameters['input.regex'];
  if (!pattern)
    throw new QueryError('HIVE_INVALID_METADATA', `Table ${scan.table.spec.name} has no input.regex`);
  const regex = new RegExp(`^(?:${pattern})$`);
  const raw = `${scan.view}_lines`;
  const names = [...columns, ...partitionKeys].map((c) => c.name);
  await conn.run(`CREATE TEMP TABLE ${quote(raw)} (${names.map((n) => `${quote(n)} VARCHAR`).join(', ')})`);
  const appender = await conn.createAppender(raw, 'main', 'temp');
  for (const file of files) {
    for await (const line of lines(file.path)) {
      const m = regex.exec(line);
      for (let i = 0; i < columns.length; i++) {
        const value = m?.[i + 1];
        if (value === undefined) appender.appendNull();
        else appender.appendVarchar(value);
      }
      for (const k of partitionKeys) appender.appendVarchar(file.partition[k.name]!);
      appender.endRow();
    }
  }
  appender.closeSync();
  const convert = (c: GlueColumn) => {
    const type = duckType(c.type);
    return type === 'VARCHAR' ? quote(c.name) : `TRY_CAST(${quote(c.name)} AS ${type}) AS ${quote(c.name)}`;
  };
  await conn.run(
    `CREATE TEMP VIEW ${quote(scan.view)} AS SELECT ${[...columns.map(convert), ...partitionKeys.map((k) => quote(k.name))].join(', ')} FROM ${quote(raw)}`,
  );
}

/** Creates the view a scan's reference reads, over exactly `files`. */
export async function createScanView(
  conn: DuckDBConnection,
  scan: TableScan,
  files: readonly ScanFile[],
): Promise<void> {
  const library = scan.table.spec.serde.library;
  if (files.length === 0) {
    await conn.run(emptyView(scan));
  } else if (library === 'org.openx.data.jsonserde.JsonSerDe') {
    await createJsonView(conn, scan, files);
  } else if (library === 'org.apache.hadoop.hive.serde2.RegexSerDe') {
    await createRegexView(conn, scan, files);
  } else {
    throw new QueryError('NOT_SUPPORTED', `SerDe ${library} is not read by the local Athena`);
  }
}
