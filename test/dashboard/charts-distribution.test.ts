/**
 * Quartiles and histograms from fine bins: the bins Postgres assigns (`metric_rollup_bin`) hold the
 * values the dashboard decodes for them, and the estimates stay within the width of a bin of the
 * exact figures computed here.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  approximateHistogram,
  approximateQuartiles,
  binBounds,
  type FineBin,
} from '../../dashboard-app/src/distribution';
import { percentile } from '../support/chart-truth';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());

/** The fine histogram Postgres computes for `values`. */
async function fineBins(values: number[]): Promise<FineBin[]> {
  return t.db.query<{ bin: number; n: number }>(
    `SELECT metric_rollup_bin(v) AS bin, CAST(count(*) AS integer) AS n
     FROM jsonb_array_elements_text(CAST(:values AS jsonb)) AS e(value),
          LATERAL (SELECT CAST(e.value AS double precision) AS v) x
     GROUP BY 1 ORDER BY 1`,
    { values: JSON.stringify(values) },
  );
}

describe('fine bins', () => {
  test('each value lies within the bounds of the bin Postgres gives it, from 5e-324 to 1.7e308', async () => {
    const values = [5e-324, 1e-300, 1e-9, 0.013, 1, 1.02, 1.5, 99.99, 12345.678, 1e15, 1.7e308];
    const withNegatives = [...values, ...values.map((v) => -v), 0];
    for (const v of withNegatives) {
      const [{ bin }] = await fineBins([v]);
      const [lo, hi] = binBounds(bin);
      if (v === 0) expect([lo, hi]).toEqual([0, 0]);
      else {
        // A bound may round by one unit in the last place.
        expect(v).toBeGreaterThanOrEqual(lo - Math.abs(lo) * 1e-12 - Number.MIN_VALUE);
        expect(v).toBeLessThanOrEqual(hi + Math.abs(hi) * 1e-12 + Number.MIN_VALUE);
        // Between the denormals and the largest doubles, a bin spans 2% of its values.
        if (Math.abs(v) >= 1e-300 && Math.abs(v) <= 1e300)
          expect(Math.max(Math.abs(lo), Math.abs(hi)) / Math.min(Math.abs(lo), Math.abs(hi))).toBeCloseTo(
            1.02,
            9,
          );
      }
      expect(Math.sign(bin)).toBe(Math.sign(v));
    }
  });

  test('bins sort as their values do', async () => {
    const values = [-1000, -3.5, -1, -0.001, 0, 0.001, 1, 3.5, 1000];
    const bins = await Promise.all(values.map(async (v) => (await fineBins([v]))[0].bin));
    expect([...bins].sort((a, b) => a - b)).toEqual(bins);
  });
});

describe('estimates from fine bins', () => {
  const skewed = Array.from({ length: 5000 }, (_, i) => Math.round(((i * 7919) % 5000) ** 1.7) / 100 - 50);

  test('quartiles are within 2% of the exact percentile_cont values', async () => {
    const sorted = [...skewed].sort((a, b) => a - b);
    const min = sorted[0];
    const max = sorted[sorted.length - 1];
    const estimate = approximateQuartiles(await fineBins(skewed), min, max);
    for (const [p, key] of [
      [0.25, 'q1'],
      [0.5, 'median'],
      [0.75, 'q3'],
    ] as const) {
      const exact = percentile(sorted, p);
      expect(Math.abs(estimate[key] - exact)).toBeLessThanOrEqual(0.02 * Math.abs(exact) + 1e-9);
    }
  });

  test('the histogram counts every value once and each bin within the values near its edges', async () => {
    const sorted = [...skewed].sort((a, b) => a - b);
    const min = sorted[0];
    const max = sorted[sorted.length - 1];
    const counts = approximateHistogram(await fineBins(skewed), min, max, 30);
    expect(counts).toHaveLength(30);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(skewed.length);
    const width = (max - min) / 30;
    const exact = new Array<number>(30).fill(0);
    for (const v of sorted) exact[Math.min(Math.floor((v - min) / width), 29)]++;
    const near = (edge: number) => sorted.filter((v) => Math.abs(v - edge) <= 0.021 * Math.abs(edge)).length;
    counts.forEach((c, i) =>
      expect(Math.abs(c - exact[i])).toBeLessThanOrEqual(
        near(min + i * width) + near(min + (i + 1) * width) + 1,
      ),
    );
  });

  test('one distinct value is one bin; a constant never leaves [min, max]', async () => {
    const bins = await fineBins([7, 7, 7]);
    expect(approximateHistogram(bins, 7, 7, 30)).toEqual([3]);
    expect(approximateQuartiles(bins, 7, 7)).toEqual({ q1: 7, median: 7, q3: 7 });
  });

  test('two values far apart: the extremes are exact and the middle is interpolated between them', async () => {
    const bins = await fineBins([1, 1000]);
    const q = approximateQuartiles(bins, 1, 1000);
    expect(q.median).toBeCloseTo(500.5, 9);
    expect(approximateHistogram(bins, 1, 1000, 30)).toEqual([1, ...new Array<number>(28).fill(0), 1]);
  });
});
