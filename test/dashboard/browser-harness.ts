/**
 * What the dashboard's browser tests share: headless Chromium, logging in, reading charts back from
 * ECharts, and a history of S3 access logs and usage records over several past years, loaded the
 * way a user loads them (access logs through the loader's own code, as `npm run load` does).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { getDataset } from '../../datasets';
import type { Database } from '../../db/database';
import { insertSql, toSqlParams } from '../../db/dataset-sql';
import { keepRecord, DEFAULT_ACCESS_LOG_RULES } from '../../lambda/loader/s3-access-log/rules';
import { startDashboardServer, type RunningDashboard } from '../../dashboard-app/src/server';
import { listFiles, loadFiles } from '../../scripts/load';
import { launchChromium as launchSystemChromium } from '../support/chromium';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

export const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'dashboard');
export const METRIC_CHARTS = ['scatter', 'top', 'series', 'box', 'histogram', 'share'];

/** Headless Chromium (test/support/chromium.ts), with the screenshot folder ready. */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return launchSystemChromium();
}

/** The local database with short retries, so that a database resuming reaches the page at once. */
export function startBrowserTestDatabase(): Promise<TestDatabase> {
  return startTestDatabase({ retry: { baseDelayMs: 10, maxDelayMs: 50, budgetMs: 300 } });
}

/** The dashboard server over `db` as the browser tests run it: without Athena, logging nothing. */
export function startTestDashboard(
  db: Database,
  password: string,
  refreshSeconds: number,
): Promise<RunningDashboard> {
  return startDashboardServer({
    db,
    password,
    athena: { unavailable: 'Athena is not available in this test.' },
    refreshSeconds,
    log: () => {},
  });
}

/** Console errors and uncaught exceptions of a page, collected into `problems`. */
export function collectProblems(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
}

export async function logIn(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/');
}

/** The title, data size and drawn canvas area of each chart, read from ECharts itself. */
export function chartState(p: Page, ids: readonly string[] = METRIC_CHARTS) {
  return p.evaluate((list) => {
    const w = window as unknown as {
      echarts: {
        getInstanceByDom(
          el: Element,
        ): { getOption(): { title: { text: string }[]; series: { data: unknown[] }[] } } | undefined;
      };
    };
    return list.map((id) => {
      const el = document.getElementById(`chart-${id}`)!;
      const chart = w.echarts.getInstanceByDom(el);
      const canvas = el.querySelector('canvas');
      return {
        id,
        title: chart?.getOption().title[0].text ?? '',
        points: chart?.getOption().series[0]?.data.length ?? 0,
        canvas: canvas ? canvas.width * canvas.height : 0,
      };
    });
  }, ids);
}

/** The data of every series of a chart, as ECharts holds it. */
export function seriesData(p: Page, id: string): Promise<unknown[][]> {
  return p.evaluate((chartId) => {
    const w = window as unknown as {
      echarts: {
        getInstanceByDom(el: Element): { getOption(): { series: { data: unknown[] }[] } } | undefined;
      };
    };
    const chart = w.echarts.getInstanceByDom(document.getElementById(`chart-${chartId}`)!);
    return (chart?.getOption().series ?? []).map((s) => s.data);
  }, id);
}

/** One S3 server access log record, as the test writes it. */
export interface LogRecord {
  readonly at: Date;
  readonly bucket: string;
  readonly key: string;
  readonly operation: string;
  readonly status: number;
  readonly bytes: number | null;
  readonly ip: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';

/** A log line in the format S3 writes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html). */
export function accessLogLine(r: LogRecord, requestId: string): string {
  const d = r.at;
  const pad = (n: number) => String(n).padStart(2, '0');
  const time =
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const verb = r.operation.split('.')[1];
  return [
    OWNER,
    r.bucket,
    `[${time}]`,
    r.ip,
    OWNER,
    requestId,
    r.operation,
    r.key,
    `"${verb} /${r.bucket}/${r.key} HTTP/1.1"`,
    String(r.status),
    r.status >= 400 ? 'NoSuchKey' : '-',
    r.bytes === null ? '-' : String(r.bytes),
    '4096',
    '70',
    '10',
    '"-"',
    '"test-agent/1.0"',
    '-',
    'aGVsbG8gaG9zdCBpZA==',
    'SigV4',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'AuthHeader',
    `${r.bucket}.s3.us-east-1.amazonaws.com`,
    'TLSv1.2',
    '-',
    '-',
  ].join(' ');
}

/** Records per year, spread over each year, plus two just inside the years' edges (UTC). */
export const LOG_YEARS: Readonly<Record<number, number>> = { 2022: 37, 2023: 53, 2024: 29 };
export const LOG_BUCKET = 'media-bucket';

/** The access log records of the history: a mix of what the loader keeps and skips. */
export function logHistory(): LogRecord[] {
  const records: LogRecord[] = [];
  for (const [yearText, count] of Object.entries(LOG_YEARS)) {
    const year = Number(yearText);
    for (let n = 0; n < count; n++) {
      const kind = n % 5;
      records.push({
        // Never on the hour: the oldest record's hour starts before it (the rollups are hourly).
        at: new Date(Date.UTC(year, n % 12, 1 + ((n * 7) % 27), (n * 5) % 24, n % 60, 7 + (n % 50))),
        bucket: LOG_BUCKET,
        key: `files/${year}/file-${n % 4}.bin`,
        operation: kind === 3 ? 'REST.PUT.OBJECT' : 'REST.GET.OBJECT',
        status: [200, 206, 304, 200, 404][kind],
        bytes: kind === 4 ? null : 1000 + n,
        ip: `192.0.2.${(n % 7) + 1}`,
      });
    }
  }
  // New Year's Eve 2022 late in UTC (2023 already in UTC+9), and the last hours of 2023 in UTC.
  const edge = (iso: string, key: string): LogRecord => ({
    at: new Date(iso),
    bucket: LOG_BUCKET,
    key,
    operation: 'REST.GET.OBJECT',
    status: 200,
    bytes: 500,
    ip: '192.0.2.9',
  });
  records.push(edge('2022-12-31T20:00:00Z', 'files/edge/new-year.bin'));
  records.push(edge('2023-12-31T16:00:00Z', 'files/edge/new-year.bin'));
  return records;
}

/** The records the loader keeps by default (GET object 200/206 and any 4xx/5xx). */
export function keptRecords(records: readonly LogRecord[]): LogRecord[] {
  return records.filter((r) =>
    keepRecord({ operation: r.operation, http_status: r.status }, DEFAULT_ACCESS_LOG_RULES),
  );
}

/**
 * Writes the records as one log file per year in a temporary folder and loads the folder through
 * the loader's code (`loadFiles`, the path of `npm run load -- s3_access_logs <folder>`).
 */
export async function loadLogHistory(db: Database, records: readonly LogRecord[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-logs-'));
  try {
    const byYear = new Map<number, string[]>();
    records.forEach((r, i) => {
      const year = r.at.getUTCFullYear();
      byYear.set(year, [...(byYear.get(year) ?? []), accessLogLine(r, `REQ${String(i).padStart(6, '0')}`)]);
    });
    for (const [year, lines] of byYear) {
      fs.writeFileSync(path.join(dir, `${year}-01-01-00-00-00-HISTORY.log`), lines.join('\n') + '\n');
    }
    const summary = await loadFiles(db, getDataset('s3_access_logs'), dir, listFiles(dir));
    if (summary.rejected > 0) throw new Error(`The loader rejected ${summary.rejected} test log lines.`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Usage records of the last week (an hour apart per `n`, plus a second per `n`); `offset` starts `n`. */
export async function addRecentUsageRows(db: Database, count: number, offset = 0): Promise<void> {
  const usage = getDataset('usage');
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    return toSqlParams(usage, {
      person_name: `person ${n % 17}`,
      birth_date: `${1950 + (n % 60)}-0${1 + (n % 9)}-1${n % 9}`,
      accessed_at: new Date(now - (n % 160) * 3_600_000 - n * 1000).toISOString(),
      session_duration: (n * 37) % 3600,
      download_speed: ((n * 7919) % 10_000) / 100,
      upload_speed: ((n * 104729) % 2_000) / 100,
      consumed_traffic: ((n * 15485863) % 100_000) / 10,
    });
  });
  await db.batch(insertSql(usage), rows);
}

/** Usage records per year (each with every measure), the metrics view's history. */
export const USAGE_YEARS: Readonly<Record<number, number>> = { 2022: 40, 2023: 60, 2024: 20 };

/** Inserts the usage history; returns each record's time. */
export async function loadUsageHistory(db: Database): Promise<Date[]> {
  const usage = getDataset('usage');
  const times: Date[] = [];
  const rows = Object.entries(USAGE_YEARS).flatMap(([yearText, count]) =>
    Array.from({ length: count }, (_, n) => {
      const at = new Date(Date.UTC(Number(yearText), n % 12, 2 + (n % 25), (n * 3) % 24, n % 60));
      times.push(at);
      return toSqlParams(usage, {
        person_name: `person ${n % 13}`,
        birth_date: `${1950 + (n % 50)}-0${1 + (n % 9)}-1${n % 9}`,
        accessed_at: at.toISOString(),
        session_duration: 60 + ((n * 37) % 3600),
        download_speed: ((n * 7919) % 10_000) / 100,
        upload_speed: ((n * 104729) % 2_000) / 100,
        consumed_traffic: ((n * 15485863) % 100_000) / 10,
      });
    }),
  );
  await db.batch(insertSql(usage), rows);
  return times;
}

/** The value of the access logs' figure card labelled `label` ("Requests"), as a number. */
export async function card(page: Page, label: string): Promise<number> {
  const text = await page.evaluate((wanted) => {
    for (const c of Array.from(document.querySelectorAll('#logs-totals .card'))) {
      if (c.querySelector('span')?.textContent === wanted)
        return c.querySelector('strong')?.textContent ?? '';
    }
    return '';
  }, label);
  return Number(text.replace(/,/g, ''));
}

/** Waits until the access logs' "Requests" card shows `expected`; says what it showed instead. */
export async function waitForRequests(page: Page, expected: number, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(
      (n) => {
        for (const c of Array.from(document.querySelectorAll('#logs-totals .card'))) {
          if (c.querySelector('span')?.textContent === 'Requests') {
            return Number((c.querySelector('strong')?.textContent ?? '').replace(/,/g, '')) === n;
          }
        }
        return false;
      },
      expected,
      { timeout },
    );
  } catch (err) {
    const shown = await card(page, 'Requests');
    const banner = await page.textContent('#banner');
    throw new Error(
      `Expected ${expected} requests; the page shows ${shown} (banner: ${JSON.stringify(banner)}).`,
      { cause: err },
    );
  }
}
