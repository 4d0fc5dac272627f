/**
 * The charts of wide selections, read from the metric rollups, against the same numbers computed
 * independently in plain TypeScript over the same rows: narrow, wide and all-history ranges that
 * start and end in the middle of a day (the rollup bucket), with days still pending, on the real
 * local Postgres. Ties in the ranked charts are deliberate: the rollups must break them as the
 * charts do (value, then key or entity name).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getDataset, type Dataset } from '../../datasets';
import { insertSql, toSqlParams } from '../../db/dataset-sql';
import { loadCharts, type ChartsResponse } from '../../dashboard-app/src/charts';
import { HISTOGRAM_BINS, bucketFor, type ChartSelection } from '../../dashboard-app/src/queries';
import { refreshMetricRollups } from '../../lambda/loader/metric-rollups/refresh';
import {
  ageShares,
  boxOf,
  random,
  topMaxima,
  type UsageMeasure,
  type UsageRow,
} from '../support/chart-truth';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const usage = getDataset('usage');
const samples = getDataset('samples');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2025-01-01T00:00:00Z');
const DAYS = 40;

type Measure = UsageMeasure;
const MEASURES: Measure[] = ['session_duration', 'download_speed', 'upload_speed', 'consumed_traffic'];

const PEOPLE = Array.from({ length: 40 }, (_, i) => `person ${String(i).padStart(2, '0')}`);

function makeRows(): UsageRow[] {
  const rand = random(1234);
  const born = new Map(
    PEOPLE.map((p) => [
      p,
      `${1940 + Math.floor(rand() * 80)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
    ]),
  );
  const rows = new Map<string, UsageRow>();
  for (let i = 0; i < 3000; i++) {
    const person = PEOPLE[Math.floor(rand() * PEOPLE.length)];
    const at = new Date(START + Math.floor(rand() * DAYS * DAY)).toISOString();
    rows.set(`${person}|${at}`, {
      person_name: person,
      // Most people keep one birth date; a few rows carry another one, so "earliest in the range" matters.
      birth_date: i % 97 === 0 ? '1930-06-15' : born.get(person)!,
      accessed_at: at,
      session_duration: Math.floor(rand() * 50) * 60, // few distinct values: ties in the top-10 bar
      download_speed: Math.round(rand() ** 2 * 90_000) / 100,
      upload_speed: Math.round(rand() * 20_000) / 100,
      consumed_traffic: Math.floor(rand() * 400), // whole numbers: ties in the scatter's ranking
    });
  }
  return [...rows.values()];
}

const ROWS = makeRows();

function inRange(from: Date, to: Date): UsageRow[] {
  return ROWS.filter((r) => {
    const t = Date.parse(r.accessed_at);
    return t >= from.getTime() && t < to.getTime();
  });
}

/** Bucket starts as `date_trunc` in UTC gives them (weeks start on Monday). */
function bucketStart(t: number, unit: string): number {
  if (unit === 'hour') return Math.floor(t / HOUR) * HOUR;
  const day = Math.floor(t / DAY) * DAY;
  if (unit === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY;
}

function expected(rows: UsageRow[], measure: Measure, from: Date, to: Date) {
  const value = (r: UsageRow) => r[measure];
  const byKey = (a: UsageRow, b: UsageRow) =>
    a.person_name < b.person_name
      ? -1
      : a.person_name > b.person_name
        ? 1
        : Date.parse(a.accessed_at) - Date.parse(b.accessed_at);
  const scatter = [...rows]
    .sort((a, b) => b.consumed_traffic - a.consumed_traffic || byKey(a, b))
    .slice(0, 10)
    .map((r) => ({
      entity: r.person_name,
      x: r.consumed_traffic,
      y: value(r),
      at: Date.parse(r.accessed_at),
    }));
  const top = topMaxima(rows, value);
  const unit = bucketFor(from, to);
  const buckets = new Map<number, number[]>();
  for (const r of rows) {
    const b = bucketStart(Date.parse(r.accessed_at), unit);
    buckets.set(b, [...(buckets.get(b) ?? []), value(r)]);
  }
  const series = [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([t, vs]) => [t, vs.reduce((s, v) => s + v, 0) / vs.length, vs.length] as const);
  const sorted = rows.map(value).sort((a, b) => a - b);
  const box = boxOf(sorted);
  const share = ageShares(rows);
  return { scatter, top, unit, series, sorted, box, share };
}

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
  await t.db.batch(
    insertSql(usage),
    ROWS.map((r) => toSqlParams(usage, r as unknown as Record<string, unknown>)),
  );
  // Every day is over: the refresh rolls up all 40.
  expect(await refreshMetricRollups(t.db, usage)).toEqual({ days: DAYS });
});
afterAll(() => t?.close());

/** The charts from the rollups (`exactRows: 0` keeps even a small selection off the row path). */
const fromRollups = (dataset: Dataset, measure: string, from: Date, to: Date): Promise<ChartsResponse> =>
  loadCharts(
    { dataset, measure: dataset.columns.find((c) => c.name === measure)!, from, to } as ChartSelection,
    'postgres',
    (q) => t.db.query(q.sql, q.params),
    { exactRows: 0 },
  );

const RANGES = [
  // Each starts and ends in the middle of a day: partial days come from rows, whole days from rollups.
  { name: 'narrow (3 days, hourly series)', from: '2025-01-10T07:30:00Z', to: '2025-01-13T16:45:00Z' },
  { name: 'wide (30 days, daily series)', from: '2025-01-04T18:00:00Z', to: '2025-02-03T05:00:00Z' },
  { name: 'all history (weekly series)', from: '2024-08-01T09:15:00Z', to: '2025-02-19T13:00:00Z' },
];

describe.each(RANGES)('usage charts from rollups, $name', ({ from: fromText, to: toText }) => {
  const from = new Date(fromText);
  const to = new Date(toText);
  const rows = inRange(from, to);

  test.each(MEASURES)(
    '%s: scatter, bar, line and pie exactly; box plot and histogram within the bin width',
    async (measure) => {
      const actual = await fromRollups(usage, measure, from, to);
      const want = expected(rows, measure, from, to);
      expect(rows.length).toBeGreaterThan(100);

      expect(actual.charts.scatter.points).toEqual(want.scatter);
      expect(actual.charts.top.bars).toEqual(want.top);

      expect(actual.charts.series.bucket).toBe(want.unit);
      expect(actual.charts.series.points.map((p) => [p[0], p[2]])).toEqual(
        want.series.map((p) => [p[0], p[2]]),
      );
      actual.charts.series.points.forEach((p, i) => expect(p[1]).toBeCloseTo(want.series[i][1], 6));

      expect(actual.charts.share.slices).toEqual(want.share);

      const box = actual.charts.box;
      expect(box.approximate).toBe(true);
      expect(actual.rows).toBe(rows.length);
      expect(box.stats).toMatchObject({ count: want.box.count, min: want.box.min, max: want.box.max });
      for (const k of ['q1', 'median', 'q3'] as const) {
        // Off by at most the width of the fine bin the quartile falls in: 2% of its value.
        expect(Math.abs(box.stats![k] - want.box[k])).toBeLessThanOrEqual(
          0.02 * Math.abs(want.box[k]) + 1e-9,
        );
      }

      const histogram = actual.charts.histogram;
      expect(histogram.approximate).toBe(true);
      expect(histogram.bins).toHaveLength(HISTOGRAM_BINS);
      expect(histogram.bins[0].from).toBe(want.box.min);
      expect(histogram.bins[HISTOGRAM_BINS - 1].to).toBe(want.box.max);
      expect(histogram.bins.reduce((s, b) => s + b.count, 0)).toBe(rows.length);
      const { min, max } = want.box;
      const width = (max - min) / HISTOGRAM_BINS;
      const exact = new Array<number>(HISTOGRAM_BINS).fill(0);
      for (const v of want.sorted) exact[Math.min(Math.floor((v - min) / width), HISTOGRAM_BINS - 1)]++;
      // A count can only be off by the values of the fine bins straddling its two edges (each fine
      // bin spans 2% of its values), and by one for rounding.
      const nearEdge = (edge: number) =>
        want.sorted.filter((v) => Math.abs(v - edge) <= 0.021 * Math.abs(edge) + 1e-9).length;
      histogram.bins.forEach((bin, i) => {
        const slack = nearEdge(min + i * width) + nearEdge(min + (i + 1) * width) + 1;
        expect(Math.abs(bin.count - exact[i])).toBeLessThanOrEqual(slack);
      });
    },
  );
});

describe('rollups and rows together', () => {
  test('a day changed since its rollup is read from the rows until the next refresh', async () => {
    const from = new Date('2025-01-05T12:00:00Z');
    const to = new Date('2025-01-25T12:00:00Z');
    const extra: UsageRow = {
      person_name: 'person 99',
      birth_date: '2001-02-03',
      accessed_at: '2025-01-15T10:00:00.000Z',
      session_duration: 99_999,
      download_speed: 5000,
      upload_speed: 1,
      consumed_traffic: 10_000,
    };
    await t.db.batch(insertSql(usage), [toSqlParams(usage, extra as unknown as Record<string, unknown>)]);
    try {
      const pending = await t.db.query<{ day: string }>(
        "SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM metric_rollup_pending WHERE dataset = 'usage'",
      );
      expect(pending.map((p) => p.day)).toEqual(['2025-01-15']);
      const rows = [...inRange(from, to), extra];
      const want = expected(rows, 'download_speed', from, to);
      const actual = await fromRollups(usage, 'download_speed', from, to);
      expect(actual.charts.top.bars[0]).toEqual({ entity: 'person 99', value: 5000 });
      expect(actual.charts.top.bars).toEqual(want.top);
      expect(actual.charts.scatter.points).toEqual(want.scatter);
      expect(actual.charts.share.slices).toEqual(want.share);
      expect(actual.charts.box.stats).toMatchObject({ count: rows.length, max: 5000 });
      await refreshMetricRollups(t.db, usage);
      const after = await fromRollups(usage, 'download_speed', from, to);
      const { series, ...rest } = after.charts;
      expect(rest.top).toEqual(actual.charts.top);
      expect(rest.scatter).toEqual(actual.charts.scatter);
      expect(rest.box).toEqual(actual.charts.box);
      expect(rest.histogram).toEqual(actual.charts.histogram);
      expect(rest.share).toEqual(actual.charts.share);
      // Sums over a day's rollup and over its rows differ in the last bits of a double only.
      expect(series.points.map((p) => [p[0], p[2]])).toEqual(
        actual.charts.series.points.map((p) => [p[0], p[2]]),
      );
      series.points.forEach((p, i) => expect(p[1]).toBeCloseTo(actual.charts.series.points[i][1], 9));
    } finally {
      await t.db.execute("DELETE FROM usage WHERE person_name = 'person 99'");
      await refreshMetricRollups(t.db, usage);
    }
  });

  test('a selection within one day reads only rows, and stays exact', async () => {
    const from = new Date('2025-01-20T03:00:00Z');
    const to = new Date('2025-01-20T21:00:00Z');
    const actual = await fromRollups(usage, 'upload_speed', from, to);
    const want = expected(inRange(from, to), 'upload_speed', from, to);
    // No whole day: the summary finds no rolled day and the charts come from the rows, exactly.
    expect(actual.charts.box.approximate).toBe(false);
    expect(actual.charts.box.stats!.median).toBeCloseTo(want.box.median, 9);
    expect(actual.charts.top.bars).toEqual(want.top);
  });

  test('a dimension pie counts the rows per value from rollups and rows', async () => {
    const categories = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const rand = random(99);
    const rows = Array.from({ length: 600 }, (_, i) => ({
      sample_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      sampled_at: new Date(START + Math.floor(rand() * 20 * DAY)).toISOString(),
      walk: Math.round(rand() * 1000) / 10,
      normal: 100 + Math.round(rand() * 300) / 10,
      category: categories[Math.floor(rand() * categories.length)],
      flag: rand() < 0.3,
      attributes: null,
    }));
    await t.db.batch(
      insertSql(samples),
      rows.map((r) => toSqlParams(samples, r)),
    );
    await refreshMetricRollups(t.db, samples);
    const from = new Date('2025-01-02T06:00:00Z');
    const to = new Date('2025-01-18T18:00:00Z');
    const actual = await fromRollups(samples, 'normal', from, to);
    const counts = new Map<string, number>();
    const selected = rows.filter((r) => {
      const at = Date.parse(r.sampled_at);
      return at >= from.getTime() && at < to.getTime();
    });
    for (const r of selected) counts.set(r.category, (counts.get(r.category) ?? 0) + 1);
    expect(actual.charts.share.kind).toBe('dimension');
    expect(new Map(actual.charts.share.slices.map((s) => [s.label, s.value]))).toEqual(counts);
    const maxima = new Map<string, number>();
    for (const r of selected) maxima.set(r.category, Math.max(maxima.get(r.category) ?? -Infinity, r.normal));
    expect(actual.charts.top.bars).toEqual(
      [...maxima]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([entity, value]) => ({ entity, value })),
    );
  });
});
