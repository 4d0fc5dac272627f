/**
 * Checks every query parameter of a request against the dataset definitions. A bad value is a
 * 400 whose message names the parameter, quotes the value and lists what is accepted.
 */
import { DATASETS, findDataset, type Dataset } from '../../datasets';
import { badRequest } from './http-error';
import { ENGINES, measuresOf, type ChartSelection, type Engine } from './queries';
import { timeColumn } from '../../datasets/sql';

/** The longest time range a chart request may span. */
export const MAX_SPAN_DAYS = 366;
/** The range used when `from`/`to` are not given. */
export const DEFAULT_SPAN_DAYS = 7;
const DAY_MS = 86_400_000;

/** Datasets the metrics view can chart: those with a time column and at least one measure. */
export function chartableDatasets(): Dataset[] {
  return DATASETS.filter((d) => d.columns.some((c) => c.role === 'time') && measuresOf(d).length > 0);
}

/** Reads each parameter at most once and rejects any the route does not know. */
export function readParams(query: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.includes(name)) {
      throw badRequest(
        `Unknown query parameter "${name}". This endpoint accepts: ${allowed.map((a) => `"${a}"`).join(', ')}.`,
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

/** Parses an ISO 8601 date or date-time, or throws a 400 naming the parameter. */
export function parseInstant(name: string, raw: string): Date {
  const match = ISO.exec(raw.trim());
  const example = '2025-01-31 or 2025-01-31T12:00:00Z';
  if (!match)
    throw badRequest(
      `Parameter "${name}" is "${raw}", which is not an ISO 8601 date or time (e.g. ${example}).`,
    );
  const [, y, mo, d, h = '00', mi = '00', s = '00', , zone] = match;
  const date = new Date(
    raw.trim().length === 10 ? `${raw.trim()}T00:00:00Z` : raw.trim().replace(' ', 'T') + (zone ? '' : 'Z'),
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
    throw badRequest(`Parameter "${name}" is "${raw}", which is not a valid date or time (e.g. ${example}).`);
  }
  // Reject dates that JavaScript would roll over (2025-02-30 becoming March 2nd).
  if (!zone && date.getUTCDate() !== Number(d)) {
    throw badRequest(`Parameter "${name}" is "${raw}": day ${d} does not exist in ${y}-${mo}.`);
  }
  return date;
}

/** A time range from `from`/`to`: defaults to the last 7 days; from < to; at most 366 days. */
export function readTimeRange(values: Map<string, string>, now: Date): { from: Date; to: Date } {
  const toRaw = values.get('to');
  const fromRaw = values.get('from');
  const to = toRaw !== undefined ? parseInstant('to', toRaw) : now;
  const from =
    fromRaw !== undefined
      ? parseInstant('from', fromRaw)
      : new Date(to.getTime() - DEFAULT_SPAN_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw badRequest(
      `The time range is empty: "from" (${from.toISOString()}) must be before "to" (${to.toISOString()}).`,
    );
  }
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY_MS) {
    throw badRequest(
      `The time range from ${from.toISOString()} to ${to.toISOString()} spans more than ${MAX_SPAN_DAYS} days; ` +
        `choose a shorter range.`,
    );
  }
  return { from, to };
}

export function readDataset(raw: string | undefined): Dataset {
  const chartable = chartableDatasets();
  if (raw === undefined) return chartable[0];
  const dataset = findDataset(raw);
  if (!dataset) {
    throw badRequest(`Unknown dataset "${raw}". Known datasets: ${DATASETS.map((d) => d.name).join(', ')}.`);
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
    throw badRequest(`Unknown engine "${raw}". Use one of: ${ENGINES.join(', ')}.`);
  }
  return raw as Engine;
}

export const CHART_PARAMS = ['dataset', 'measure', 'time', 'from', 'to', 'engine'] as const;

/** The selection of a chart request: `dataset`, `measure`, `time`, `from`, `to` (and `engine`). */
export function readChartRequest(
  query: URLSearchParams,
  now = new Date(),
): ChartSelection & { engine: Engine } {
  const values = readParams(query, CHART_PARAMS);
  const dataset = readDataset(values.get('dataset'));
  const measures = measuresOf(dataset);
  const measureName = values.get('measure');
  const measure = measureName === undefined ? measures[0] : measures.find((m) => m.name === measureName);
  if (!measure) {
    const column = dataset.columns.find((c) => c.name === measureName);
    throw badRequest(
      `${column ? `Column "${measureName}" of dataset "${dataset.name}" is a ${column.role}, not a measure.` : `Dataset "${dataset.name}" has no column "${measureName}".`} ` +
        `Measures of "${dataset.name}": ${measures.map((m) => m.name).join(', ')}.`,
    );
  }
  const time = timeColumn(dataset);
  const timeName = values.get('time');
  if (timeName !== undefined && timeName !== time.name) {
    throw badRequest(
      `"${timeName}" is not a time column of dataset "${dataset.name}"; its time column is "${time.name}".`,
    );
  }
  const { from, to } = readTimeRange(values, now);
  const engine = readEngine(values.get('engine'));
  if (engine === 'athena' && dataset.format !== 'ndjson') {
    throw badRequest(
      `Parameter "engine" is "athena", but dataset "${dataset.name}" is not one of the lake's NDJSON tables; ` +
        'chart it with engine=postgres (its Athena table is queried from the Athena console).',
    );
  }
  return { dataset, measure, from, to, engine };
}
