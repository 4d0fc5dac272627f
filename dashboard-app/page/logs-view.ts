/** The access logs view: S3 server access logs over a time range, and the page of one key. */
import type { AccessLogKeyResponse, CountedRow, TrafficPoint } from '../src/contract';
import { getJson } from './api';
import { chart, draw, option, tooltip } from './charts';
import { banner, byId, cards, table, type TableColumn } from './dom';
import { formatBytes, formatNumber } from './format';
import { timeRange, writeState, type ViewState } from './state';

const EMPTY =
  'No S3 access log records in this time range yet. Point S3 server access logs at the log bucket to see them here.';

const countColumns = (label: string): TableColumn<CountedRow>[] => [
  { key: 'label', label },
  { key: 'requests', label: 'Requests', format: formatNumber },
  { key: 'bytes', label: 'Bytes sent', format: formatBytes },
];

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
      series: [
        { name: 'Requests', type: 'line', showSymbol: false, data: series.map((p) => [p.t, p.requests]) },
        {
          name: 'Bytes sent',
          type: 'line',
          yAxisIndex: 1,
          showSymbol: false,
          data: series.map((p) => [p.t, p.bytes]),
        },
        { name: 'Errors', type: 'line', showSymbol: false, data: series.map((p) => [p.t, p.errors]) },
      ],
    }),
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
        axisLabel: { rotate: 30, interval: 0 },
      },
      yAxis: { type: 'value', name: 'Requests', nameLocation: 'middle', nameGap: 60 },
      series: [{ type: 'bar', data: rows.map((r) => r.requests) }],
    }),
  );
}

const viewLink = (params: Record<string, string>) =>
  '?' + new URLSearchParams({ view: 'logs', ...params }).toString();

/** The overview; returns the notice to show when there is nothing yet. */
export async function renderLogs(state: ViewState): Promise<string | undefined> {
  writeState(state);
  const body = await getJson('/api/access-logs', {
    ...timeRange(state),
    ...(state.bucket ? { bucket: state.bucket } : {}),
  });
  byId('logs-title').textContent = 'S3 access logs' + (body.bucket ? ` · ${body.bucket}` : '');
  if (body.totals.requests === 0) banner('info', EMPTY);
  byId('logs-back').hidden = true;
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
  draw(
    'chart-logs-downloads',
    option('Full and partial downloads, invalid requests', {
      tooltip: tooltip('item', '{b}: {c} ({d}%)'),
      legend: { bottom: 0 },
      grid: undefined,
      series: [
        {
          type: 'pie',
          radius: ['25%', '60%'],
          data: [
            { name: 'Full (200)', value: body.downloads.full },
            { name: 'Partial (206)', value: body.downloads.partial },
            { name: 'Invalid (4xx/5xx)', value: body.downloads.invalid },
          ].filter((d) => d.value > 0),
        },
      ],
    }),
  );
  barChart('chart-logs-operations', 'Requests by operation', body.operations, 'Operation');
  byId('logs-tables').replaceChildren(
    table('Top keys', countColumns('Key'), body.topKeys, (r) =>
      viewLink({ key: r.label, range: state.range }),
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
      (r) => viewLink({ bucket: r.bucket, range: state.range }),
    ),
  );
  return body.totals.requests === 0 ? EMPTY : undefined;
}

const recentColumns: TableColumn<AccessLogKeyResponse['recent'][number]>[] = [
  {
    key: 'at',
    label: 'Time',
    format: (v) => new Date(v as number).toISOString().replace('T', ' ').slice(0, 19),
  },
  { key: 'bucket', label: 'Bucket' },
  { key: 'operation', label: 'Operation' },
  { key: 'status', label: 'Status' },
  { key: 'bytes', label: 'Bytes sent', format: (v) => (v === null ? '—' : formatBytes(v)) },
  { key: 'requester', label: 'Requester' },
  { key: 'errorCode', label: 'Error code' },
];

/** The page of one key. */
export async function renderKey(state: ViewState): Promise<undefined> {
  writeState(state);
  const body = await getJson('/api/access-logs/key', {
    key: state.key,
    ...timeRange(state),
    ...(state.bucket ? { bucket: state.bucket } : {}),
  });
  byId('logs-title').textContent = `Key: ${body.key}`;
  byId('logs-back').hidden = false;
  const total = body.series.reduce((a, p) => ({ r: a.r + p.requests, b: a.b + p.bytes, e: a.e + p.errors }), {
    r: 0,
    b: 0,
    e: 0,
  });
  cards(byId('logs-totals'), [
    ['Requests', formatNumber(total.r)],
    ['Bytes sent', formatBytes(total.b)],
    ['Errors', formatNumber(total.e)],
  ]);
  trafficChart(body.series, body.unit);
  barChart('chart-logs-status', 'Requests by HTTP status', body.statuses, 'HTTP status');
  barChart('chart-logs-operations', 'Top requesters', body.requesters, 'Requester');
  chart('chart-logs-downloads').clear();
  byId('logs-tables').replaceChildren(table('Latest requests', recentColumns, body.recent));
  return undefined;
}
