/**
 * Periods in real headless Chromium, on a history of several past years: S3 access logs of 2022,
 * 2023 and 2024 loaded through the loader's code, and usage records of the same years. "All time"
 * shows every year; a custom period (entered in the browser's time zone, here Asia/Tokyo, UTC+9)
 * shows exactly the records it holds, counted here from the records the test wrote; the choice
 * stays in the URL; an empty period says where the data is and offers all time.
 */
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningDashboard } from '../../dashboard-app/src/server';
import type { TestDatabase } from '../support/local-database';
import {
  SHOTS,
  card,
  collectProblems,
  keptRecords,
  launchChromium,
  startBrowserTestDatabase,
  startTestDashboard,
  loadLogHistory,
  loadUsageHistory,
  logHistory,
  logIn,
  waitForRequests,
  seriesData,
  type LogRecord,
} from './browser-harness';

const PASSWORD = 'periods-test-password-123';
const ZONE = 'Asia/Tokyo';
const DAY_MS = 86_400_000;
/** 2023 in Tokyo: from 2023-01-01 00:00 to 2024-01-01 00:00 local time (UTC+9, no daylight saving). */
const TOKYO_2023 = { from: Date.parse('2022-12-31T15:00:00Z'), to: Date.parse('2023-12-31T15:00:00Z') };

let t: TestDatabase;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
let kept: LogRecord[];
let usageTimes: Date[];
const problems: string[] = [];

const inTokyo2023 = (at: Date) => at.getTime() >= TOKYO_2023.from && at.getTime() < TOKYO_2023.to;
/** A calendar date as the browser shows it in Tokyo. */
const tokyoDate = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(at);

/** Waits until the current view has answered for the URL it shows now. */
async function settled(): Promise<void> {
  await page.waitForFunction(() => document.getElementById('updated')?.textContent?.startsWith('Updated'), {
    timeout: 15_000,
  });
}

async function chooseCustom(from: string, to: string): Promise<void> {
  await page.selectOption('#range', 'custom', { timeout: 5_000 });
  await page.fill('#period-from', from);
  await page.fill('#period-to', to);
  await page.getByRole('button', { name: 'Apply' }).click();
}

beforeAll(async () => {
  t = await startBrowserTestDatabase();
  const records = logHistory();
  await loadLogHistory(t.db, records);
  kept = keptRecords(records);
  usageTimes = await loadUsageHistory(t.db);
  dashboard = await startTestDashboard(t.db, PASSWORD, 2);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: ZONE });
  collectProblems(page, problems);
  await logIn(page, dashboard.url, PASSWORD);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await t?.close();
});

describe('periods in Chromium, over access logs of 2022, 2023 and 2024', () => {
  test('the test data spans the three years, and 2023 in Tokyo holds only part of it', () => {
    const years = new Set(kept.map((r) => r.at.getUTCFullYear()));
    expect([...years].sort()).toEqual([2022, 2023, 2024]);
    const in2023 = kept.filter((r) => inTokyo2023(r.at)).length;
    expect(in2023).toBeGreaterThan(0);
    expect(in2023).toBeLessThan(kept.length);
  });

  test('an empty recent period says where the newest record is and offers all time', async () => {
    await page.goto(`${dashboard.url}/?view=logs&range=7d`);
    const newest = new Date(Math.max(...kept.map((r) => r.at.getTime())));
    await page.waitForFunction(
      () => (document.getElementById('period-hint')?.textContent ?? '').includes('Newest record'),
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.textContent('#period-hint')).toContain(`Newest record: ${tokyoDate(newest)}`);
    await page.getByRole('button', { name: 'Show all time' }).click();
    await waitForRequests(page, kept.length);
    expect(new URL(page.url()).searchParams.get('range')).toBe('all');
    expect(await page.isHidden('#period-hint')).toBe(true);
  });

  test('"All time" shows every record of every year, in the table and the traffic chart', async () => {
    await page.goto(`${dashboard.url}/?view=logs&range=7d`);
    await settled();
    await page.selectOption('#range', 'all', { timeout: 5_000 });
    await waitForRequests(page, kept.length);
    expect(new URL(page.url()).searchParams.get('range')).toBe('all');
    expect(await card(page, 'Errors')).toBe(kept.filter((r) => r.status >= 400).length);
    const [requests] = (await seriesData(page, 'logs-series')) as [number, number][][];
    // Weekly points (weeks start on Monday: the first may start in the last days of 2021).
    expect(new Set(requests.map(([at]) => new Date(at + 6 * DAY_MS).getUTCFullYear()))).toEqual(
      new Set([2022, 2023, 2024]),
    );
    const oldest = Math.min(...kept.map((r) => r.at.getTime()));
    expect(requests[0][0]).toBeLessThanOrEqual(oldest);
    expect(requests[0][0] + 7 * DAY_MS).toBeGreaterThan(oldest);
    expect(requests.reduce((sum, [, n]) => sum + n, 0)).toBe(kept.length);
    await page.screenshot({ path: path.join(SHOTS, 'access-logs-all-time.png'), fullPage: true });
  });

  test('a custom period shows the time zone and exactly the records it holds, and survives a reload', async () => {
    await page.goto(`${dashboard.url}/?view=logs&range=7d`);
    await settled();
    await chooseCustom('2023-01-01T00:00', '2024-01-01T00:00');
    const expected = kept.filter((r) => inTokyo2023(r.at));
    await waitForRequests(page, expected.length);
    expect(await page.textContent('#period-zone')).toContain(ZONE);
    const url = new URL(page.url());
    expect(url.searchParams.get('range')).toBe('custom');
    expect(url.searchParams.get('from')).toBe(new Date(TOKYO_2023.from).toISOString());
    expect(url.searchParams.get('to')).toBe(new Date(TOKYO_2023.to).toISOString());
    expect(await card(page, 'Errors')).toBe(expected.filter((r) => r.status >= 400).length);
    await page.screenshot({ path: path.join(SHOTS, 'access-logs-custom-2023.png'), fullPage: true });

    await page.reload();
    await waitForRequests(page, expected.length);
    expect(await page.inputValue('#range')).toBe('custom');
    expect(await page.inputValue('#period-from')).toBe('2023-01-01T00:00');
    expect(await page.inputValue('#period-to')).toBe('2024-01-01T00:00');
  });

  test("a key's page keeps the period, and counts that key's records in it", async () => {
    const key = 'files/edge/new-year.bin';
    await page.goto(
      `${dashboard.url}/?${new URLSearchParams({
        view: 'logs',
        key,
        range: 'custom',
        from: new Date(TOKYO_2023.from).toISOString(),
        to: new Date(TOKYO_2023.to).toISOString(),
      })}`,
    );
    const expected = kept.filter((r) => r.key === key && inTokyo2023(r.at)).length;
    // Of the two New Year's Eve records, only the one of 2022 in UTC falls in 2023 in Tokyo.
    expect(expected).toBe(1);
    await waitForRequests(page, expected);
    expect(await page.textContent('#logs-title')).toBe(`Key: ${key}`);
    await page.selectOption('#range', 'all', { timeout: 5_000 });
    await waitForRequests(page, kept.filter((r) => r.key === key).length);
    expect(new URL(page.url()).searchParams.get('key')).toBe(key);
  });

  test('the metrics view offers the same periods: all time and a custom year', async () => {
    const note = () => page.textContent('#metrics-note');
    const waitForRecords = (n: number) =>
      page.waitForFunction(
        (count) =>
          new RegExp(`^${count.toLocaleString('en')} records`).test(
            document.getElementById('metrics-note')?.textContent ?? '',
          ),
        n,
        { timeout: 15_000 },
      );
    await page.goto(`${dashboard.url}/?view=metrics&dataset=usage&range=7d`);
    await page.waitForFunction(
      () => (document.getElementById('period-hint')?.textContent ?? '').includes('Newest record'),
      undefined,
      { timeout: 15_000 },
    );
    const newest = new Date(Math.max(...usageTimes.map((d) => d.getTime())));
    expect(await page.textContent('#period-hint')).toContain(`Newest record: ${tokyoDate(newest)}`);

    await page.selectOption('#range', 'all', { timeout: 5_000 });
    await waitForRecords(usageTimes.length);
    const [series] = (await seriesData(page, 'series')) as [number, number][][];
    expect(new Set(series.map(([at]) => new Date(at + 6 * DAY_MS).getUTCFullYear()))).toEqual(
      new Set([2022, 2023, 2024]),
    );

    await chooseCustom('2023-01-01T00:00', '2024-01-01T00:00');
    await waitForRecords(usageTimes.filter(inTokyo2023).length);
    expect(await note()).toMatch(new RegExp(`^${usageTimes.filter(inTokyo2023).length} records`));
    await page.screenshot({ path: path.join(SHOTS, 'metrics-custom-2023.png'), fullPage: true });
  });

  test('a custom period whose end is not after its start is refused on the page, naming the fields', async () => {
    await page.goto(`${dashboard.url}/?view=logs&range=7d`);
    await settled();
    await chooseCustom('2024-01-01T00:00', '2023-01-01T00:00');
    await page.waitForFunction(
      () => (document.getElementById('period-error')?.textContent ?? '') !== '',
      undefined,
      { timeout: 5_000 },
    );
    expect(await page.textContent('#period-error')).toMatch(/"To" must be after "From"/);
    expect(new URL(page.url()).searchParams.get('range')).toBe('7d');
  });

  test('no script errors', () => {
    expect(problems).toEqual([]);
  });
});
