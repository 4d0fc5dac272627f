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
import { PIE_LABEL, draw, firstItem, option, tooltip, topValues, unitText } from './charts';
import { byId, fillSelect } from './dom';
import { athenaCostText, syncEngine } from './engine';
import { formatNumber, localDate, localDateTime } from './format';
import { showPeriod } from './period';
import { periodQuery, writeState, type ViewState } from './state';

/** Chooses the dataset and measure of the state (the first ones when unknown) and fills the controls. */
function syncControls(meta: DatasetsResponse, state: ViewState): DatasetSummary {
  const dataset = meta.datasets.find((d) => d.name === state.dataset) ?? meta.datasets[0];
  state.dataset = dataset.name;
  if (!dataset.measures.some((m) => m.name === state.measure)) state.measure = dataset.measures[0].name;
  fillSelect(byId('dataset', HTMLSelectElement), meta.datasets, state.dataset);
  fillSelect(byId('measure', HTMLSelectElement), dataset.measures, state.measure);
  fillSelect(byId('time', HTMLSelectElement), [dataset.time], dataset.time.name);
  syncEngine(
    meta,
    state,
    dataset.athena ? undefined : `${dataset.label} is not one of the lake tables the charts read on Athena.`,
  );
  writeState(state);
  return dataset;
}

/** A time of the series, as precise as its bucket. */
function bucketTime(ms: number, bucket: ChartsResponse['charts']['series']['bucket']): string {
  return bucket === 'minute' || bucket === 'hour' ? localDateTime(ms) : localDate(ms);
}

/** What each chart shows, in words: its top values, range or shape. */
const SUMMARIES: { readonly [N in ChartName]: (body: ChartsResponse) => string } = {
  scatter: ({ charts: { scatter } }) =>
    `Highest ${scatter.x.label.toLowerCase()}: ` +
    topValues(scatter.points.map((p) => [p.entity, `${formatNumber(p.x)}, ${formatNumber(p.y)}`])) +
    '.',
  top: ({ charts: { top } }) =>
    `Highest: ${topValues(top.bars.map((b) => [b.entity, formatNumber(b.value)]))}.`,
  series: ({ charts: { series } }) => {
    const points = series.points;
    if (points.length === 0) return '';
    const low = points.reduce((a, p) => (p[1] < a[1] ? p : a));
    const high = points.reduce((a, p) => (p[1] > a[1] ? p : a));
    return (
      `${points.length} points, one per ${series.bucket}, from ${bucketTime(points[0][0], series.bucket)} ` +
      `to ${bucketTime(points[points.length - 1][0], series.bucket)}. Lowest average ${formatNumber(low[1])} ` +
      `(${bucketTime(low[0], series.bucket)}), highest ${formatNumber(high[1])} (${bucketTime(high[0], series.bucket)}).`
    );
  },
  box: ({ charts: { box } }) => {
    const s = box.stats;
    return s
      ? `Of ${formatNumber(s.count)} records: minimum ${formatNumber(s.min)}, first quartile ${formatNumber(s.q1)}, ` +
          `median ${formatNumber(s.median)}, third quartile ${formatNumber(s.q3)}, maximum ${formatNumber(s.max)}.`
      : '';
  },
  histogram: ({ charts: { histogram } }) => {
    const bins = histogram.bins;
    if (bins.length === 0) return '';
    const fullest = bins.reduce((a, b) => (b.count > a.count ? b : a));
    return (
      `${bins.length} bins from ${formatNumber(bins[0].from)} to ${formatNumber(bins[bins.length - 1].to)}; ` +
      `the fullest, ${formatNumber(fullest.from)} to ${formatNumber(fullest.to)}, holds ${formatNumber(fullest.count)} records.`
    );
  },
  share: ({ charts: { share } }) => {
    const sum = share.slices.reduce((a, s) => a + s.value, 0);
    const largest = [...share.slices].sort((a, b) => b.value - a.value);
    return sum === 0
      ? ''
      : `Largest: ${topValues(largest.map((s) => [s.label, `${formatNumber(s.value)}, ${Math.round((100 * s.value) / sum)}%`]))}.`;
  },
};

/** Each chart's options from its part of the answer: a renamed chart fails the type check here. */
const CHARTS: { readonly [N in ChartName]: (body: ChartsResponse) => EChartsOption } = {
  scatter: ({ charts: { scatter } }) =>
    option(scatter.title, {
      tooltip: tooltip('item', (params) => {
        const [x, y, entity] = firstItem(params) as [number, number, string];
        return `${entity}: ${x}, ${y}`;
      }),
      xAxis: {
        type: 'value',
        name: unitText(scatter.x),
        nameLocation: 'middle',
        nameGap: 30,
        scale: true,
        axisLabel: { hideOverlap: true },
      },
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
        axisLabel: { hideOverlap: true },
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
          radius: ['25%', '55%'],
          label: PIE_LABEL,
          data: share.slices.map((sl) => ({ name: sl.label, value: sl.value })),
        },
      ],
    }),
};

function athenaNote(body: ChartsApiResponse): string | undefined {
  return body.athena
    ? `${athenaCostText(body.athena, 'these charts')} Quartiles on Athena are approximate.`
    : undefined;
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
    ...periodQuery(state),
  });
  for (const name of CHART_NAMES) {
    const summary = body.empty ? 'No records in this period.' : SUMMARIES[name](body);
    draw(`chart-${name}`, CHARTS[name](body), summary);
    const el = byId(`chart-${name}`);
    el.dataset.measure = body.measure.name;
    el.dataset.empty = body.empty ? 'true' : 'false';
  }
  const cost = byId('athena-cost');
  const note = athenaNote(body);
  cost.hidden = note === undefined;
  cost.textContent = note ?? '';
  const records = `${dataset.label.toLowerCase()} records`;
  showPeriod(body, body.empty, records);
  byId('metrics-note').textContent = body.empty
    ? body.dataExtent
      ? `No ${records} in this period.`
      : `No ${records} yet. New data appears here by itself.`
    : `${formatNumber(body.rows)} records in the period. ${shareNote(dataset)}`;
}
