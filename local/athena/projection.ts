/**
 * Partition projection as Athena computes it: the partition values of a table come from its
 * `projection.*` parameters, never from listing folders, and each value is put into
 * `storage.location.template` to find the objects to read. A folder outside the projected range,
 * or named in another format, is never read.
 *
 * Types: `date` (Java DateTimeFormatter pattern, range with `NOW` and `NOW±N<UNIT>`), `integer`,
 * `enum`, and `injected` (the values come from the query's static equality conditions).
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-dynamic-id-partitioning.html
 */
import { QueryError } from './dialect';

export type ProjectedColumn =
  | {
      readonly kind: 'date';
      readonly name: string;
      readonly format: string;
      readonly first: Date;
      readonly last: Date;
      readonly interval: number;
      readonly unit: DateUnit;
    }
  | { readonly kind: 'integer'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'enum'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'injected'; readonly name: string };

type DateUnit = 'YEARS' | 'MONTHS' | 'WEEKS' | 'DAYS' | 'HOURS' | 'MINUTES' | 'SECONDS';
const UNITS: readonly DateUnit[] = ['YEARS', 'MONTHS', 'WEEKS', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS'];

/** The projection of a table: one entry per partition key, in key order. */
export interface TableProjection {
  readonly columns: readonly ProjectedColumn[];
}

/** What projection needs to know of a table. */
export interface ProjectedTable {
  readonly name: string;
  readonly partitionKeys: readonly { readonly name: string }[];
  readonly parameters: Readonly<Record<string, string>>;
}

const invalid = (message: string) => new QueryError('INVALID_TABLE_PROPERTY', message);

/** Adds `amount` units to a UTC instant. */
function addUnits(date: Date, unit: DateUnit, amount: number): Date {
  const d = new Date(date.getTime());
  switch (unit) {
    case 'YEARS':
      d.setUTCFullYear(d.getUTCFullYear() + amount);
      break;
    case 'MONTHS':
      d.setUTCMonth(d.getUTCMonth() + amount);
      break;
    case 'WEEKS':
      d.setUTCDate(d.getUTCDate() + 7 * amount);
      break;
    case 'DAYS':
      d.setUTCDate(d.getUTCDate() + amount);
      break;
    case 'HOURS':
      d.setUTCHours(d.getUTCHours() + amount);
      break;
    case 'MINUTES':
      d.setUTCMinutes(d.getUTCMinutes() + amount);
      break;
    case 'SECONDS':
      d.setUTCSeconds(d.getUTCSeconds() + amount);
      break;
  }
  return d;
}

/** The pattern letters this projection understands, longest first. */
const PATTERN_TOKENS = /yyyy|MM|dd|HH|mm|ss/g;

/** Formats a UTC instant with a DateTimeFormatter pattern of yyyy, MM, dd, HH, mm, ss and literals. */
export function formatProjectedDate(date: Date, pattern: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return pattern.replace(PATTERN_TOKENS, (t) => {
    switch (t) {
      case 'yyyy':
        return pad(date.getUTCFullYear(), 4);
      case 'MM':
        return pad(date.getUTCMonth() + 1);
      case 'dd':
        return pad(date.getUTCDate());
      case 'HH':
        return pad(date.getUTCHours());
      case 'mm':
        return pad(date.getUTCMinutes());
      default:
        return pad(date.getUTCSeconds());
    }
  });
}

/** Parses text written in `pattern`; undefined when it does not match the pattern exactly. */
export function parseProjectedDate(text: string, pattern: string): Date | undefined {
  const fields: string[] = [];
  const source = pattern
    .split(PATTERN_TOKENS)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .reduce((acc, literal, i, all) => {
      if (i === all.length - 1) return acc + literal;
      const token = pattern.match(PATTERN_TOKENS)![i]!;
      fields.push(token);
      return acc + literal + (token === 'yyyy' ? '(\\d{4})' : '(\\d{2})');
    }, '');
  const m = new RegExp(`^${source}$`).exec(text);
  if (!m) return undefined;
  const value = (token: string, fallback: number) => {
    const i = fields.indexOf(token);
    return i === -1 ? fallback : Number(m[i + 1]);
  };
  const date = new Date(
    Date.UTC(
      value('yyyy', 1970),
      value('MM', 1) - 1,
      value('dd', 1),
      value('HH', 0),
      value('mm', 0),
      value('ss', 0),
    ),
  );
  // Reject values that roll over (2024-02-30).
  return formatProjectedDate(date, pattern) === text ? date : undefined;
}

/** A range bound: a date in the column's format, or NOW, NOW-3YEARS, NOW+1DAYS... */
function rangeBound(text: string, column: string, format: string, now: Date): Date {
  const relative =
    /^NOW(?:\s*([+-])\s*(\d+)\s*(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?|SECONDS?))?$/i.exec(text);
  if (relative) {
    if (!relative[1]) return now;
    const unit = relative[3]!.toUpperCase().replace(/S?$/, 'S') as DateUnit;
    return addUnits(now, unit, (relative[1] === '-' ? -1 : 1) * Number(relative[2]));
  }
  const date = parseProjectedDate(text, format);
  if (!date) {
    throw invalid(
      `projection.${column}.range bound "${text}" is neither NOW(±N<UNIT>) nor a date in format "${format}"`,
    );
  }
  return date;
}

/** Reads a table's `projection.*` parameters; `now` is the query's time (NOW). */
export function readProjection(table: ProjectedTable, now: Date): TableProjection {
  const p = table.parameters;
  if ((p['projection.enabled'] ?? '').trim().toLowerCase() !== 'true') {
    if (table.partitionKeys.length === 0) return { columns: [] };
    throw invalid(
      `Table ${table.name} has partition keys but no partition projection; the local Athena reads partitions through projection only`,
    );
  }
  const missing = table.partitionKeys.filter((k) => !p[`projection.${k.name}.type`]);
  if (missing.length > 0) {
    throw invalid(
      `Table ${table.name} is configured for partition projection, but the following partition columns are missing projection configuration: [${missing.map((k) => k.name).join(', ')}]`,
    );
  }
  const columns = table.partitionKeys.map((key): ProjectedColumn => {
    const name = key.name;
    const type = p[`projection.${name}.type`]!.trim().toLowerCase();
    const prop = (suffix: string) => p[`projection.${name}.${suffix}`]?.trim();
    if (type === 'injected') return { kind: 'injected', name };
    if (type === 'enum') {
      const values = prop('values');
      if (!values) throw invalid(`projection.${name}.values is required for an enum projection`);
      return { kind: 'enum', name, values: p[`projection.${name}.values`]!.split(',') };
    }
    if (type === 'integer') {
      const [lo, hi] = (prop('range') ?? '').split(',').map((s) => s.trim());
      const interval = Number(prop('interval') ?? '1');
      const digits = Number(prop('digits') ?? '0');
      if (!lo || !hi || !/^-?\d+$/.test(lo) || !/^-?\d+$/.test(hi) || !(interval > 0)) {
        throw invalid(`projection.${name}.range must be two integers, e.g. 0,10`);
      }
      const values: string[] = [];
      for (let n = BigInt(lo); n <= BigInt(hi); n += BigInt(interval)) {
        const abs = (n < 0n ? -n : n).toString().padStart(digits, '0');
        values.push(n < 0n ? `-${abs}` : abs);
      }
      return { kind: 'integer', name, values };
    }
    if (type === 'date') {
      const format = prop('format');
      const range = prop('range');
      if (!format || !range) {
        throw invalid(
          `projection.${name}.format and projection.${name}.range are required for a date projection`,
        );
      }
      const bounds = range.split(',').map((s) => s.trim());
      if (bounds.length !== 2) throw invalid(`projection.${name}.range must be two values: start,end`);
      const unit = (prop('interval.unit') ?? 'DAYS').toUpperCase() as DateUnit;
      if (!UNITS.includes(unit)) {
        throw invalid(`projection.${name}.interval.unit "${unit}" is not one of ${UNITS.join(', ')}`);
      }
      const interval = Number(prop('interval') ?? '1');
      if (!Number.isInteger(interval) || interval < 1) {
        throw invalid(`projection.${name}.interval must be a positive whole number`);
      }
      return {
        kind: 'date',
        name,
        format,
        first: rangeBound(bounds[0]!, name, format, now),
        last: rangeBound(bounds[1]!, name, format, now),
        interval,
        unit,
      };
    }
    throw invalid(`projection.${name}.type "${type}" is not one of date, integer, enum, injected`);
  });
  return { columns };
}

/** Every projected value of a non-injected column, in order. */
export function projectedValues(column: Exclude<ProjectedColumn, { kind: 'injected' }>): string[] {
  if (column.kind !== 'date') return [...column.values];
  const values: string[] = [];
  // Start at the first value as written (truncated to the format's precision), step by the interval.
  let at =
    parseProjectedDate(formatProjectedDate(column.first, column.format), column.format) ?? column.first;
  for (let i = 0; at.getTime() <= column.last.getTime(); i++) {
    values.push(formatProjectedDate(at, column.format));
    at = addUnits(column.first, column.unit, (i + 1) * column.interval);
    at = parseProjectedDate(formatProjectedDate(at, column.format), column.format) ?? at;
  }
  return values;
}

/** The partition's folder: the template with each `${column}` replaced by its value. */
export function partitionPath(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw invalid(`storage.location.template names \${${name}}, which is not a partition column`);
    }
    return value;
  });
}
