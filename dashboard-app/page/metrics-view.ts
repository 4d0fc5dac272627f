/** The metrics view: a dataset, a measure and a time range; six charts computed by the database. */
import type { EChartsOption } from 'echarts';
import {
  CHART_NAMES,
  type ChartName,
  type ChartsApiResponse,
  type ChartsResponse,
  type DatasetSummary,
  type DatasetsResponse,
} from '../src/contract';
import { getJson } from './api';
import { draw, firstItem, option, tooltip, unitText } from './charts';
import { byId, fillSelect } from './dom';
import { formatBytes, formatNumber } from './format';
import { timeRange, writeState, type ViewState } from './state';

/** Chooses the dataset and measure of the state (the first ones when unknown) and fills the controls. */
function syncControls(meta: DatasetsResponse, state: ViewState): DatasetSummary {
  const dataset = meta.datasets.find((d) => d.name === state.dataset) ?? meta.datasets[0];
  state.dataset = dataset.name;
  if (!dataset.measures.some((m) => m.name === state.measure)) state.measure = dataset.measures[0].name;
  fillSelect(byId('dataset', HTMLSelectElement), meta.datasets, state.dataset);
  fillSelect(byId('measure', HTMLSelectElement), dataset.measures, state.measure);
  fillSelect(byId('time', HTMLSelectElement), [dataset.time], dataset.time.name);
  byId('range', HTMLSelectElement).value = state.range;
  const athena =
    meta.athena.available && !dataset.athena
      ? {
          available: false as const,
          reason: `${dataset.label} is not one of the lake tables the charts read on Athena.`,
        }
      : meta.athena;
  const engine = byId('engine', HTMLInputElement);
  engine.disabled = !athena.available;
  engine.checked = athena.available && state.engine === 'athena';
  if (!athena.available) state.engine = 'postgres';
  const note = byId('engine-note');
  note.hidden = athena.available;
  note.textContent = athena.available ? '' : `Full history is off: ${athena.reason}`;
  byId('engine-label').title = athena.available
    ? 'Run the same charts on Athena over the whole lake'
    : athena.reason;
  writeState(state);
  return dataset;
}

/** Each chart's options from its part of the answer: a renamed chart fails the type check here. */
const CHARTS: { readonly [N in ChartName]: (body: ChartsResponse) => EChartsOption } = {
  scatter: ({ charts: { scatter } }) =>
    option(scatter.title, {
      tooltip: tooltip('item', (params) => {
        const [x, y, entity] = firstItem(params) as [number, number, string];
        return `${entity}: ${x}, ${y}`;
      }),
      xAxis: { type: 'value', name: unitText(scatter.x), nameLocation: 'middle', nameGap: 30, scale: true },
      yAxis: { type: 'value', name: unitText(scatter.y), nameLocation: 'middle', nameGap: 60, scale: true },
      series: [{ type: 'scatter', symbolSize: 12, data: scatter.points.map((p) => [p.x, p.y, p.entity]) }],
    }),
  top: ({ charts: { top } }) =>
    option(top.title, {
      xAxis: {
        type: 'category',
        data: top.bars.map((b) => b.entity),
        axisLabel: { rotate: 30, interval: 0 },
      },
      yAxis: { type: 'value', name: unitText(top.y), nameLocation: 'middle', nameGap: 60 },
      series: [{ type: 'bar', data: top.bars.map((b) => b.value) }],
    }),
  series: (body) =>
    option(body.charts.series.title, {
      tooltip: tooltip('axis'),
      xAxis: {
        type: 'time',
        name: body.time.label,
        nameLocation: 'middle',
        nameGap: 30,
        min: Date.parse(body.from),
        max: Date.parse(body.to),
      },
      yAxis: {
        type: 'value',
        name: unitText(body.charts.series.y),
        nameLocation: 'middle',
        nameGap: 60,
        scale: true,
      },
      series: [
        {
          type: 'line',
          showSymbol: body.charts.series.points.length < 60,
          data: body.charts.series.points.map((p) => [p[0], p[1]]),
        },
      ],
    }),
  box: (body) => {
    const { box } = body.charts;
    const s = box.stats;
    return option(box.title + (box.approximate ? ' (approximate quartiles)' : ''), {
      xAxis: { type: 'category', data: [body.measure.label] },
      yAxis: { type: 'value', name: unitText(box.y), nameLocation: 'middle', nameGap: 60, scale: true },
      series: [{ type: 'boxplot', data: s ? [[s.min, s.q1, s.median, s.q3, s.max]] : [] }],
    });
  },
  histogram: ({ charts: { histogram } }) =>
    option(histogram.title + (histogram.approximate ? ' (approximate counts)' : ''), {
      tooltip: tooltip('axis'),
      xAxis: {
        type: 'category',
        name: unitText(histogram.x),
        nameLocation: 'middle',
        nameGap: 30,
        data: histogram.bins.map((b) => `${formatNumber(b.from)}–${formatNumber(b.to)}`),
      },
      yAxis: { type: 'value', name: 'Records', nameLocation: 'middle', nameGap: 60 },
      series: [{ type: 'bar', barCategoryGap: '2%', data: histogram.bins.map((b) => b.count) }],
    }),
  share: ({ charts: { share } }) =>
    option(share.title, {
      tooltip: tooltip('item', '{b}: {c} ({d}%)'),
      legend: { bottom: 0, type: 'scroll' },
      grid: undefined,
      series: [
        {
          type: 'pie',
          radius: ['25%', '60%'],
          data: share.slices.map((sl) => ({ name: sl.label, value: sl.value })),
        },
      ],
    }),
};

function athenaNote(body: ChartsApiResponse): string | undefined {
  const a = body.athena;
  if (!a) return undefined;
  return (
    `Athena scanned ${formatBytes(a.bytesScanned)} for these charts, costing $${a.costUsd.toFixed(4)} ` +
    '($5 per TB scanned, at least 10 MB per query)' +
    (a.cachedQueries ? `; ${a.cachedQueries} answers came from the 5-minute cache` : '') +
    '. Quartiles on Athena are approximate.'
  );
}

/** What the pie shows, when the definition makes it something other than age groups. */
function shareNote(dataset: DatasetSummary): string {
  if (dataset.share === 'dimension' && dataset.shareColumn) {
    return `The pie shows the share of records per ${dataset.shareColumn.label.toLowerCase()} (the nine largest values and "Other").`;
  }
  return dataset.share === 'none' ? 'This dataset has no column to group the pie by.' : '';
}

export async function renderMetrics(meta: DatasetsResponse, state: ViewState): Promise<void> {
  const dataset = syncControls(meta, state);
  const body = await getJson('/api/charts', {
    dataset: state.dataset,
    measure: state.measure,
    engine: state.engine,
    ...timeRange(state),
  });
  for (const name of CHART_NAMES) {
    draw(`chart-${name}`, CHARTS[name](body));
    const el = byId(`chart-${name}`);
    el.dataset.measure = body.measure.name;
    el.dataset.empty = body.empty ? 'true' : 'false';
  }
  const cost = byId('athena-cost');
  const note = athenaNote(body);
  cost.hidden = note === undefined;
  cost.textContent = note ?? '';
  byId('metrics-note').textContent = body.empty
    ? `No ${dataset.label.toLowerCase()} records in this time range yet. New data appears here by itself.`
    : `${formatNumber(body.rows)} records in the range. ${shareNote(dataset)}`;
}
