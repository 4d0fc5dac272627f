/** The access logs view: S3 server access logs over a period, and the page of one key. */
import type {
  AccessLogKeyResponse,
  AccessLogOverview,
  CountedRow,
  DatasetsResponse,
  TrafficPoint,
} from '../src/contract';
import { getJson } from './api';
import { PIE_LABEL, draw, hideChart, option, tooltip, topValues } from './charts';
import { byId, cards, table, type TableColumn } from './dom';
import { athenaCostText, syncEngine } from './engine';
import { formatBytes, formatNumber, localDate, localDateTime } from './format';
import { showPeriod } from './period';
import { periodParams, periodQuery, writeState, type ViewState } from './state';

const EMPTY =
  'No S3 access log records in this period. Point S3 server access logs at the log bucket to see them here.';
const RECORDS = 'S3 access log records';

const countColumns = (label: string): TableColumn<CountedRow>[] => [
  { key: 'label', label },
  { key: 'requests', label: 'Requests', format: formatNumber },
  { key: 'bytes', label: 'Bytes sent', format: formatBytes },
];

/** The three lines differ by dash and symbol as well as colour, and the legend names them. */
const LINES = [
  { name: 'Requests', type: 'solid', symbol: 'circle', value: (p: TrafficPoint) => p.requests },
  { name: 'Bytes sent', type: 'dashed', symbol: 'triangle', value: (p: TrafficPoint) => p.bytes },
  { name: 'Errors', type: 'dotted', symbol: 'rect', value: (p: TrafficPoint) => p.errors },
] as const;

function trafficSummary(series: readonly TrafficPoint[], unit: string): string {
  if (series.length === 0) return 'No requests in this period.';
  const busiest = series.reduce((a, p) => (p.requests > a.requests ? p : a));
  const at = unit === 'hour' ? localDateTime(busiest.t) : localDate(busiest.t);
  const sum = (f: (p: TrafficPoint) => number) => series.reduce((a, p) => a + f(p), 0);
  return (
    `${formatNumber(sum((p) => p.requests))} requests, ${formatBytes(sum((p) => p.bytes))} sent and ` +
    `${formatNumber(sum((p) => p.errors))} errors over ${series.length} ${unit}s with requests; ` +
    `the busiest ${unit} (${at}) had ${formatNumber(busiest.requests)} requests.`
  );
}

function trafficChart(series: readonly TrafficPoint[], unit: string): void {
  draw(
    'chart-logs-series',
    option(`Requests and bytes sent per ${unit}`, {
      tooltip: tooltip('axis'),
      legend: { bottom: 0 },
      xAxis: { type: 'time', name: 'Time', nameLocation: 'middle', nameGap: 30 },
      yAxis: [
        { type: 'value', name: 'Requests' },
        { type: 'value', name: 'Bytes sent', axisLabel: { formatter: formatBytes } },
      ],
      series: LINES.map((line) => ({
        name: line.name,
        type: 'line' as const,
        yAxisIndex: line.name === 'Bytes sent' ? 1 : 0,
        symbol: line.symbol,
        showSymbol: series.length < 60,
        lineStyle: { type: line.type },
        data: series.map((p) => [p.t, line.value(p)]),
      })),
    }),
    trafficSummary(series, unit),
  );
}

function barChart(id: string, title: string, rows: readonly CountedRow[], xLabel: string): void {
  draw(
    id,
    option(title, {
      xAxis: {
        type: 'category',
        name: xLabel,
        nameLocation: 'middle',
        nameGap: 40,
        data: rows.map((r) => r.label),
        axisLabel: { rotate: 30, interval: 0, width: 90, overflow: 'truncate' },
      },
      yAxis: { type: 'value', name: 'Requests', nameLocation: 'middle', nameGap: 50 },
      series: [{ type: 'bar', data: rows.map((r) => r.requests) }],
    }),
    rows.length === 0
      ? 'No requests in this period.'
      : `Most requests: ${topValues(rows.map((r) => [r.label, formatNumber(r.requests)]))}.`,
  );
}

/** A link to the access logs view with the period of the state. */
const viewLink = (state: ViewState, params: Record<string, string>) =>
  '?' +
  new URLSearchParams({
    view: 'logs',
    ...params,
    ...periodParams(state),
    ...(state.engine === 'athena' ? { engine: 'athena' } : {}),
  }).toString();

/** What the answer costs and reads on Athena; hidden on Postgres. */
function athenaNote(body: AccessLogOverview | AccessLogKeyResponse): void {
  const note = byId('logs-athena-cost');
  note.hidden = !body.athena;
  note.textContent = body.athena
    ? `${athenaCostText(body.athena, 'these figures')} Buckets read: ${body.athena.buckets.join(', ') || 'none yet'}. ` +
      'Athena reads every record in the log bucket, also the operations the loader leaves out of Postgres, ' +
      'so its counts can be higher.'
    : '';
}

/** Common to the overview and a key's page: the engine switch, the URL, the request. */
function query(meta: DatasetsResponse, state: ViewState) {
  syncEngine(meta, state);
  writeState(state);
  return {
    ...periodQuery(state),
    ...(state.bucket ? { bucket: state.bucket } : {}),
    ...(state.engine === 'athena' ? { engine: 'athena' } : {}),
  };
}

/** The overview; returns the notice to show when there is nothing yet. */
export async function renderLogs(meta: DatasetsResponse, state: ViewState): Promise<string | undefined> {
  const body = await getJson('/api/access-logs', query(meta, state));
  const empty = body.totals.requests === 0;
  byId('logs-title').textContent = 'S3 access logs' + (body.bucket ? ` · ${body.bucket}` : '');
  byId('logs-back').hidden = true;
  athenaNote(body);
  showPeriod(body, empty, RECORDS);
  cards(byId('logs-totals'), [
    ['Requests', formatNumber(body.totals.requests)],
    ['Bytes sent', formatBytes(body.totals.bytes)],
    ['Errors', formatNumber(body.totals.errors)],
    ['Full downloads (200)', formatNumber(body.downloads.full)],
    ['Partial downloads (206)', formatNumber(body.downloads.partial)],
    ['Invalid requests (4xx/5xx)', formatNumber(body.downloads.invalid)],
  ]);
  trafficChart(body.series, body.unit);
  barChart('chart-logs-status', 'Requests by HTTP status', body.statuses, 'HTTP status');
  const slices = [
    { name: 'Full (200)', value: body.downloads.full },
    { name: 'Partial (206)', value: body.downloads.partial },
    { name: 'Invalid (4xx/5xx)', value: body.downloads.invalid },
  ];
  draw(
    'chart-logs-downloads',
    option('Full and partial downloads, invalid requests', {
      tooltip: tooltip('item', '{b}: {c} ({d}%)'),
      legend: { bottom: 0 },
      grid: undefined,
      series: [
        {
          type: 'pie',
          radius: ['25%', '55%'],
          label: PIE_LABEL,
          data: slices.filter((d) => d.value > 0),
        },
      ],
    }),
    slices.map((d) => `${d.name}: ${formatNumber(d.value)}`).join(', ') + '.',
  );
  barChart('chart-logs-operations', 'Requests by operation', body.operations, 'Operation');
  byId('logs-tables').replaceChildren(
    table('Top keys', countColumns('Key'), body.topKeys, (r) =>
      viewLink(state, { key: r.label, ...(state.bucket ? { bucket: state.bucket } : {}) }),
    ),
    table('Top requesters', countColumns('Requester'), body.topRequesters),
    table('Top IP addresses', countColumns('IP address'), body.topIps),
    table('Invalid requests by error code', countColumns('Error code'), body.errorCodes),
    table(
      'Buckets',
      [
        { key: 'bucket', label: 'Bucket' },
        { key: 'requests', label: 'Requests', format: formatNumber },
      ],
      body.buckets,
      (r) => viewLink(state, { bucket: r.bucket }),
    ),
  );
  return empty && !body.dataExtent ? EMPTY : undefined;
}

const recentColumns: TableColumn<AccessLogKeyResponse['recent'][number]>[] = [
  { key: 'at', label: 'Time', format: (v) => localDateTime(v as number) },
  { key: 'bucket', label: 'Bucket' },
  { key: 'operation', label: 'Operation' },
  { key: 'status', label: 'Status' },
  { key: 'bytes', label: 'Bytes sent', format: (v) => (v === null ? '—' : formatBytes(v)) },
  { key: 'requester', label: 'Requester' },
  { key: 'errorCode', label: 'Error code' },
];

/** The page of one key. */
export async function renderKey(meta: DatasetsResponse, state: ViewState): Promise<undefined> {
  const body = await getJson('/api/access-logs/key', { key: state.key, ...query(meta, state) });
  byId('logs-title').textContent = `Key: ${body.key}`;
  byId('logs-back').hidden = false;
  byId('logs-back-link', HTMLAnchorElement).href = viewLink(
    state,
    state.bucket ? { bucket: state.bucket } : {},
  );
  athenaNote(body);
  const total = body.series.reduce((a, p) => ({ r: a.r + p.requests, b: a.b + p.bytes, e: a.e + p.errors }), {
    r: 0,
    b: 0,
    e: 0,
  });
  showPeriod(body, total.r === 0, `records of this key`);
  cards(byId('logs-totals'), [
    ['Requests', formatNumber(total.r)],
    ['Bytes sent', formatBytes(total.b)],
    ['Errors', formatNumber(total.e)],
  ]);
  trafficChart(body.series, body.unit);
  barChart('chart-logs-status', 'Requests by HTTP status', body.statuses, 'HTTP status');
  barChart('chart-logs-operations', 'Top requesters', body.requesters, 'Requester');
  hideChart('chart-logs-downloads');
  byId('logs-tables').replaceChildren(table('Latest requests', recentColumns, body.recent));
  return undefined;
}
