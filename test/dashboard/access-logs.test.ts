/**
 * The access logs view against an independent computation over a small known set of S3 access
 * log records, with the hourly rollups rebuilt by the loader's own rollup code.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accessLogKey, accessLogOverview } from '../../dashboard-app/src/access-logs';
import { rebuildHourlyRollups } from '../../lambda/loader/s3-access-log/rollups';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const FROM = new Date('2025-04-01T00:00:00Z');
const TO = new Date('2025-04-03T00:00:00Z');

interface LogRow {
  record_id: string;
  bucket: string;
  request_time: string;
  remote_ip: string;
  requester: string | null;
  operation: string;
  key: string;
  http_status: number;
  error_code: string | null;
  bytes_sent: number | null;
}

const KEYS = ['data/a.csv', 'data/b.csv', 'img/c.png', 'report 2025.pdf'];
const ROWS: LogRow[] = Array.from({ length: 90 }, (_, i) => {
  const status = i % 11 === 0 ? 403 : i % 7 === 0 ? 206 : i % 13 === 0 ? 500 : 200;
  return {
    record_id: `r${i}`,
    bucket: i % 3 === 0 ? 'logs-b' : 'logs-a',
    // 80 records in the range, 10 after it.
    request_time: new Date(
      FROM.getTime() + (i < 80 ? i * 1_800_000 : 2 * 86_400_000 + i * 60_000),
    ).toISOString(),
    remote_ip: `198.51.100.${i % 5}`,
    requester: i % 4 === 0 ? null : `arn:aws:iam::123456789012:user/u${i % 3}`,
    operation: i % 9 === 0 ? 'REST.PUT.OBJECT' : 'REST.GET.OBJECT',
    key: KEYS[i % KEYS.length],
    http_status: status,
    error_code: status === 403 ? 'AccessDenied' : status === 500 ? 'InternalError' : null,
    bytes_sent: status >= 400 ? null : 1000 + i * 17,
  };
});
const inRange = ROWS.filter((r) => Date.parse(r.request_time) < TO.getTime());

function countBy(
  rows: LogRow[],
  key: (r: LogRow) => string,
): { label: string; requests: number; bytes: number }[] {
  const map = new Map<string, { requests: number; bytes: number }>();
  for (const r of rows) {
    const k = key(r);
    const v = map.get(k) ?? { requests: 0, bytes: 0 };
    map.set(k, { requests: v.requests + 1, bytes: v.bytes + (r.bytes_sent ?? 0) });
  }
  return [...map]
    .map(([label, v]) => ({ label, ...v }))
    .sort((a, b) => b.requests - a.requests || (a.label < b.label ? -1 : 1));
}

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
  await t.db.batch(
    `INSERT INTO s3_access_logs (record_id, request_id, bucket, request_time, remote_ip, requester, operation, key, http_status, error_code, bytes_sent)
     VALUES (:record_id, :record_id, :bucket, CAST(:request_time AS timestamptz), :remote_ip, :requester, :operation, :key, :http_status, :error_code, :bytes_sent)`,
    ROWS.map((r) => ({ ...r })),
  );
  await rebuildHourlyRollups(t.db, '2025-03-01T00:00:00Z', '2025-05-01T00:00:00Z');
});
afterAll(() => t?.close());

describe('access logs overview', () => {
  test('totals and hourly series come from the rollups and match the records', async () => {
    const o = await accessLogOverview(t.db, { from: FROM, to: TO });
    expect(o.unit).toBe('hour');
    expect(o.totals).toEqual({
      requests: inRange.length,
      bytes: inRange.reduce((s, r) => s + (r.bytes_sent ?? 0), 0),
      errors: inRange.filter((r) => r.http_status >= 400).length,
    });
    const hours = new Map<number, number>();
    for (const r of inRange) {
      const h = Math.floor(Date.parse(r.request_time) / 3_600_000) * 3_600_000;
      hours.set(h, (hours.get(h) ?? 0) + 1);
    }
    expect(o.series.map((p) => [p.t, p.requests])).toEqual([...hours].sort((a, b) => a[0] - b[0]));
  });

  test('top keys, requesters, IPs, statuses, operations and error codes', async () => {
    const o = await accessLogOverview(t.db, { from: FROM, to: TO });
    expect(o.topKeys).toEqual(countBy(inRange, (r) => r.key).slice(0, 10));
    expect(o.topRequesters).toEqual(countBy(inRange, (r) => r.requester ?? '(anonymous)').slice(0, 10));
    expect(o.topIps).toEqual(countBy(inRange, (r) => r.remote_ip).slice(0, 10));
    expect(o.statuses).toEqual(countBy(inRange, (r) => String(r.http_status)));
    expect(o.operations).toEqual(countBy(inRange, (r) => r.operation));
    expect(o.errorCodes).toEqual(
      countBy(
        inRange.filter((r) => r.http_status >= 400),
        (r) => r.error_code ?? '(none)',
      ),
    );
  });

  test('full (200) and partial (206) GET object downloads, and invalid requests', async () => {
    const o = await accessLogOverview(t.db, { from: FROM, to: TO });
    const get = inRange.filter((r) => r.operation === 'REST.GET.OBJECT');
    expect(o.downloads).toEqual({
      full: get.filter((r) => r.http_status === 200).length,
      partial: get.filter((r) => r.http_status === 206).length,
      invalid: inRange.filter((r) => r.http_status >= 400).length,
    });
  });

  test('a bucket filter narrows everything to that bucket', async () => {
    const o = await accessLogOverview(t.db, { from: FROM, to: TO, bucket: 'logs-b' });
    const b = inRange.filter((r) => r.bucket === 'logs-b');
    expect(o.totals.requests).toBe(b.length);
    expect(o.topKeys).toEqual(countBy(b, (r) => r.key).slice(0, 10));
    expect(o.buckets.map((x) => x.bucket).sort()).toEqual(['logs-a', 'logs-b']);
  });
});

describe('access logs of one key', () => {
  test('history, statuses, requesters and the latest requests of the key', async () => {
    const key = 'report 2025.pdf';
    const k = await accessLogKey(t.db, { from: FROM, to: TO, key });
    const rows = inRange.filter((r) => r.key === key);
    expect(k.series.reduce((s, p) => s + p.requests, 0)).toBe(rows.length);
    expect(k.statuses).toEqual(countBy(rows, (r) => String(r.http_status)));
    expect(k.requesters).toEqual(countBy(rows, (r) => r.requester ?? r.remote_ip).slice(0, 10));
    const latest = [...rows]
      .sort((a, b) => Date.parse(b.request_time) - Date.parse(a.request_time))
      .slice(0, 20);
    expect(k.recent.map((r) => r.at)).toEqual(latest.map((r) => Date.parse(r.request_time)));
  });
});
