import { types, type PGlite, type Results } from '@electric-sql/pglite';
import { OID, type ArrayValue, type ColumnMetadata, type Field, type ResultSetOptions } from './wire';

/**
 * Formatting Postgres results as the Data API returns them: `records` of `Field` unions, or
 * `formattedRecords` (one JSON string) with `formatRecordsAs: 'JSON'`, and `columnMetadata`.
 * Values arrive as Postgres text (no parsing on the way), so numbers stay exact.
 */

export interface TypeInfo {
  readonly name: string;
  readonly elem: number;
}

/** Every type of the database by OID, for element types of arrays and column metadata. */
export async function loadTypeInfo(pg: PGlite): Promise<Map<number, TypeInfo>> {
  const result = await pg.query<{ oid: number; typname: string; typelem: number }>(
    'SELECT oid::int AS oid, typname, typelem::int AS typelem FROM pg_type',
  );
  return new Map(result.rows.map((r) => [r.oid, { name: r.typname, elem: r.typelem }]));
}

/** JDBC type codes the Data API reports in `columnMetadata.type`. */
const JDBC_TYPES: Record<string, number> = {
  bool: -7,
  int2: 5,
  int4: 4,
  int8: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  varchar: 12,
  text: 12,
  bpchar: 1,
  date: 91,
  time: 92,
  timestamp: 93,
  timestamptz: 93,
  bytea: -2,
};

const INTEGER_OIDS = new Set<number>([OID.int2, OID.int4, OID.int8, OID.oid]);
const FLOAT_OIDS = new Set<number>([OID.float4, OID.float8]);

/** Postgres prints timestamptz in the session zone; Data API values are in UTC without an offset. */
function utcTimestamp(text: string): string {
  const m = /^(.*?)([+-]\d{2}(?::?\d{2}){0,2})$/.exec(text);
  if (!m) return text;
  if (/^[+-]00(:?00)*$/.test(m[2])) return m[1];
  const fraction = /\.(\d+)/.exec(m[1])?.[1] ?? '';
  const date = new Date(`${m[1].replace(' ', 'T')}${m[2].length === 3 ? `${m[2]}:00` : m[2]}`);
  if (Number.isNaN(date.getTime())) return text;
  const base = date.toISOString().slice(0, 19).replace('T', ' ');
  return fraction ? `${base}.${fraction}` : base;
}

export class ResultFormatter {
  constructor(
    private readonly typeInfo: Map<number, TypeInfo>,
    private readonly options: ResultSetOptions,
  ) {}

  /** A scalar as a JS value for JSON output (numbers stay exact: returned as raw JSON text). */
  private scalarJson(text: string, oid: number): string {
    if (oid === OID.bool) return text === 't' || text === 'true' ? 'true' : 'false';
    if (INTEGER_OIDS.has(oid)) return this.options.longReturnType === 'STRING' ? JSON.stringify(text) : text;
    if (FLOAT_OIDS.has(oid)) return /^-?[\d.]+(e[+-]?\d+)?$/i.test(text) ? text : JSON.stringify(text);
    if (oid === OID.numeric) {
      return this.options.decimalReturnType === 'DOUBLE_OR_LONG' && /^-?\d+(\.\d+)?$/.test(text)
        ? String(Number(text))
        : JSON.stringify(text);
    }
    if (oid === OID.timestamptz) return JSON.stringify(utcTimestamp(text));
    if (oid === OID.bytea) return JSON.stringify(Buffer.from(text.slice(2), 'hex').toString('base64'));
    return JSON.stringify(text);
  }

  json(text: string | null, oid: number): string {
    if (text === null) return 'null';
    const elem = this.typeInfo.get(oid)?.elem ?? 0;
    if (elem !== 0 && text.startsWith('{')) {
      const parsed = types.arrayParser(text, (x: string) => x, oid) as unknown[];
      const render = (a: unknown): string =>
        Array.isArray(a)
          ? `[${a.map(render).join(',')}]`
          : a === null
            ? 'null'
            : this.scalarJson(a as string, elem);
      return render(parsed);
    }
    return this.scalarJson(text, oid);
  }

  field(text: string | null, oid: number): Field {
    if (text === null) return { isNull: true };
    const elem = this.typeInfo.get(oid)?.elem ?? 0;
    if (elem !== 0 && text.startsWith('{')) {
      return { arrayValue: this.array(types.arrayParser(text, (x: string) => x, oid) as unknown[], elem) };
    }
    if (oid === OID.bool) return { booleanValue: text === 't' || text === 'true' };
    if (INTEGER_OIDS.has(oid)) {
      return this.options.longReturnType === 'STRING' ? { stringValue: text } : { longValue: Number(text) };
    }
    if (FLOAT_OIDS.has(oid)) return { doubleValue: Number(text) };
    if (oid === OID.numeric && this.options.decimalReturnType === 'DOUBLE_OR_LONG') {
      return /^-?\d+$/.test(text) ? { longValue: Number(text) } : { doubleValue: Number(text) };
    }
    if (oid === OID.timestamptz) return { stringValue: utcTimestamp(text) };
    if (oid === OID.bytea) return { blobValue: Buffer.from(text.slice(2), 'hex').toString('base64') };
    return { stringValue: text };
  }

  private array(items: unknown[], elem: number): ArrayValue {
    if (items.some((x) => Array.isArray(x))) {
      return { arrayValues: items.map((x) => this.array(Array.isArray(x) ? x : [x], elem)) };
    }
    const texts = items as (string | null)[];
    if (elem === OID.bool) return { booleanValues: texts.map((t) => t === 't' || t === 'true') };
    if (INTEGER_OIDS.has(elem)) return { longValues: texts.map((t) => (t === null ? 0 : Number(t))) };
    if (FLOAT_OIDS.has(elem)) return { doubleValues: texts.map((t) => (t === null ? 0 : Number(t))) };
    return {
      stringValues: texts.map((t) => (t === null ? '' : elem === OID.timestamptz ? utcTimestamp(t) : t)),
    };
  }

  metadata(fields: Results['fields']): ColumnMetadata[] {
    return fields.map((f) => {
      const info = this.typeInfo.get(f.dataTypeID);
      const typeName = info?.name ?? 'unknown';
      const isArray = (info?.elem ?? 0) !== 0 && typeName.startsWith('_');
      return {
        name: f.name,
        label: f.name,
        type: isArray ? 2003 : (JDBC_TYPES[typeName] ?? 1111),
        typeName,
        schemaName: '',
        tableName: '',
        isAutoIncrement: false,
        isSigned:
          INTEGER_OIDS.has(f.dataTypeID) || FLOAT_OIDS.has(f.dataTypeID) || f.dataTypeID === OID.numeric,
        isCurrency: false,
        isCaseSensitive: ['text', 'varchar', 'bpchar'].includes(typeName),
        nullable: 2,
        precision: 0,
        scale: 0,
        arrayBaseColumnType: isArray ? (JDBC_TYPES[this.typeInfo.get(info!.elem)?.name ?? ''] ?? 1111) : 0,
      };
    });
  }

  /** The result part of an ExecuteStatement response: records or formattedRecords, and metadata. */
  response(result: Results, format: 'NONE' | 'JSON', includeMetadata: boolean): Record<string, unknown> {
    const response: Record<string, unknown> = {
      numberOfRecordsUpdated: result.affectedRows ?? 0,
      generatedFields: [],
    };
    const fields = result.fields;
    if (fields.length === 0) return response;
    const rows = result.rows as Record<string, string | null>[];
    if (format === 'JSON') {
      const names = fields.map((f) => JSON.stringify(f.name));
      response.formattedRecords = `[${rows
        .map(
          (row) =>
            `{${fields.map((f, i) => `${names[i]}:${this.json(row[f.name], f.dataTypeID)}`).join(',')}}`,
        )
        .join(',')}]`;
    } else {
      response.records = rows.map((row) => fields.map((f) => this.field(row[f.name], f.dataTypeID)));
    }
    if (includeMetadata) response.columnMetadata = this.metadata(fields);
    return response;
  }
}
