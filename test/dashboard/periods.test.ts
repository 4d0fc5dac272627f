/**
 * Periods over HTTP against the real local database: `period=all` answers from the oldest record to
 * the newest, spans of many years are accepted with a bucket that keeps the series small, and a
 * period without records says where the records are.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  AccessLogKeyResponse,
  AccessLogOverview,
  ChartsApiResponse,
} from '../../dashboard-app/src/contract';
import { bucketFor } from '../../dashboard-app/src/queries';
import { startDashboardServer, type RunningDashboard } from '../../dashboard-app/src/server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { keptRecords, loadLogHistory, loadUsageHistory, logHistory, type LogRecord } from './browser-harness';
import { loginCookie } from '../support/dashboard-login';

const PASSWORD = 'a-test-password-of-some-length';
const HOUR_MS = 3_600_000;
const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
let t: TestDatabase;
let dashboard: RunningDashboard;
let cookie: string;
let usageTimes: number[];
let kept: LogRecord[];

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${dashboard.url}${path}`, { headers: { cookie } });
  const body = (await res.json()) as T & { error?: string };
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.error}`);
  return body;
}

beforeAll(async () => {
  t = await startTestDatabase();
  usageTimes = (await loadUsageHistory(t.db)).map((d) => d.getTime());
  const records = logHistory();
  await loadLogHistory(t.db, records);
  kept = keptRecords(records);
  dashboard = await startDashboardServer({
    db: t.db,
    password: PASSWORD,
    athena: { unavailable: 'Athena is not configured here.' },
    log: () => {},
  });
  cookie = await loginCookie(dashboard.url, PASSWORD);
});
afterAll(async () => {
  await dashboard?.close();
  await t?.close();
});

describe('the time-series bucket follows the span', () => {
  test.each([
    ['2024-01-01T00:00:00Z', '2024-01-01T06:00:00Z', 'minute'],
    ['2024-01-01', '2024-01-15', 'hour'],
    ['2024-01-01', '2024-06-29', 'day'],
    ['2022-01-01', '2025-01-01', 'week'],
    ['1990-01-01', '2025-01-01', 'month'],
    ['1900-01-01', '2025-01-01', 'year'],
  ])('%s to %s: %s', (from, to, unit) => {
    expect(bucketFor(new Date(from), new Date(to))).toBe(unit);
  });
});

describe('metrics over any period', () => {
  test('period=all answers from the hour of the oldest record to the end of the newest one, every record counted', async () => {
    const body = await get<ChartsApiResponse>('/api/charts?dataset=usage&period=all');
    expect(body.period).toBe('all');
    expect(Date.parse(body.from)).toBe(hourOf(Math.min(...usageTimes)));
    expect(Date.parse(body.to)).toBe(hourOf(Math.max(...usageTimes)) + HOUR_MS);
    expect(body.rows).toBe(usageTimes.length);
    // About three years of records: weekly points (at most 157), not one per day.
    expect(body.charts.series.bucket).toBe('week');
    expect(body.charts.series.points.reduce((n, p) => n + p[2], 0)).toBe(usageTimes.length);
    expect(body.dataExtent).toBeUndefined();
  });

  test('a span of decades is accepted and answered with one point per year at most', async () => {
    const body = await get<ChartsApiResponse>('/api/charts?dataset=usage&from=1900-01-01&to=2100-01-01');
    expect(body.period).toBe('range');
    expect(body.charts.series.bucket).toBe('year');
    expect(body.charts.series.points.map((p) => new Date(p[0]).getUTCFullYear())).toEqual([2022, 2023, 2024]);
    expect(body.rows).toBe(usageTimes.length);
  });

  test('an empty period says where the records are', async () => {
    const body = await get<ChartsApiResponse>('/api/charts?dataset=usage&from=2025-01-01&to=2025-02-01');
    expect(body.empty).toBe(true);
    expect(body.dataExtent).toEqual({ oldest: Math.min(...usageTimes), newest: Math.max(...usageTimes) });
  });

  test('a dataset without any record: all time is empty, and says there is nothing anywhere', async () => {
    const body = await get<ChartsApiResponse>('/api/charts?dataset=trades&period=all');
    expect(body.period).toBe('all');
    expect(body.empty).toBe(true);
    expect(body.dataExtent).toBeNull();
  });
});

describe('access logs over any period', () => {
  const times = () => kept.map((r) => r.at.getTime());

  test('period=all counts every loaded record, in buckets of a week', async () => {
    const body = await get<AccessLogOverview>('/api/access-logs?period=all');
    expect(body.period).toBe('all');
    expect(body.engine).toBe('postgres');
    expect(Date.parse(body.from)).toBe(hourOf(Math.min(...times())));
    expect(Date.parse(body.to)).toBe(hourOf(Math.max(...times())) + HOUR_MS);
    expect(body.totals.requests).toBe(kept.length);
    expect(body.unit).toBe('week');
    expect(body.downloads.invalid).toBe(kept.filter((r) => r.status >= 400).length);
  });

  test('one year of three, by from/to, holds exactly that year', async () => {
    const body = await get<AccessLogOverview>('/api/access-logs?from=2023-01-01&to=2024-01-01');
    expect(body.totals.requests).toBe(kept.filter((r) => r.at.getUTCFullYear() === 2023).length);
    expect(body.unit).toBe('week');
  });

  test('an empty period says where the records are, for the whole view and for one key', async () => {
    const overview = await get<AccessLogOverview>('/api/access-logs?from=2025-01-01&to=2025-01-08');
    expect(overview.totals.requests).toBe(0);
    expect(overview.dataExtent).toEqual({ oldest: Math.min(...times()), newest: Math.max(...times()) });

    const key = 'files/edge/new-year.bin';
    const ofKey = kept.filter((r) => r.key === key).map((r) => r.at.getTime());
    const page = await get<AccessLogKeyResponse>(
      `/api/access-logs/key?${new URLSearchParams({ key, from: '2024-01-01', to: '2025-01-01' })}`,
    );
    expect(page.series).toEqual([]);
    expect(page.dataExtent).toEqual({ oldest: Math.min(...ofKey), newest: Math.max(...ofKey) });
    const all = await get<AccessLogKeyResponse>(
      `/api/access-logs/key?${new URLSearchParams({ key, period: 'all' })}`,
    );
    expect(all.series.reduce((n, p) => n + p.requests, 0)).toBe(ofKey.length);
  });

  test('an unknown bucket: nothing anywhere', async () => {
    const body = await get<AccessLogOverview>('/api/access-logs?period=all&bucket=no-such-bucket');
    expect(body.totals.requests).toBe(0);
    expect(body.dataExtent).toBeNull();
  });
});
