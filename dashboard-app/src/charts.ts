/**
 * Runs the chart statements of a selection on one engine and shapes the few result rows into what
 * the page draws. Titles and axis labels come from the dataset's column labels.
 *
 * On Postgres a selection of up to `EXACT_ROWS` rows, or one without a whole day whose rollups are
 * current, is charted from its rows (`chartQueries`: everything exact); a wider one from the metric
 * rollups (`rollupQueries`), whose quartiles and histogram are approximate and marked so.
 */
import type { Column } from '../../datasets';
import type { Row } from '../../db/database';
import { CHART_NAMES, type AxisLabel, type ChartName, type ChartsResponse, type Engine } from './contract';
import { approximateHistogram, approximateQuartiles, type FineBin } from './distribution';
import {
  AGE_GROUPS,
  DIALECTS,
  HISTOGRAM_BINS,
  TOP_N,
  bucketFor,
  chartPlan,
  chartQueries,
  type BuiltQuery,
  type ChartSelection,
} from './queries';
import { holdsWholeDay, rollupQueries } from './rollup-queries';

/** Runs one built statement and returns its rows (values may be numbers or numeric strings). */
export type QueryRunner = (query: BuiltQuery) => Promise<Row[]>;

export type { ChartsResponse };

function axis(c: Column): AxisLabel {
  return c.unit ? { name: c.name, label: c.label, unit: c.unit } : { name: c.name, label: c.label };
}

/** A number from a Data API (number) or Athena (string) value; null stays null. */
export function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

function req(value: unknown, what: string): number {
  const n = num(value);
  if (n === null)
    throw new Error(`The ${what} query returned a non-numeric value: ${JSON.stringify(value)}.`);
  return n;
}

const lower = (label: string) => label.charAt(0).toLowerCase() + label.slice(1);

/**
 * Selections with at most this many rows (with a value of the measure) are charted from their rows,
 * exactly; about 0.1 s on the local embedded Postgres.
 */
export const EXACT_ROWS = 30_000;

export interface ChartOptions {
  /** Most rows charted exactly from the rows on Postgres. @default EXACT_ROWS */
  readonly exactRows?: number;
}

/** Runs the chart statements one after another (the engine parallelises each statement itself). */
export async function loadCharts(
  selection: ChartSelection,
  engine: Engine,
  run: QueryRunner,
  options: ChartOptions = {},
): Promise<ChartsResponse> {
  if (engine === 'postgres' && holdsWholeDay(selection.from, selection.to)) {
    const rollups = rollupQueries(selection);
    const [summary] = await run(rollups.summary);
    const count = num(summary?.n) ?? 0;
    if (count > (options.exactRows ?? EXACT_ROWS) && (num(summary?.rolled_days) ?? 0) > 0) {
      return chartsFromRollups(selection, run, rollups, {
        n: count,
        min: req(summary.min, 'summary'),
        max: req(summary.max, 'summary'),
      });
    }
  }
  const queries = chartQueries(selection, engine);
  const results: Partial<Record<ChartName, Row[]>> = {};
  for (const name of CHART_NAMES) {
    const query = queries[name];
    if (query) results[name] = await run(query);
  }
  return shapeCharts(selection, engine, results);
}

/** The charts of a wide selection from the rollups: quartiles and histogram from fine bins. */
async function chartsFromRollups(
  selection: ChartSelection,
  run: QueryRunner,
  rollups: ReturnType<typeof rollupQueries>,
  summary: { n: number; min: number; max: number },
): Promise<ChartsResponse> {
  const results: Partial<Record<ChartName, Row[]>> = {
    scatter: await run(rollups.scatter),
    top: await run(rollups.top),
    series: await run(rollups.series),
  };
  const fine: FineBin[] = (await run(rollups.distribution)).map((r) => ({
    bin: req(r.bin, 'histogram'),
    n: req(r.n, 'histogram'),
  }));
  const { n, min, max } = summary;
  results.box = [{ n, min, max, ...approximateQuartiles(fine, min, max) }];
  results.histogram = approximateHistogram(fine, min, max, HISTOGRAM_BINS).map((count, i) => ({
    bin: i + 1,
    n: count,
    lo: min,
    hi: max,
  }));
  if (rollups.share) results.share = await run(rollups.share);
  return shapeCharts(selection, 'postgres', results, { approximate: true });
}

/** Turns raw result rows into the response; exported so tests can feed rows from either engine. */
export function shapeCharts(
  selection: ChartSelection,
  engine: Engine,
  results: Partial<Record<ChartName, Row[]>>,
  from: { readonly approximate: boolean } = { approximate: !DIALECTS[engine].exactQuantiles },
): ChartsResponse {
  const { dataset, measure } = selection;
  const plan = chartPlan(dataset, measure);
  const m = axis(measure);
  const unit = bucketFor(selection.from, selection.to);

  const boxRow = results.box?.[0];
  const count = boxRow ? (num(boxRow.n) ?? 0) : 0;
  const stats =
    boxRow && count > 0
      ? {
          count,
          min: req(boxRow.min, 'box plot'),
          q1: req(boxRow.q1, 'box plot'),
          median: req(boxRow.median, 'box plot'),
          q3: req(boxRow.q3, 'box plot'),
          max: req(boxRow.max, 'box plot'),
        }
      : null;

  const histogramRows = results.histogram ?? [];
  const bins: { from: number; to: number; count: number }[] = [];
  if (histogramRows.length > 0) {
    const lo = req(histogramRows[0].lo, 'histogram');
    const hi = req(histogramRows[0].hi, 'histogram');
    const width = (hi - lo) / HISTOGRAM_BINS;
    const counts = new Map(histogramRows.map((r) => [req(r.bin, 'histogram'), req(r.n, 'histogram')]));
    const binCount = hi === lo ? 1 : HISTOGRAM_BINS;
    for (let i = 1; i <= binCount; i++) {
      bins.push({
        from: hi === lo ? lo : lo + (i - 1) * width,
        to: hi === lo ? hi : i === HISTOGRAM_BINS ? hi : lo + i * width,
        count: counts.get(i) ?? 0,
      });
    }
  }

  let slices = (results.share ?? []).map((r) => ({ label: String(r.label), value: req(r.n, 'share') }));
  if (plan.share.kind === 'age') {
    const order = AGE_GROUPS.map((g) => g.label);
    slices = slices
      .filter((s) => s.value > 0)
      .sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
  } else {
    slices.sort((a, b) => (a.label === 'Other' ? 1 : b.label === 'Other' ? -1 : b.value - a.value));
  }

  const shareTitle =
    plan.share.kind === 'age'
      ? `Share of ${plan.entityPlural} by age group`
      : plan.share.kind === 'dimension'
        ? `Share of records by ${lower(plan.share.column.label)}`
        : 'No dimension to group by';

  return {
    dataset: dataset.name,
    datasetLabel: dataset.label,
    engine,
    measure: m,
    time: axis(plan.time),
    from: selection.from.toISOString(),
    to: selection.to.toISOString(),
    rows: count,
    empty: count === 0,
    charts: {
      scatter: {
        title: `${measure.label} vs ${lower(plan.reference.label)} (top ${TOP_N} by ${lower(plan.reference.label)})`,
        x: axis(plan.reference),
        y: m,
        points: (results.scatter ?? []).map((r) => ({
          entity: String(r.entity),
          x: req(r.x, 'scatter'),
          y: req(r.y, 'scatter'),
          at: req(r.at, 'scatter'),
        })),
      },
      top: {
        title: `Top ${TOP_N} ${plan.entityPlural} by highest ${lower(measure.label)}`,
        x: axis(plan.entity),
        y: m,
        bars: (results.top ?? []).map((r) => ({
          entity: String(r.entity),
          value: req(r.value, 'bar chart'),
        })),
      },
      series: {
        title: `${measure.label} over time (average per ${unit})`,
        bucket: unit,
        y: m,
        points: (results.series ?? []).map(
          (r) =>
            [req(r.t, 'line chart'), req(r.value, 'line chart'), req(r.n, 'line chart')] as [
              number,
              number,
              number,
            ],
        ),
      },
      box: {
        title: `Distribution of ${lower(measure.label)}`,
        y: m,
        approximate: from.approximate,
        stats,
      },
      histogram: {
        title: `Histogram of ${lower(measure.label)} (${HISTOGRAM_BINS} bins)`,
        x: m,
        // Athena's bins are exact; only the rollups' fine bins make counts approximate.
        approximate: engine === 'postgres' && from.approximate,
        bins,
      },
      share: { title: shareTitle, kind: plan.share.kind, slices },
    },
  };
}
