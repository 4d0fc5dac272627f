import type { TypedValue } from './database';

/**
 * Builders for parameter values that need a Data API type hint. A plain string parameter reaches
 * Postgres as `varchar`, which does not convert implicitly to timestamp, date, numeric, json or uuid
 * columns; these helpers send the value with the hint that makes the Data API cast it.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Formats an instant as the Data API TIMESTAMP format, `YYYY-MM-DD HH:MM:SS.fff`, in UTC. */
export function formatTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('sqlTimestamp: the Date is invalid (NaN).');
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * A TIMESTAMP parameter. Accepts a Date or an ISO 8601 string with a zone (`2024-05-01T12:00:00Z`,
 * `2024-05-01T14:00:00+02:00`); sends it in UTC as `YYYY-MM-DD HH:MM:SS.fff`. Data API sessions run in
 * UTC, so the value lands unchanged in `timestamptz` columns.
 */
export function sqlTimestamp(value: Date | string): TypedValue {
  if (value instanceof Date) return { kind: 'timestamp', value: formatTimestamp(value) };
  if (typeof value !== 'string')
    throw new TypeError(`sqlTimestamp: expected a Date or a string, got ${typeof value}.`);
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(value)) return { kind: 'timestamp', value };
  if (!/[zZ]$|[+-]\d{2}(:?\d{2})?$/.test(value) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new TypeError(
      `sqlTimestamp: "${value}" is not an ISO 8601 timestamp with a time zone (e.g. 2024-05-01T12:00:00Z) ` +
        'nor a UTC timestamp "YYYY-MM-DD HH:MM:SS[.fff]".',
    );
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`sqlTimestamp: "${value}" is not a valid instant.`);
  return { kind: 'timestamp', value: formatTimestamp(date) };
}

/** A DATE parameter, `YYYY-MM-DD`. */
export function sqlDate(value: string): TypedValue {
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new TypeError(`sqlDate: "${String(value)}" is not a date in the form YYYY-MM-DD.`);
  }
  return { kind: 'date', value };
}

/** A TIME parameter, `HH:MM:SS[.ffffff]`. */
export function sqlTime(value: string): TypedValue {
  if (typeof value !== 'string' || !TIME.test(value)) {
    throw new TypeError(`sqlTime: "${String(value)}" is not a time in the form HH:MM:SS[.ffffff].`);
  }
  return { kind: 'time', value };
}

/** A DECIMAL parameter: exact, sent as text. Numbers are accepted when they print without an exponent. */
export function sqlDecimal(value: string | number): TypedValue {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL.test(text.trim())) {
    throw new TypeError(
      `sqlDecimal: ${JSON.stringify(value)} is not a decimal number (digits, optional sign and point, no exponent).`,
    );
  }
  return { kind: 'decimal', value: text.trim() };
}

/** A JSON parameter: any JSON-serialisable value, sent as its JSON text. */
export function sqlJson(value: unknown): TypedValue {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`sqlJson: a ${typeof value} value has no JSON representation.`);
  return { kind: 'json', value: text };
}

/** A UUID parameter. */
export function sqlUuid(value: string): TypedValue {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new TypeError(`sqlUuid: "${String(value)}" is not a UUID (8-4-4-4-12 hexadecimal digits).`);
  }
  return { kind: 'uuid', value: value.toLowerCase() };
}

/** Whether a parameter value is a TypedValue built by one of these helpers. */
export function isTypedValue(value: unknown): value is TypedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array) &&
    typeof (value as TypedValue).kind === 'string' &&
    typeof (value as TypedValue).value === 'string'
  );
}

/**
 * Reads a timestamp as the Data API returns it (`YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC, no offset) into
 * a Date. `new Date(text)` would read that form as local time; this reads it as UTC.
 */
export function parseSqlTimestamp(text: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/.exec(text);
  if (!m) throw new TypeError(`parseSqlTimestamp: "${text}" is not a timestamp "YYYY-MM-DD HH:MM:SS[.fff]".`);
  const fraction = m[3] ? m[3].slice(0, 4) : '';
  const zone = m[4]
    ? m[4] === 'Z' || m[4].includes(':')
      ? m[4]
      : `${m[4].slice(0, 3)}:${m[4].slice(3) || '00'}`
    : 'Z';
  const date = new Date(`${m[1]}T${m[2]}${fraction}${zone}`);
  if (Number.isNaN(date.getTime()))
    throw new TypeError(`parseSqlTimestamp: "${text}" is not a valid instant.`);
  return date;
}
