import { toPositional } from './named-params';
import { badRequest } from './errors';
import { OID, type SqlParameter } from './wire';

/**
 * Binding Data API parameters to Postgres: each `SqlParameter` becomes the text and type OID of a
 * positional parameter. A plain `stringValue` is `varchar`, as on Aurora, so a string only lands in
 * a timestamp, date, numeric, json or uuid column with its `typeHint`
 * (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_SqlParameter.html).
 */

const HINT_TYPES: Record<string, { oid: number; format?: RegExp; expected: string }> = {
  DATE: { oid: OID.date, format: /^\d{4}-\d{2}-\d{2}$/, expected: 'YYYY-MM-DD' },
  TIME: { oid: OID.time, format: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/, expected: 'HH:MM:SS[.FFF]' },
  TIMESTAMP: {
    oid: OID.timestamp,
    format: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
    expected: 'YYYY-MM-DD HH:MM:SS[.FFF]',
  },
  DECIMAL: {
    oid: OID.numeric,
    format: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
    expected: 'a decimal number',
  },
  // Any text: Postgres itself reports JSON that does not parse.
  JSON: { oid: OID.json, expected: 'JSON text' },
  UUID: {
    oid: OID.uuid,
    format: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    expected: 'a UUID',
  },
};

export interface BoundValue {
  readonly text: string | null;
  readonly oid: number;
}

function hintType(name: string, typeHint: string) {
  const hint = HINT_TYPES[typeHint];
  if (!hint) {
    throw badRequest(
      `Parameter ${name}: unknown typeHint ${typeHint}; use one of ${Object.keys(HINT_TYPES).join(', ')}.`,
    );
  }
  return hint;
}

/** Converts one Data API parameter to Postgres text and type. */
export function bindParameter(p: SqlParameter): BoundValue {
  const name = p.name ?? '(unnamed)';
  const v = p.value;
  if (!v || typeof v !== 'object') throw badRequest(`Parameter ${name} has no value.`);
  const kinds = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1)
    throw badRequest(`Parameter ${name} must set exactly one value field, got ${kinds.join(', ')}.`);
  // A NULL keeps the type its hint names: ORMs (Drizzle) send the column's hint with every value.
  if (v.isNull) return { text: null, oid: p.typeHint === undefined ? 0 : hintType(name, p.typeHint).oid };
  if (p.typeHint !== undefined && v.stringValue === undefined) {
    throw badRequest(`Parameter ${name}: typeHint ${p.typeHint} applies to a stringValue only.`);
  }
  if (v.booleanValue !== undefined) return { text: v.booleanValue ? 'true' : 'false', oid: OID.bool };
  if (v.longValue !== undefined) {
    if (!Number.isInteger(v.longValue))
      throw badRequest(`Parameter ${name}: longValue ${v.longValue} is not an integer.`);
    return { text: String(v.longValue), oid: OID.int8 };
  }
  if (v.doubleValue !== undefined) return { text: String(v.doubleValue), oid: OID.float8 };
  if (v.blobValue !== undefined)
    return { text: `\\x${Buffer.from(v.blobValue, 'base64').toString('hex')}`, oid: OID.bytea };
  if (v.arrayValue !== undefined) throw badRequest('Array parameters are not supported.');
  if (v.stringValue !== undefined) {
    if (p.typeHint === undefined) return { text: v.stringValue, oid: OID.varchar };
    const hint = hintType(name, p.typeHint);
    if (hint.format && !hint.format.test(v.stringValue)) {
      throw badRequest(
        `Parameter ${name}: "${v.stringValue.slice(0, 100)}" is not in the ${p.typeHint} format (${hint.expected}).`,
      );
    }
    return { text: v.stringValue, oid: hint.oid };
  }
  throw badRequest(`Parameter ${name} has no supported value field.`);
}

/** A statement with its `:name` parameters rewritten to `$n`, and the names in `$n` order. */
export interface PreparedStatement {
  readonly sql: string;
  readonly names: readonly string[];
}

export interface BoundParameters {
  readonly values: (string | null)[];
  readonly paramTypes: number[];
}

export function prepareStatement(body: Record<string, unknown>): PreparedStatement {
  if (typeof body.sql !== 'string' || body.sql.trim() === '')
    throw badRequest('sql is required and must not be empty.');
  if (body.schema !== undefined)
    throw badRequest('The schema parameter is not supported for Aurora PostgreSQL.');
  return toPositional(body.sql);
}

/** Reads a request's parameter list (`parameters`, or one of `parameterSets`). */
export function parameterList(value: unknown, where: string): SqlParameter[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest(`${where} must be a list of parameters.`);
  return value as SqlParameter[];
}

/** Binds `parameters` to the statement's `$n` positions; a name the SQL uses must have a value. */
export function bindAll(
  statement: PreparedStatement,
  parameters: readonly SqlParameter[] | undefined,
): BoundParameters {
  const byName = new Map<string, SqlParameter>();
  for (const p of parameters ?? []) {
    if (!p.name) throw badRequest('Every parameter needs a name.');
    byName.set(p.name, p);
  }
  const values: (string | null)[] = [];
  const paramTypes: number[] = [];
  for (const name of statement.names) {
    const p = byName.get(name);
    if (!p) throw badRequest(`No value specified for parameter: ${name}`);
    const bound = bindParameter(p);
    values.push(bound.text);
    paramTypes.push(bound.oid);
  }
  return { values, paramTypes };
}
