import { unstorableText } from './storable-text';
import type { Column, ColumnType, Dataset } from './types';

/**
 * Record validation derived from a dataset definition. Pure: used by the ingest function, by the
 * loader's NDJSON parser (defence in depth) and by anything else that accepts records.
 *
 * Rules:
 * - a record is a JSON object; every column of the dataset is checked against its `ColumnType`,
 *   `nullable`, `min`/`max`, `maxLength` and `allowed`;
 * - a field that is not a column is an error (a misspelt field would otherwise be lost silently);
 * - values are normalised: timestamps become ISO 8601 UTC (`2024-05-01T12:00:00.000Z`), UUIDs
 *   lower case, `numeric` a canonical decimal string, `bigint` a number when it is a safe integer;
 * - absent and `null` are the same for a nullable column (normalised to `null`);
 * - only what Postgres can store is accepted ("accepted" means "will load"): no lone UTF-16
 *   surrogate and no NUL character in any string (JSON keys included), no number beyond the range of
 *   a 64-bit double (`1E400` parses as Infinity), no JSON nested deeper than `MAX_JSON_DEPTH`.
 */

/** One problem with one field of one record. */
export interface FieldError {
  /** The column (or unknown field) at fault; `(record)` when the record itself is not an object. */
  readonly field: string;
  /** What the column accepts, e.g. `integer from 0 to 604800`. */
  readonly expected: string;
  /** The value received, as JSON text (truncated to 200 characters); `undefined` when absent. */
  readonly value: string;
  /** One sentence naming the field, the value and the rule. */
  readonly message: string;
}

/** A record as it is stored: one key per column, in column order, normalised values. */
export type NormalizedRecord = Record<string, string | number | boolean | null | object>;

export type ValidationResult =
  | { readonly ok: true; readonly record: NormalizedRecord }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// An instant: a date, `T` or a space, a time with optional fraction, and a mandatory offset or Z.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const INTEGER_TEXT = /^[+-]?\d+$/;

/**
 * The deepest nesting of arrays and objects accepted in a record. Records are flat and `json`
 * values rarely nest beyond a few levels; the limit keeps every value well within what JSON
 * serialisation and the Postgres JSON parser handle (both recurse).
 */
export const MAX_JSON_DEPTH = 64;

/** Shows a received value in an error message: JSON text, at most 200 characters. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  // JSON has no Infinity: a number beyond the double range (1E400) would show as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (jsonDepth(value) > MAX_JSON_DEPTH)
    return `(${kindOf(value)} nested more than ${MAX_JSON_DEPTH} levels)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `(${kindOf(value)})`;
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * How deeply arrays and objects nest in `value` (a scalar is 0), counting no further than
 * `MAX_JSON_DEPTH + 1`. Iterative, so a value nested 100,000 levels deep costs no stack.
 */
export function jsonDepth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** Why Postgres could not store this JSON value, or undefined when it can. Iterative, like `jsonDepth`. */
function unstorableJson(value: unknown): string | undefined {
  if (jsonDepth(value) > MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      const problem = unstorableText(node);
      if (problem) return `${problem} (in ${showValue(node)})`;
    } else if (typeof node === 'number') {
      if (!Number.isFinite(node)) return TOO_LARGE;
    } else if (typeof node === 'object' && node !== null) {
      if (Array.isArray(node)) {
        stack.push(...node);
      } else {
        for (const [key, child] of Object.entries(node)) {
          const problem = unstorableText(key);
          if (problem) return `has a key that ${problem} (${showValue(key)})`;
          stack.push(child);
        }
      }
    }
  }
  return undefined;
}

const TOO_LARGE =
  'is too large: a JSON number must lie within ±1.8e308 (a 64-bit double); 1E400 and beyond overflow';

/** What a column accepts, in words, for error messages and docs. */
export function describeColumn(column: Column): string {
  const base: Record<ColumnType, string> = {
    text: 'string',
    integer: '32-bit integer',
    bigint: 'integer (number, or digits in a string beyond 2^53)',
    double: 'finite number',
    numeric: 'decimal number (number or decimal string)',
    boolean: 'true or false',
    date: 'date YYYY-MM-DD',
    timestamptz: 'ISO 8601 timestamp with Z or an offset, e.g. 2024-05-01T12:00:00Z',
    uuid: 'UUID',
    json: 'any JSON value',
  };
  let text = base[column.type];
  if (column.allowed) text = `one of ${column.allowed.map((a) => JSON.stringify(a)).join(', ')}`;
  if (column.min !== undefined && column.max !== undefined) text += ` from ${column.min} to ${column.max}`;
  else if (column.min !== undefined) text += ` >= ${column.min}`;
  else if (column.max !== undefined) text += ` <= ${column.max}`;
  if (column.maxLength !== undefined) text += ` of at most ${column.maxLength} characters`;
  if (column.nullable) text += ', or null';
  return text;
}

class Problem {
  constructor(readonly detail: string) {}
}

function isValidCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** Normalises an ISO 8601 instant to UTC with millisecond precision, or throws a Problem. */
export function normalizeTimestamp(value: string): string {
  const m = TIMESTAMP.exec(value);
  if (!m) throw new Problem('is not an ISO 8601 timestamp with a time zone (Z or +hh:mm)');
  const [, y, mo, d, h, mi, s] = m;
  if (!isValidCalendarDate(Number(y), Number(mo), Number(d))) throw new Problem('is not a calendar date');
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)
    throw new Problem('has an invalid time of day');
  const offset = m[8];
  if (offset.length > 1) {
    const digits = offset.replace(':', '');
    if (Number(digits.slice(1, 3)) > 18 || Number(digits.slice(3, 5) || 0) > 59) {
      throw new Problem('has an invalid time zone offset');
    }
  }
  // Date parses the ISO forms with `T`, fractions beyond milliseconds are truncated first.
  const fraction = m[7] ? m[7].slice(0, 4) : '';
  const tz = offset.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(offset);
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${fraction}${tz}`;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new Problem('is not a valid instant');
  const year = new Date(time).getUTCFullYear();
  if (year < 1 || year > 9999) throw new Problem('is outside years 0001 to 9999');
  return new Date(time).toISOString();
}

function normalizeOffset(offset: string): string {
  const digits = offset.slice(1).replace(':', '');
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

function normalizeDecimal(text: string): string {
  let t = text.trim();
  if (!DECIMAL.test(t)) throw new Problem('is not a decimal number');
  let sign = '';
  if (t[0] === '+' || t[0] === '-') {
    sign = t[0] === '-' ? '-' : '';
    t = t.slice(1);
  }
  let [int, frac = ''] = t.split('.');
  int = int.replace(/^0+(?=\d)/, '') || '0';
  frac = frac.replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return out === '0' ? '0' : `${sign}${out}`;
}

function checkRange(column: Column, n: number): void {
  if (column.min !== undefined && n < column.min) throw new Problem(`is below the minimum ${column.min}`);
  if (column.max !== undefined && n > column.max) throw new Problem(`is above the maximum ${column.max}`);
}

function normalizeValue(column: Column, value: unknown): string | number | boolean | object {
  switch (column.type) {
    case 'text': {
      if (typeof value !== 'string') throw new Problem(`is a ${kindOf(value)}, not a string`);
      const unstorable = unstorableText(value);
      if (unstorable) throw new Problem(unstorable);
      if (column.maxLength !== undefined && [...value].length > column.maxLength) {
        throw new Problem(`is longer than ${column.maxLength} characters`);
      }
      if (column.allowed && !column.allowed.includes(value))
        throw new Problem('is not one of the allowed values');
      return value;
    }
    case 'integer': {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new Problem(TOO_LARGE);
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new Problem(
          typeof value === 'number' ? 'is not a whole number' : `is a ${kindOf(value)}, not a number`,
        );
      }
      if (value < INT32_MIN || value > INT32_MAX) throw new Problem('does not fit a 32-bit integer');
      checkRange(column, value);
      return value;
    }
    case 'bigint': {
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new Problem(TOO_LARGE);
        if (!Number.isSafeInteger(value)) {
          throw new Problem(
            Number.isInteger(value)
              ? 'is beyond 2^53: send it as a string of digits'
              : 'is not a whole number',
          );
        }
        checkRange(column, value);
        return value;
      }
      if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
        const big = BigInt(value);
        if (big < -(2n ** 63n) || big >= 2n ** 63n) throw new Problem('does not fit a 64-bit integer');
        if (column.min !== undefined && big < BigInt(Math.ceil(column.min))) {
          throw new Problem(`is below the minimum ${column.min}`);
        }
        if (column.max !== undefined && big > BigInt(Math.floor(column.max))) {
          throw new Problem(`is above the maximum ${column.max}`);
        }
        const n = Number(big);
        return Number.isSafeInteger(n) ? n : big.toString();
      }
      throw new Problem(`is a ${kindOf(value)}, not an integer`);
    }
    case 'double': {
      if (typeof value !== 'number') throw new Problem(`is a ${kindOf(value)}, not a number`);
      if (!Number.isFinite(value)) throw new Problem(TOO_LARGE);
      checkRange(column, value);
      return value;
    }
    case 'numeric': {
      let text: string;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new Problem(TOO_LARGE);
        text = String(value);
        if (/e/i.test(text)) throw new Problem('needs an exponent: send it as a decimal string instead');
      } else if (typeof value === 'string') {
        text = value;
      } else {
        throw new Problem(`is a ${kindOf(value)}, not a decimal number`);
      }
      const normalized = normalizeDecimal(text);
      checkRange(column, Number(normalized));
      return normalized;
    }
    case 'boolean': {
      if (typeof value !== 'boolean') throw new Problem(`is a ${kindOf(value)}, not true or false`);
      return value;
    }
    case 'date': {
      if (typeof value !== 'string') throw new Problem(`is a ${kindOf(value)}, not a date string`);
      const m = DATE.exec(value);
      if (!m) throw new Problem('is not a date in the form YYYY-MM-DD');
      if (!isValidCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) || m[1] === '0000') {
        throw new Problem('is not a calendar date');
      }
      return value;
    }
    case 'timestamptz': {
      if (typeof value !== 'string') throw new Problem(`is a ${kindOf(value)}, not a timestamp string`);
      return normalizeTimestamp(value);
    }
    case 'uuid': {
      if (typeof value !== 'string' || !UUID.test(value)) throw new Problem('is not a UUID');
      return value.toLowerCase();
    }
    case 'json': {
      const unstorable = unstorableJson(value);
      if (unstorable) throw new Problem(unstorable);
      return value as object;
    }
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A validator for one dataset; builds its lookup tables once. */
export function recordValidator(dataset: Dataset): (input: unknown) => ValidationResult {
  const columns = dataset.columns;
  const names = new Set(columns.map((c) => c.name));
  const expected = new Map(columns.map((c) => [c.name, describeColumn(c)]));
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      const deep = jsonDepth(input) > MAX_JSON_DEPTH;
      return {
        ok: false,
        errors: [
          {
            field: '(record)',
            expected: `a JSON object with the fields of dataset "${dataset.name}"`,
            value: showValue(input),
            message: deep
              ? `The record is a ${kindOf(input)} nested more than ${MAX_JSON_DEPTH} levels deep, not a JSON object.`
              : `The record is a ${kindOf(input)}, not a JSON object.`,
          },
        ],
      };
    }
    const source = input as Record<string, unknown>;
    const errors: FieldError[] = [];
    const record: NormalizedRecord = {};
    for (const column of columns) {
      const value = source[column.name];
      const want = expected.get(column.name)!;
      if (value === undefined || value === null) {
        if (column.nullable) {
          record[column.name] = null;
        } else {
          errors.push({
            field: column.name,
            expected: want,
            value: showValue(value),
            message: `Field "${column.name}" is required (${want}) but is ${value === null ? 'null' : 'missing'}.`,
          });
        }
        continue;
      }
      try {
        record[column.name] = normalizeValue(column, value);
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        errors.push({
          field: column.name,
          expected: want,
          value: showValue(value),
          message: `Field "${column.name}" value ${showValue(value)} ${err.detail}; expected ${want}.`,
        });
      }
    }
    for (const field of Object.keys(source)) {
      if (!names.has(field)) {
        errors.push({
          field,
          expected: `no such field; dataset "${dataset.name}" has ${[...names].join(', ')}`,
          value: showValue(source[field]),
          message: `Field "${field}" is not a column of dataset "${dataset.name}" (columns: ${[...names].join(', ')}).`,
        });
      }
    }
    return errors.length > 0 ? { ok: false, errors } : { ok: true, record };
  };
}

/** Validates one record against a dataset. For many records, build a `recordValidator` once. */
export function validateRecord(dataset: Dataset, input: unknown): ValidationResult {
  return recordValidator(dataset)(input);
}

/** The record's event time (the dataset's `time` column), as an ISO string, if it has one. */
export function recordTime(dataset: Dataset, record: NormalizedRecord): string | undefined {
  const column = dataset.columns.find((c) => c.role === 'time');
  if (!column) return undefined;
  const value = record[column.name];
  if (typeof value !== 'string') return undefined;
  return column.type === 'date' ? `${value}T00:00:00.000Z` : value;
}
