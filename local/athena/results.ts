/**
 * A finished query's rows as Athena returns them from GetQueryResults: every value a string in
 * Trino's text form (`VarCharValue`), null as a datum without a value, and column metadata with
 * Trino's type names. The first row of a SELECT's result holds the column names.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Column metadata, as in the `ColumnInfo` shape of the Athena API. */
export interface ColumnInfo {
  readonly CatalogName: string;
  readonly SchemaName: string;
  readonly TableName: string;
  readonly Name: string;
  readonly Label: string;
  readonly Type: string;
  readonly Precision: number;
  readonly Scale: number;
  readonly Nullable: 'UNKNOWN';
  readonly CaseSensitive: boolean;
}

export interface QueryResult {
  readonly columns: readonly ColumnInfo[];
  /** Values as Athena's text; null for SQL NULL. */
  readonly rows: readonly (readonly (string | null)[])[];
}

/** Java's `Double.toString`, which Trino uses for double values: `4.5`, `100.0`, `1.0E7`, `1.5E-4`. */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(value);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Java's `Float.toString` for a real value: the shortest digits that read back as the same float. */
export function javaFloat(value: number): string {
  if (!Number.isFinite(value) || value === 0) return javaDouble(value);
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(value.toPrecision(digits));
    if (Math.fround(shortest) === Math.fround(value)) return javaDouble(shortest);
  }
  return javaDouble(value);
}

/** Trino's name, precision and scale of a DuckDB column type. */
export function trinoType(duckType: string): { type: string; precision: number; scale: number } {
  const t = duckType.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return { type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  if (t.endsWith('[]') || t.startsWith('LIST')) return { type: 'array', precision: 0, scale: 0 };
  if (t.startsWith('STRUCT')) return { type: 'row', precision: 0, scale: 0 };
  if (t.startsWith('MAP')) return { type: 'map', precision: 0, scale: 0 };
  const simple: Record<string, [string, number, number]> = {
    VARCHAR: ['varchar', 2147483647, 0],
    BOOLEAN: ['boolean', 0, 0],
    TINYINT: ['tinyint', 3, 0],
    SMALLINT: ['smallint', 5, 0],
    INTEGER: ['integer', 10, 0],
    BIGINT: ['bigint', 19, 0],
    // Sums and counts of bigints are 128-bit in DuckDB; Trino keeps bigint.
    HUGEINT: ['bigint', 19, 0],
    UBIGINT: ['bigint', 19, 0],
    FLOAT: ['real', 7, 0],
    DOUBLE: ['double', 17, 0],
    DATE: ['date', 0, 0],
    TIMESTAMP: ['timestamp', 3, 0],
    'TIMESTAMP WITH TIME ZONE': ['timestamp with time zone', 3, 0],
    TIME: ['time', 3, 0],
    INTERVAL: ['interval day to second', 0, 0],
    BLOB: ['varbinary', 2147483647, 0],
    UUID: ['uuid', 0, 0],
    JSON: ['json', 0, 0],
  };
  const [type, precision, scale] = simple[t] ?? ['varchar', 2147483647, 0];
  return { type, precision, scale };
}

/** SQL that turns a column into Trino's text form; doubles stay numbers and are formatted in JavaScript. */
function textExpression(name: string, duckType: string): string {
  const c = `"${name.replaceAll('"', '""')}"`;
  switch (duckType.toUpperCase()) {
    case 'DOUBLE':
    case 'FLOAT':
    case 'VARCHAR':
      return c;
    case 'BOOLEAN':
      return `CASE WHEN ${c} THEN 'true' ELSE 'false' END`;
    case 'DATE':
      return `strftime(${c}, '%Y-%m-%d')`;
    case 'TIMESTAMP':
      return `strftime(${c}, '%Y-%m-%d %H:%M:%S.%g')`;
    case 'TIMESTAMP WITH TIME ZONE':
      return `strftime(${c}, '%Y-%m-%d %H:%M:%S.%g UTC')`;
    default:
      return `CAST(${c} AS VARCHAR)`;
  }
}

/**
 * Reads the table a query's result was stored in, as Athena's column metadata and text rows;
 * `names` are the query's column names (the stored table renames duplicates).
 */
export async function readResult(
  conn: DuckDBConnection,
  table: string,
  names: readonly string[],
): Promise<QueryResult> {
  const described = (await conn.runAndReadAll(`DESCRIBE "${table}"`)).getRowObjects();
  const columns = described.map((d) => ({ name: String(d.column_name), duckType: String(d.column_type) }));
  const select = columns.map((c, i) => `${textExpression(c.name, c.duckType)} AS c${i}`).join(', ');
  const reader = await conn.runAndReadAll(`SELECT ${select || '1'} FROM "${table}"`);
  const rows = reader.getRows().map((row) =>
    columns.map((c, i) => {
      const v = row[i];
      if (v === null || v === undefined) return null;
      if (typeof v === 'number') return c.duckType.toUpperCase() === 'FLOAT' ? javaFloat(v) : javaDouble(v);
      return String(v);
    }),
  );
  return {
    columns: columns.map((c, i) => {
      const { type, precision, scale } = trinoType(c.duckType);
      const name = names[i] ?? c.name;
      return {
        CatalogName: 'hive',
        SchemaName: '',
        TableName: '',
        Name: name,
        Label: name,
        Type: type,
        Precision: precision,
        Scale: scale,
        Nullable: 'UNKNOWN',
        CaseSensitive: type === 'varchar',
      };
    }),
    rows,
  };
}
