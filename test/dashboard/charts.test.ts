/**
 * Each chart's SQL against the same numbers computed independently in plain TypeScript over the
 * same rows, on a small known dataset in the real local Postgres (through the Data API layer).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getDataset, type Dataset } from '../../datasets';
import { checkDataset } from '../../datasets/check';
import { insertSql, toSqlParams } from '../../db/dataset-sql';
import { loadCharts, shapeCharts, type ChartsResponse } from '../../dashboard-app/src/charts';
import {
  HISTOGRAM_BINS,
  chartPlan,
  chartQueries,
  partitionRange,
  type ChartSelection,
} from '../../dashboard-app/src/queries';
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
const FROM = new Date('2025-03-01T00:00:00Z');
const TO = new Date('2025-03-08T00:00:00Z');
const HOUR = 3_600_000;

const PEOPLE = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'oscar',
  'peggy',
  'trent',
];

function makeRows(): UsageRow[] {
  const rand = random(42);
  const birth = new Map(
    PEOPLE.map((p) => {
      const year = 1940 + Math.floor(rand() * 75);
      const month = 1 + Math.floor(rand() * 12);
      const day = 1 + Math.floor(rand() * 28);
      return [p, `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`];
    }),
  );
  const rows: UsageRow[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const person = PEOPLE[Math.floor(rand() * PEOPLE.length)];
    // 280 rows inside the range, 10 before it, 10 from its end on (excluded: `to` is exclusive).
    const at =
      i < 280
        ? FROM.getTime() + Math.floor(rand() * (TO.getTime() - FROM.getTime()))
        : i < 290
          ? FROM.getTime() - 1000 - Math.floor(rand() * 86_400_000)
          : TO.getTime() + Math.floor(rand() * 86_400_000);
    const key = `${person}|${at}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      person_name: person,
      birth_date: birth.get(person)!,
      accessed_at: new Date(at).toISOString(),
      session_duration: Math.floor(rand() * 7200),
      download_speed: Math.round(rand() * 100_000) / 100,
      upload_speed: Math.round(rand() * 20_000) / 100,
      // Distinct values, so rankings have no ties.
      consumed_traffic: i * 7.5 + Math.round(rand() * 500) / 100,
    });
  }
  return rows;
}

const ROWS = makeRows();
const inRange = ROWS.filter((r) => {
  const t = Date.parse(r.accessed_at);
  return t >= FROM.getTime() && t < TO.getTime();
});

type Measure = UsageMeasure;

function expected(measure: Measure) {
  const value = (r: UsageRow) => r[measure];
  const scatter = [...inRange]
    .sort((a, b) => b.consumed_traffic - a.consumed_traffic)
    .slice(0, 10)
    .map((r) => ({ entity: r.person_name, x: r.consumed_traffic, y: value(r) }));
  const top = topMaxima(inRange, value);
  const buckets = new Map<number, number[]>();
  for (const r of inRange) {
    const b = Math.floor(Date.parse(r.accessed_at) / HOUR) * HOUR;
    buckets.set(b, [...(buckets.get(b) ?? []), value(r)]);
  }
  const series = [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([t, vs]) => [t, vs.reduce((s, v) => s + v, 0) / vs.length, vs.length]);
  const sorted = inRange.map(value).sort((a, b) => a - b);
  const box = boxOf(sorted);
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const v of sorted)
    counts[Math.min(Math.floor(HISTOGRAM_BINS * ((v - lo) / (hi - lo))), HISTOGRAM_BINS - 1)]++;
  const share = ageShares(inRange);
  return { scatter, top, series, box, counts, share };
}

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
  await t.db.batch(
    insertSql(usage),
    ROWS.map((r) => toSqlParams(usage, r as unknown as Record<string, unknown>)),
  );
});
afterAll(() => t?.close());

const selection = (measure: string, from = FROM, to = TO): ChartSelection => ({
  dataset: usage,
  measure: usage.columns.find((c) => c.name === measure)!,
  from,
  to,
});

const run = (s: ChartSelection): Promise<ChartsResponse> =>
  loadCharts(s, 'postgres', (q) => t.db.query(q.sql, q.params));

describe.each(['session_duration', 'download_speed', 'upload_speed', 'consumed_traffic'] as Measure[])(
  'usage charts of %s match an independent computation',
  (measure) => {
    let actual: ChartsResponse;
    let want: ReturnType<typeof expected>;
    beforeAll(async () => {
      actual = await run(selection(measure));
      want = expected(measure);
    });

    test('scatter: the 10 records with the highest consumed traffic', () => {
      expect(actual.charts.scatter.points.map(({ entity, x, y }) => ({ entity, x, y }))).toEqual(
        want.scatter,
      );
    });

    test('bar chart: the 10 people with the highest value', () => {
      expect(actual.charts.top.bars).toEqual(want.top);
    });

    test('line chart: hourly averages and counts over the 7 days', () => {
      expect(actual.charts.series.bucket).toBe('hour');
      expect(actual.charts.series.points.map((p) => [p[0], p[2]])).toEqual(
        want.series.map((p) => [p[0], p[2]]),
      );
      actual.charts.series.points.forEach((p, i) => expect(p[1]).toBeCloseTo(want.series[i][1], 6));
    });

    test('box plot: min, quartiles (percentile_cont), max', () => {
      const stats = actual.charts.box.stats!;
      expect(actual.charts.box.approximate).toBe(false);
      expect(stats.count).toBe(inRange.length);
      for (const k of ['min', 'q1', 'median', 'q3', 'max'] as const)
        expect(stats[k]).toBeCloseTo(want.box[k], 6);
    });

    test('histogram: 30 equal bins from min to max, every row counted once', () => {
      const bins = actual.charts.histogram.bins;
      expect(bins).toHaveLength(HISTOGRAM_BINS);
      expect(bins.map((b) => b.count)).toEqual(want.counts);
      expect(bins[0].from).toBe(want.box.min);
      expect(bins[HISTOGRAM_BINS - 1].to).toBe(want.box.max);
      expect(bins.reduce((s, b) => s + b.count, 0)).toBe(inRange.length);
    });

    test('pie: people per age group, from their birth dates', () => {
      expect(actual.charts.share.kind).toBe('age');
      expect(actual.charts.share.slices).toEqual(want.share);
    });
  },
);

describe('chart responses', () => {
  test('titles and axis labels are words from the dataset definition, not column names', async () => {
    const r = await run(selection('download_speed'));
    expect(r.charts.top.title).toBe('Top 10 people by highest download speed');
    expect(r.charts.scatter.x).toEqual({ name: 'consumed_traffic', label: 'Consumed traffic', unit: 'MB' });
    expect(r.charts.share.title).toBe('Share of people by age group');
    expect(JSON.stringify(r.charts).length).toBeLessThan(100_000);
  });

  test('an empty range says so and has no statistics', async () => {
    const r = await run(
      selection('download_speed', new Date('2020-01-01T00:00:00Z'), new Date('2020-01-02T00:00:00Z')),
    );
    expect(r.empty).toBe(true);
    expect(r.rows).toBe(0);
    expect(r.charts.box.stats).toBeNull();
    expect(r.charts.histogram.bins).toEqual([]);
    expect(r.charts.scatter.points).toEqual([]);
    expect(r.charts.share.slices).toEqual([]);
  });

  test('one distinct value makes a single histogram bin instead of a division by zero', async () => {
    const one = inRange[0];
    const at = Date.parse(one.accessed_at);
    const r = await run(selection('download_speed', new Date(at), new Date(at + 1)));
    expect(r.charts.histogram.bins).toEqual([{ from: one.download_speed, to: one.download_speed, count: 1 }]);
  });

  test('a dataset without a birth date shows the share of records per value of its first dimension', async () => {
    const categories = ['alpha', 'beta', 'gamma', 'delta'];
    const rand = random(7);
    const rows = Array.from({ length: 40 }, (_, i) => ({
      sample_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      sampled_at: new Date(FROM.getTime() + i * HOUR).toISOString(),
      walk: i,
      normal: 100 + i,
      category: categories[Math.floor(rand() * 4)],
      flag: i % 3 === 0,
      attributes: null,
    }));
    await t.db.batch(
      insertSql(samples),
      rows.map((r) => toSqlParams(samples, r)),
    );
    const r = await loadCharts(
      { dataset: samples, measure: samples.columns.find((c) => c.name === 'normal')!, from: FROM, to: TO },
      'postgres',
      (q) => t.db.query(q.sql, q.params),
    );
    const want = new Map<string, number>();
    for (const row of rows) want.set(row.category, (want.get(row.category) ?? 0) + 1);
    expect(r.charts.share.kind).toBe('dimension');
    expect(new Map(r.charts.share.slices.map((s) => [s.label, s.value]))).toEqual(want);
    expect(r.charts.box.stats).toMatchObject({ count: 40, min: 100, max: 139, median: 119.5 });
  });
});

describe('Athena dialect', () => {
  const queries = chartQueries(selection('download_speed'), 'athena');

  test('every value is an execution parameter and every query bounds the dt partitions', () => {
    for (const q of Object.values(queries)) {
      expect(q).toBeDefined();
      expect((q!.sql.match(/\?/g) ?? []).length).toBe(q!.executionParameters.length);
      expect(q!.sql).toMatch(/dt >= \? AND dt <= \?/);
      expect(q!.sql).not.toMatch(/:from|:to/);
      expect(q!.params).toEqual({});
    }
    expect(queries.scatter!.executionParameters).toEqual([
      "'2025-02-28'",
      "'2025-03-07'",
      "TIMESTAMP '2025-03-01 00:00:00.000'",
      "TIMESTAMP '2025-03-08 00:00:00.000'",
    ]);
  });

  test('quartiles are approximate, histogram bins use arithmetic instead of width_bucket', () => {
    expect(queries.box!.sql).toContain('approx_percentile(');
    expect(queries.histogram!.sql).not.toContain('width_bucket');
    expect(queries.histogram!.sql).toContain('floor(30 * ');
  });

  test('partitions start a day early: a batch is filed under the day of its earliest record', () => {
    expect(partitionRange(new Date('2025-03-01T10:00:00Z'), new Date('2025-03-02T00:00:00Z'))).toEqual({
      first: '2025-02-28',
      last: '2025-03-01',
    });
  });
});

describe('the chart plan follows the dataset definition', () => {
  // The usage dataset under other column names: nothing in the plan may depend on the names.
  const renamed = (name: string) =>
    ({ consumed_traffic: 'traffic_mb', birth_date: 'born_on', person_name: 'member' })[name] ?? name;
  const network: Dataset = {
    ...usage,
    name: 'network',
    key: usage.key.map(renamed),
    entityColumn: 'member',
    referenceMeasure: 'traffic_mb',
    shareColumn: 'born_on',
    entityPlural: 'members',
    columns: usage.columns.map((c) => ({ ...c, name: renamed(c.name) })),
  };
  const measure = (d: Dataset, name: string) => d.columns.find((c) => c.name === name)!;

  test('the scatter plots against the reference measure the definition names', () => {
    for (const selected of ['session_duration', 'download_speed', 'traffic_mb']) {
      expect(chartPlan(network, measure(network, selected)).reference.name).toBe('traffic_mb');
    }
  });

  test('a date share column gives age groups per entity; the titles use the entity plural', () => {
    const plan = chartPlan(network, measure(network, 'download_speed'));
    expect(plan.share).toEqual({ kind: 'age', column: measure(network, 'born_on') });
    expect(plan.entity.name).toBe('member');
    const shaped = shapeCharts(
      { dataset: network, measure: measure(network, 'download_speed'), from: FROM, to: TO },
      'postgres',
      {},
    );
    expect(shaped.charts.top.title).toBe('Top 10 members by highest download speed');
    expect(shaped.charts.share.title).toBe('Share of members by age group');
    expect(shaped.charts.scatter.title).toBe(
      'Download speed vs consumed traffic (top 10 by consumed traffic)',
    );
  });

  test('a dimension share column gives the share of records per value', () => {
    const bySymbol: Dataset = { ...network, shareColumn: 'member' };
    expect(chartPlan(bySymbol, measure(bySymbol, 'download_speed')).share).toEqual({
      kind: 'dimension',
      column: measure(bySymbol, 'member'),
    });
  });

  test('without the fields: the first measure is the reference (the next one when it is selected), the first dimension feeds the pie', () => {
    const bare: Dataset = { ...network, referenceMeasure: undefined, shareColumn: undefined };
    expect(chartPlan(bare, measure(bare, 'download_speed')).reference.name).toBe('session_duration');
    expect(chartPlan(bare, measure(bare, 'session_duration')).reference.name).toBe('download_speed');
    expect(chartPlan(bare, measure(bare, 'download_speed')).share).toEqual({
      kind: 'dimension',
      column: measure(bare, 'member'),
    });
  });

  test('usage names its reference measure and its pie column in its definition', () => {
    expect(usage.referenceMeasure).toBe('consumed_traffic');
    expect(usage.shareColumn).toBe('birth_date');
  });

  test('a definition naming a column it does not have, or a non-measure reference, is refused at load', () => {
    expect(checkDataset({ ...network, referenceMeasure: 'nope' })).toEqual([
      'Dataset "network": referenceMeasure "nope" is not a measure of the dataset (its measures: session_duration, download_speed, upload_speed, traffic_mb).',
    ]);
    expect(checkDataset({ ...network, shareColumn: 'download_speed' })).toEqual([
      'Dataset "network": shareColumn "download_speed" is a measure; name a dimension, or a date column for age groups.',
    ]);
    expect(checkDataset({ ...network, shareColumn: 'gone' })).toEqual([
      'Dataset "network": shareColumn "gone" is not a column of the dataset.',
    ]);
  });
});
