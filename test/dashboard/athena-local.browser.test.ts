/**
 * The dashboard's Full history switch on the local platform, in real headless Chromium: `npm start`
 * (in-process, generator off) with the local Athena; records sent to the ingest endpoint land in the
 * lake and, through the loader, in Postgres. Switching Full history on draws the six charts from
 * the lake with the bytes scanned and the cost shown, and the charts' numbers over the lake equal
 * those over Postgres for the same rows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { athenaCostUsd } from '../../dashboard-app/src/athena';
import { LOCAL_LAKE_BUCKET } from '../../local/ingestion';
import { launchChromium } from '../support/chromium';
import { startInProcess, type InProcessPlatform } from '../support/local-platform';

const CHARTS = ['scatter', 'top', 'series', 'box', 'histogram', 'share'];
const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'dashboard');
const HOUR = 3_600_000;

let running: InProcessPlatform;
let lines: Map<string, string>;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/**
 * Records whose values are multiples of 1/4 (sums, averages and quartiles are exact in binary
 * floating point whatever the summation order), one batch per day over the last three days.
 */
function batches(now: number): Record<string, unknown>[][] {
  return [0, 1, 2].map((day) =>
    Array.from({ length: 60 }, (_, i) => {
      const n = day * 60 + i;
      return {
        person_name: `person ${String(n % 13).padStart(2, '0')}`,
        birth_date: `${1950 + ((n * 7) % 60)}-0${1 + (n % 9)}-1${n % 9}`,
        accessed_at: new Date(now - (day * 24 + 2) * HOUR - i * 60_000).toISOString(),
        session_duration: 30 + ((n * 37) % 3600),
        download_speed: ((n * 7919) % 400) / 4,
        upload_speed: ((n * 104729) % 80) / 4,
        consumed_traffic: ((n * 15485863) % 4000) / 4,
      };
    }),
  );
}

/** The title and data size of each chart, read from ECharts itself. */
function chartState(p: Page) {
  return p.evaluate((ids) => {
    const w = window as unknown as {
      echarts: {
        getInstanceByDom(
          el: Element,
        ): { getOption(): { title: { text: string }[]; series: { data: unknown[] }[] } } | undefined;
      };
    };
    return ids.map((id) => {
      const chart = w.echarts.getInstanceByDom(document.getElementById(`chart-${id}`)!);
      return { id, points: chart?.getOption().series[0].data.length ?? 0 };
    });
  }, CHARTS);
}

/** Size of the lake's usage objects, as the S3 stand-in stores them. */
function lakeUsageBytes(): number {
  const root = path.join(running.dataDir, 'ingestion', 's3', LOCAL_LAKE_BUCKET, 'raw', 'usage');
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  running = await startInProcess('athena-local-browser-');
  lines = running.lines;

  const now = Date.now();
  for (const batch of batches(now)) {
    const res = await fetch(`${lines.get('ingest endpoint')}/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  // The loader reads the new lake objects into Postgres.
  expect(await running.waitForRows('usage', 180)).toBe(180);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
});

describe('Full history on the local platform, in Chromium', () => {
  test('npm start runs the local Athena and prints its endpoint', () => {
    expect(lines.get('athena endpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_ENDPOINT_URL_ATHENA).toBe(lines.get('athena endpoint'));
  });

  test('switching Full history on draws the six charts over the lake, with the bytes scanned and the cost', async () => {
    await page.goto(lines.get('dashboard')!);
    await page.fill('#password', lines.get('password')!);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/');
    await page.waitForFunction(() => document.getElementById('updated')?.textContent?.startsWith('Updated'));
    expect(await page.isDisabled('#engine')).toBe(false);
    expect(await page.isHidden('#athena-cost')).toBe(true);

    await page.click('#engine');
    await page.waitForURL((url) => url.searchParams.get('engine') === 'athena');
    // Each of the six queries reads the three daily batches; the histogram reads them twice.
    const scanned = 7 * lakeUsageBytes();
    const expected = scanned < 1024 ? `${scanned} B` : `${(scanned / 1024).toFixed(1)} KB`;
    await page.waitForFunction(
      (text) =>
        document
          .getElementById('athena-cost')
          ?.textContent?.startsWith(`Athena scanned ${text} for these charts`),
      expected,
      { timeout: 30_000 },
    );
    // Five queries read the batches once and the histogram twice; each is billed at least 10 MB.
    const cost = 5 * athenaCostUsd(scanned / 7) + athenaCostUsd((2 * scanned) / 7);
    expect(await page.textContent('#athena-cost')).toContain(
      `costing $${cost.toFixed(4)} ($5 per TB scanned, at least 10 MB per query)`,
    );
    const charts = await chartState(page);
    expect(charts.find((c) => c.id === 'scatter')!.points).toBe(10);
    expect(charts.find((c) => c.id === 'top')!.points).toBe(10);
    expect(charts.find((c) => c.id === 'histogram')!.points).toBe(30);
    for (const c of charts) expect(c.points, c.id).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'athena-local.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  test("the charts' numbers over the lake equal those over Postgres for the same rows", async () => {
    const to = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    // Not the page's range, so the dashboard's cache of the page's queries does not answer.
    const from = new Date(to.getTime() - 6 * 24 * HOUR);
    for (const measure of ['session_duration', 'download_speed', 'consumed_traffic']) {
      const answers = await page.evaluate(
        async ({ from, to, measure }) => {
          const get = async (engine: string) => {
            const q = new URLSearchParams({ dataset: 'usage', measure, from, to, engine });
            const res = await fetch(`/api/charts?${q}`, { headers: { Accept: 'application/json' } });
            return { status: res.status, body: (await res.json()) as Record<string, unknown> };
          };
          return { athena: await get('athena'), postgres: await get('postgres') };
        },
        { from: from.toISOString(), to: to.toISOString(), measure },
      );
      expect(answers.athena.status, JSON.stringify(answers.athena.body)).toBe(200);
      expect(answers.postgres.status).toBe(200);
      const { engine: _a, athena, updatedAt: _u1, ...lake } = answers.athena.body;
      const { engine: _p, updatedAt: _u2, ...hot } = answers.postgres.body;
      expect((athena as { bytesScanned: number }).bytesScanned).toBeGreaterThan(0);
      expect(lake.rows).toBe(180);
      // Only the label differs: Athena's quartiles are marked approximate.
      const charts = lake.charts as { box: { approximate: boolean } };
      expect(charts.box.approximate).toBe(true);
      charts.box.approximate = false;
      expect(lake, measure).toEqual(hot);
    }
  });
});
