/**
 * Checks every query parameter of a request before any SQL runs. The query string is decoded
 * strictly (valid percent-encoding of valid UTF-8, no control characters, bounded lengths), then
 * each value is checked against the dataset definitions. A bad value is a 400 whose message names
 * the parameter, quotes the value (shortened) and says what is accepted.
 */
import { DATASETS, findDataset, type Dataset } from '../../datasets';
import { timeColumn } from '../../datasets/sql';
import { CHART_PARAMS, ENGINES, PERIOD_ALL, type Engine } from './contract';
import { badRequest } from './http-error';
import { measuresOf, type ChartSelection } from './queries';

/** A chart request as asked: the selection, its period (still to resolve when "all") and engine. */
export type ChartRequest = Omit<ChartSelection, 'from' | 'to'> & { period: Period; engine: Engine };

/** The range used when `from`/`to` are not given. */
export const DEFAULT_SPAN_DAYS = 7;
/** The longest parameter name or value accepted, in characters (an S3 key has at most 1024 bytes). */
export const MAX_PARAMETER_CHARS = 2048;
const DAY_MS = 86_400_000;

/** A request's query parameters in order, decoded. */
export type QueryParams = Iterable<readonly [string, string]>;

/** A value for a message: JSON-quoted, and shortened when long, so a message never echoes much. */
export function quote(value: string): string {
  return value.length > 60
    ? `${JSON.stringify(value.slice(0, 60))}… (${value.length} characters)`
    : JSON.stringify(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** The first C0 control, DEL or C1 control: never part of a name, a key or a date a user means. */
function controlCharacter(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return c;
  }
  return undefined;
}

/** Decodes one `application/x-www-form-urlencoded` component; `what` names it in errors. */
function decodeComponent(raw: string, what: () => string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw badRequest(
          `${what()} has a "%" that does not start a percent-encoded byte (%XX); send a literal "%" as %25.`,
        );
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b /* + */) bytes.push(0x20);
    else if (c < 0x80) bytes.push(c);
    else {
      // Not percent-encoded (the URL parser encodes these, a hosting adapter might not): its UTF-8.
      const char = String.fromCodePoint(raw.codePointAt(i)!);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  let text: string;
  try {
    text = utf8.decode(new Uint8Array(bytes));
  } catch {
    throw badRequest(
      `${what()} is not valid UTF-8: percent-encode the UTF-8 bytes of the text (for example, é is %C3%A9).`,
    );
  }
  const control = controlCharacter(text);
  if (control !== undefined) {
    const code = control.toString(16).toUpperCase().padStart(4, '0');
    throw badRequest(`${what()} contains a control character (U+${code}); remove it.`);
  }
  if (text.length > MAX_PARAMETER_CHARS) {
    throw badRequest(
      `${what()} is ${text.length} characters long; at most ${MAX_PARAMETER_CHARS} are accepted.`,
    );
  }
  return text;
}

/**
 * Decodes a raw query string (`url.search`) strictly, unlike `URLSearchParams`, which turns bytes
 * that are not UTF-8 into U+FFFD and lets NUL through to the database.
 */
export function parseQuery(search: string): [string, string][] {
  const query = search.startsWith('?') ? search.slice(1) : search;
  const params: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decodeComponent(rawName, () => 'A query parameter name');
    const value = decodeComponent(eq < 0 ? '' : part.slice(eq + 1), () => `Parameter ${quote(name)}`);
    params.push([name, value]);
  }
  return params;
}

/** Reads each parameter at most once and rejects any the route does not know. */
export function readParams(query: QueryParams, allowed: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.includes(name)) {
      throw badRequest(
        `Unknown query parameter ${quote(name)}. ` +
          (allowed.length > 0
            ? `This endpoint accepts: ${allowed.map((a) => `"${a}"`).join(', ')}.`
            : 'This endpoint takes no parameters.'),
      );
    }
    if (values.has(name))
      throw badRequest(`Query parameter "${name}" is given more than once; give it once.`);
    values.set(name, value);
  }
  return values;
}

// ISO 8601 date or date-time; a date-time without an offset is read as UTC.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EXAMPLE = '2025-01-31 or 2025-01-31T12:00:00Z';

/** Postgres timestamps and Athena's both hold years 1 to 9999 (Postgres has no year 0). */
function yearProblem(date: Date): string | undefined {
  const year = date.getUTCFullYear();
  return year < 1 || year > 9999 ? `falls in year ${year} (UTC); years must be from 1 to 9999` : undefined;
}

/** Parses an ISO 8601 date or date-time, or throws a 400 naming the parameter. */
export function parseInstant(name: string, raw: string): Date {
  const text = raw.trim();
  const match = ISO.exec(text);
  if (!match) {
    throw badRequest(
      `Parameter "${name}" is ${quote(raw)}, which is not an ISO 8601 date or time (e.g. ${EXAMPLE}).`,
    );
  }
  const [, y, mo, d, h = '00', mi = '00', s = '00', , zone] = match;
  const date = new Date(
    text.length === 10 ? `${text}T00:00:00Z` : text.replace(' ', 'T') + (zone ? '' : 'Z'),
  );
  if (
    Number.isNaN(date.getTime()) ||
    Number(mo) < 1 ||
    Number(mo) > 12 ||
    Number(d) < 1 ||
    Number(d) > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw badRequest(
      `Parameter "${name}" is ${quote(raw)}, which is not a valid date or time (e.g. ${EXAMPLE}).`,
    );
  }
  // Reject dates that JavaScript would roll over (2025-02-30 becoming March 2nd).
  if (!zone && date.getUTCDate() !== Number(d)) {
    throw badRequest(`Parameter "${name}" is ${quote(raw)}: day ${d} does not exist in ${y}-${mo}.`);
  }
  const year = yearProblem(date);
  if (year) throw badRequest(`Parameter "${name}" is ${quote(raw)}, which ${year}.`);
  return date;
}

/** A time range from `from`/`to`: defaults to the last 7 days; from < to; any span in years 1 to 9999. */
export function readTimeRange(values: Map<string, string>, now: Date): { from: Date; to: Date } {
  const toRaw = values.get('to');
  const fromRaw = values.get('from');
  const given = fromRaw !== undefined ? parseInstant('from', fromRaw) : undefined;
  const to = toRaw !== undefined ? parseInstant('to', toRaw) : now;
  let from: Date;
  if (given) from = given;
  else {
    from = new Date(to.getTime() - DEFAULT_SPAN_DAYS * DAY_MS);
    if (yearProblem(from)) {
      throw badRequest(
        `Parameter "to" is ${quote(toRaw ?? '')}: the default range starts ${DEFAULT_SPAN_DAYS} days earlier, ` +
          'before year 1; give "from" as well, from year 1 on.',
      );
    }
  }
  if (from.getTime() >= to.getTime()) {
    throw badRequest(
      `The time range is empty: "from" (${from.toISOString()}) must be before "to" (${to.toISOString()}).`,
    );
  }
  return { from, to };
}

/**
 * The period of a request: `period=all` (every record: the route finds where they lie), or the
 * range of `from`/`to` (by default the last 7 days). The time-series bucket grows with the span
 * (up to a month, a year beyond 40 years), so any span answers with a bounded number of points.
 */
export type Period = { readonly all: true } | { readonly all: false; readonly from: Date; readonly to: Date };

export function readPeriod(values: Map<string, string>, now: Date): Period {
  const period = values.get('period');
  if (period === undefined) return { all: false, ...readTimeRange(values, now) };
  if (period !== PERIOD_ALL) {
    throw badRequest(
      `Parameter "period" is ${quote(period)}; the only named period is "${PERIOD_ALL}" (every record). ` +
        'For another period give "from" and "to" instead.',
    );
  }
  for (const name of ['from', 'to']) {
    if (values.has(name)) {
      throw badRequest(
        `Parameter "period" is "${PERIOD_ALL}", which spans every record, and "${name}" is given too; ` +
          `give either period=${PERIOD_ALL} or "from" and "to".`,
      );
    }
  }
  return { all: true };
}

/** Datasets the metrics view can chart: those with a time column and at least one measure. */
export function chartableDatasets(): Dataset[] {
  return DATASETS.filter((d) => d.columns.some((c) => c.role === 'time') && measuresOf(d).length > 0);
}

export function readDataset(raw: string | undefined): Dataset {
  const chartable = chartableDatasets();
  if (raw === undefined) return chartable[0];
  const dataset = findDataset(raw);
  if (!dataset) {
    throw badRequest(
      `Unknown dataset ${quote(raw)}. Known datasets: ${DATASETS.map((d) => d.name).join(', ')}.`,
    );
  }
  if (!chartable.includes(dataset)) {
    throw badRequest(
      `Dataset "${raw}" has no measures to chart. Datasets with charts: ${chartable.map((d) => d.name).join(', ')}.`,
    );
  }
  return dataset;
}

export function readEngine(raw: string | undefined): Engine {
  if (raw === undefined) return 'postgres';
  if (!(ENGINES as readonly string[]).includes(raw)) {
    throw badRequest(`Unknown engine ${quote(raw)}. Use one of: ${ENGINES.join(', ')}.`);
  }
  return raw as Engine;
}

/** A chart request: `dataset`, `measure`, `time`, the period (`from`/`to` or `period`) and `engine`. */
export function readChartRequest(query: QueryParams, now = new Date()): ChartRequest {
  const values = readParams(query, CHART_PARAMS);
  const dataset = readDataset(values.get('dataset'));
  const measures = measuresOf(dataset);
  const measureName = values.get('measure');
  const measure = measureName === undefined ? measures[0] : measures.find((m) => m.name === measureName);
  if (!measure) {
    const column = dataset.columns.find((c) => c.name === measureName);
    throw badRequest(
      `${column ? `Column "${measureName}" of dataset "${dataset.name}" is a ${column.role}, not a measure.` : `Dataset "${dataset.name}" has no column ${quote(measureName ?? '')}.`} ` +
        `Measures of "${dataset.name}": ${measures.map((m) => m.name).join(', ')}.`,
    );
  }
  const time = timeColumn(dataset);
  const timeName = values.get('time');
  if (timeName !== undefined && timeName !== time.name) {
    throw badRequest(
      `${quote(timeName)} is not a time column of dataset "${dataset.name}"; its time column is "${time.name}".`,
    );
  }
  const period = readPeriod(values, now);
  const engine = readEngine(values.get('engine'));
  if (engine === 'athena' && dataset.format !== 'ndjson') {
    throw badRequest(
      `Parameter "engine" is "athena", but dataset "${dataset.name}" is not one of the lake's NDJSON tables; ` +
        'chart it with engine=postgres (its Athena table is queried from the Athena console).',
    );
  }
  return { dataset, measure, period, engine };
}
