/**
 * The dashboard in real headless Chromium: log in, see six rendered charts, change the measure
 * and see them change, keep the selection across a reload, watch new rows appear by themselves,
 * the "waking up" state, the access logs and database views. Screenshots go to test-results/.
 */
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getDataset } from '../../datasets';
import { insertSql, toSqlParams } from '../../db/dataset-sql';
import { rebuildHourlyRollups } from '../../lambda/loader/s3-access-log/rollups';
import type { RunningDashboard } from '../../dashboard-app/src/server';
import type { TestDatabase } from '../support/local-database';
import {
  SHOTS,
  addRecentUsageRows,
  chartState,
  collectProblems,
  launchChromium,
  startBrowserTestDatabase,
  startTestDashboard,
} from './browser-harness';

const PASSWORD = 'browser-test-password-123';
const usage = getDataset('usage');

let t: TestDatabase;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  t = await startBrowserTestDatabase();
  await addRecentUsageRows(t.db, 400);
  dashboard = await startTestDashboard(t.db, PASSWORD, 1);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  collectProblems(page, problems);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await t?.close();
});

describe('dashboard in Chromium', () => {
  test('logs in with the password; the Secure session cookie works on http://127.0.0.1', async () => {
    await page.goto(dashboard.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.textContent('.error')).toContain('That password is not right.');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'dashboard_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
  });

  test('shows six rendered charts with titles in words', async () => {
    await page.waitForFunction(() => document.getElementById('updated')?.textContent?.startsWith('Updated'));
    const charts = await chartState(page);
    expect(charts).toHaveLength(6);
    for (const c of charts) {
      expect(c.canvas, c.id).toBeGreaterThan(0);
      expect(c.title, c.id).not.toMatch(/_/);
    }
    expect(charts.find((c) => c.id === 'top')!.title).toBe('Top 10 people by highest session duration');
    expect(charts.find((c) => c.id === 'scatter')!.points).toBe(10);
    expect(charts.find((c) => c.id === 'histogram')!.points).toBe(30);
    expect(await page.textContent('#engine-note')).toContain('Athena is not available in this test.');
    expect(await page.isDisabled('#engine')).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'metrics.png'), fullPage: true });
  });

  test('changing the measure changes every chart and the URL, and survives a reload', async () => {
    const before = await chartState(page);
    await page.selectOption('#measure', 'download_speed');
    await page.waitForFunction(
      () => document.getElementById('chart-top')?.dataset.measure === 'download_speed',
    );
    const after = await chartState(page);
    expect(after.find((c) => c.id === 'top')!.title).toBe('Top 10 people by highest download speed');
    for (const id of ['scatter', 'top', 'series', 'box', 'histogram']) {
      expect(after.find((c) => c.id === id)!.title, id).not.toBe(before.find((c) => c.id === id)!.title);
    }
    expect(new URL(page.url()).searchParams.get('measure')).toBe('download_speed');
    await page.reload();
    await page.waitForFunction(
      () => document.getElementById('chart-top')?.dataset.measure === 'download_speed',
    );
    expect(await page.inputValue('#measure')).toBe('download_speed');
    await page.screenshot({ path: path.join(SHOTS, 'metrics-download-speed.png'), fullPage: true });
  });

  test('new rows appear without a reload, and the page says when it last updated', async () => {
    const count = () => page.evaluate(() => document.getElementById('metrics-note')?.textContent ?? '');
    await page.waitForFunction(() =>
      /^400 records/.test(document.getElementById('metrics-note')?.textContent ?? ''),
    );
    const stamp = await page.getAttribute('#updated', 'data-updated-at');
    await addRecentUsageRows(t.db, 50, 10_000);
    await page.waitForFunction(
      () => /^450 records/.test(document.getElementById('metrics-note')?.textContent ?? ''),
      undefined,
      {
        timeout: 15_000,
      },
    );
    expect(await count()).toMatch(/^450 records/);
    expect(await page.getAttribute('#updated', 'data-updated-at')).not.toBe(stamp);
  });

  test('a database waking up shows "waking up" and retries instead of an error', async () => {
    t.server.simulateResuming(1_000_000);
    try {
      await page.waitForFunction(
        () => document.getElementById('banner')?.className.includes('waking'),
        undefined,
        {
          timeout: 15_000,
        },
      );
      expect(await page.textContent('#banner')).toContain('The database is waking up');
      await page.screenshot({ path: path.join(SHOTS, 'waking-up.png') });
    } finally {
      t.server.simulateResuming(0);
    }
    await page.waitForFunction(() => document.getElementById('banner')?.hidden === true, undefined, {
      timeout: 15_000,
    });
  });

  test('the access logs view and the database view render', async () => {
    await page.click('nav a[data-view="logs"]');
    await page.waitForFunction(() => document.querySelectorAll('#logs-totals .card').length === 6);
    expect(await page.isVisible('#chart-logs-series canvas')).toBe(true);
    expect(await page.textContent('#logs-tables')).toContain('Top keys');
    await page.screenshot({ path: path.join(SHOTS, 'access-logs.png'), fullPage: true });

    await page.click('nav a[data-view="database"]');
    await page.waitForFunction(() =>
      (document.getElementById('database-tables')?.textContent ?? '').includes('usage'),
    );
    expect(await page.textContent('#database-tables')).toContain('Active queries');
    await page.screenshot({ path: path.join(SHOTS, 'database.png'), fullPage: true });
  });

  test('stored HTML in person names and access-log keys stays text in tooltips, tables and titles', async () => {
    const hostile = ['<img src=x onerror=document.title=1>', '<b id=x>bold</b>'];
    const now = Date.now();
    // The highest values, so both names lead the scatter and the bar chart.
    await t.db.batch(
      insertSql(usage),
      hostile.map((name, i) =>
        toSqlParams(usage, {
          person_name: name,
          birth_date: '1990-01-01',
          accessed_at: new Date(now - 3_600_000 - i * 1000).toISOString(),
          session_duration: 7 * 24 * 3600 - i,
          download_speed: 99_999 - i,
          upload_speed: 99_999 - i,
          consumed_traffic: 1e8 - i,
        }),
      ),
    );
    await t.db.batch(
      `INSERT INTO s3_access_logs (record_id, request_id, bucket, request_time, remote_ip, requester, operation, key, http_status, bytes_sent)
       VALUES (:id, :id, 'logs-bucket', CAST(:at AS timestamptz), '198.51.100.1', :key, 'REST.GET.OBJECT', :key, 200, 100)`,
      hostile.map((key, i) => ({ id: `hostile-${i}`, at: new Date(now - 3_600_000).toISOString(), key })),
    );
    await rebuildHourlyRollups(
      t.db,
      new Date(now - 2 * 86_400_000).toISOString(),
      new Date(now).toISOString(),
    );

    /**
     * Shows the tooltip of every data item of every chart on the page; returns the text each
     * showed (tooltips are drawn on the canvas: their text is read from the chart's scene) and how
     * many injected elements appeared in the DOM along the way.
     */
    const showEveryTooltip = () =>
      page.evaluate(() => {
        interface SceneElement {
          style?: { text?: string };
          childrenRef?: () => SceneElement[];
        }
        const w = window as unknown as {
          echarts: {
            getInstanceByDom(el: Element):
              | {
                  getOption(): { series: { data: unknown[] }[] };
                  dispatchAction(a: object): void;
                  getZr(): { storage: { getRoots(): SceneElement[] } };
                }
              | undefined;
          };
        };
        const sceneText = (els: SceneElement[]): string =>
          els.map((e) => `${e.style?.text ?? ''} ${sceneText(e.childrenRef?.() ?? [])}`).join(' ');
        const texts: string[] = [];
        let injected = 0;
        for (const el of Array.from(document.querySelectorAll('.chart'))) {
          const chart = w.echarts.getInstanceByDom(el);
          if (!chart || (el as HTMLElement).offsetParent === null) continue;
          chart.getOption().series.forEach((series, seriesIndex) => {
            for (let dataIndex = 0; dataIndex < series.data.length; dataIndex++) {
              chart.dispatchAction({ type: 'showTip', seriesIndex, dataIndex });
              texts.push(`${el.textContent ?? ''} ${sceneText(chart.getZr().storage.getRoots())}`);
              injected += document.querySelectorAll('img[src="x"], b#x, #x, [onerror]').length;
            }
          });
        }
        return { texts, injected };
      });
    const injected = () =>
      page.evaluate(() => document.querySelectorAll('img[src="x"], b#x, #x, [onerror]').length);

    await page.goto(`${dashboard.url}/?view=metrics&dataset=usage&measure=session_duration&range=7d`);
    await page.waitForFunction(
      () => document.getElementById('chart-top')?.dataset.measure === 'session_duration',
    );
    await page.waitForFunction(
      () => /^452 records/.test(document.getElementById('metrics-note')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    const metricsTips = await showEveryTooltip();
    expect(metricsTips.texts.some((text) => text.includes(hostile[0]))).toBe(true);
    expect(metricsTips.texts.some((text) => text.includes(hostile[1]))).toBe(true);
    expect(metricsTips.injected).toBe(0);
    expect(await injected()).toBe(0);

    await page.goto(`${dashboard.url}/?view=logs&range=7d`);
    await page.waitForFunction(
      (name) => (document.getElementById('logs-tables')?.textContent ?? '').includes(name),
      hostile[1],
    );
    expect((await showEveryTooltip()).injected).toBe(0);
    expect(await injected()).toBe(0);

    for (const key of hostile) {
      await page.goto(`${dashboard.url}/?${new URLSearchParams({ view: 'logs', key, range: '7d' })}`);
      await page.waitForFunction(
        (k) => document.getElementById('logs-title')?.textContent === `Key: ${k}`,
        key,
      );
      await page.waitForFunction(() => document.querySelectorAll('#logs-tables tbody tr').length > 0);
      const keyTips = await showEveryTooltip();
      expect(keyTips.texts.some((text) => text.includes(key))).toBe(true);
      expect(keyTips.injected).toBe(0);
      expect(await injected()).toBe(0);
    }
    expect(await page.title()).toBe('Analytics dashboard');
  });

  test('no script errors and no Content Security Policy violations', () => {
    // The wrong password (401) and the resuming database (503) are expected answers, not errors.
    const expected = /Failed to load resource: the server responded with a status of (401|503)/;
    expect(problems.filter((p) => !expected.test(p))).toEqual([]);
  });
});
