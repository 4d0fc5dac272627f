/**
 * The access logs on Athena (the local Athena over the log bucket's Glue table) give the same
 * answers as Postgres for the same records: the records are written once as log objects where
 * S3 delivers them, read by Athena, and loaded into Postgres through the loader's code with every
 * operation kept. Statements read only the partitions of their buckets and days.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getDataset } from '../../datasets';
import { accessLogKey, accessLogOverview } from '../../dashboard-app/src/access-logs';
import {
  athenaAccessLogKey,
  athenaAccessLogOverview,
  athenaLogExtentQuery,
  athenaTrafficQuery,
} from '../../dashboard-app/src/access-logs-athena';
import { AthenaMeter, AthenaRunner } from '../../dashboard-app/src/athena';
import { extentOf } from '../../dashboard-app/src/data-extent';
import { DEFAULT_ACCESS_LOGS_PREFIX } from '../../lambda/loader/contract';
import { LOCAL_ACCOUNT_ID, startLocalAthena, type LocalAthena } from '../../local/athena/service';
import { LOCAL_LOG_BUCKET } from '../../local/ingestion';
import { listFiles, loadFiles } from '../../scripts/load';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { accessLogLine, type LogRecord } from './browser-harness';

const REGION = 'us-east-1';
const BUCKETS = ['media-bucket', 'site-bucket'];

/** Records of two buckets from December 2023 to March 2025, every kind of request. */
function history(): LogRecord[] {
  const records: LogRecord[] = [];
  for (let n = 0; n < 120; n++) {
    const kind = n % 6;
    records.push({
      at: new Date(
        Date.UTC(2023, 11 + Math.floor(n / 8), 1 + ((n * 11) % 27), (n * 5) % 24, (n * 7) % 60, 7),
      ),
      bucket: BUCKETS[n % 3 === 0 ? 1 : 0],
      key: `k/${['a', 'b', 'c', 'd', 'e'][n % 5]}.bin`,
      operation: kind === 2 ? 'REST.PUT.OBJECT' : kind === 5 ? 'REST.HEAD.OBJECT' : 'REST.GET.OBJECT',
      status: [200, 206, 200, 404, 403, 200][kind],
      bytes: kind === 3 || kind === 4 ? null : 1000 + n * 13,
      ip: `198.51.100.${(n % 5) + 1}`,
    });
  }
  return records;
}

const records = history();
let s3Root: string;
let athena: LocalAthena;
let client: AthenaClient;
let runner: AthenaRunner;
let t: TestDatabase;

beforeAll(async () => {
  s3Root = fs.mkdtempSync(path.join(os.tmpdir(), 'access-logs-athena-'));
  // One object per bucket and day, where date-based partitioning (EventTime) delivers it.
  const objects = new Map<string, string[]>();
  records.forEach((r, i) => {
    const [y, m, d] = r.at.toISOString().slice(0, 10).split('-');
    const key =
      `${DEFAULT_ACCESS_LOGS_PREFIX}${LOCAL_ACCOUNT_ID}/${REGION}/${r.bucket}/${y}/${m}/${d}/` +
      `${y}-${m}-${d}-00-00-00-${r.bucket.toUpperCase()}`;
    objects.set(key, [...(objects.get(key) ?? []), accessLogLine(r, `REQ${i}`)]);
  });
  for (const [key, lines] of objects) {
    const file = path.join(s3Root, LOCAL_LOG_BUCKET, ...key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }
  athena = await startLocalAthena({ s3Root, region: REGION });
  client = new AthenaClient({
    endpoint: athena.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  runner = new AthenaRunner({
    client,
    target: { workgroup: athena.settings.workgroup, database: athena.settings.database },
  });
  t = await startTestDatabase();
  const logs = path.join(s3Root, LOCAL_LOG_BUCKET);
  await loadFiles(t.db, getDataset('s3_access_logs'), logs, listFiles(logs), { keepAllOperations: true });
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await athena?.close();
  await t?.close();
  if (s3Root) fs.rmSync(s3Root, { recursive: true, force: true });
});

describe('access logs on Athena', () => {
  test('Postgres holds every record (all operations kept), so both engines see the same records', async () => {
    const n = await t.db.query('SELECT count(*)::int AS n FROM s3_access_logs', {});
    expect(Number(n[0].n)).toBe(records.length);
  });

  test('the overview of a year equals the one Postgres computes, list by list', async () => {
    const range = { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2025-01-01T00:00:00Z') };
    const meter = new AthenaMeter(runner);
    const lake = await athenaAccessLogOverview(meter.rows, { ...range, buckets: BUCKETS });
    const hot = await accessLogOverview(t.db, range);
    expect(lake.totals.requests).toBe(records.filter((r) => r.at >= range.from && r.at < range.to).length);
    expect(lake.unit).toBe('week');
    expect({ ...lake, engine: 'postgres' }).toEqual(hot);
    expect(meter.usage().queries).toBe(2);
    expect(meter.usage().bytesScanned).toBeGreaterThan(0);
  });

  test('one bucket, and one key of it, equal Postgres too', async () => {
    const range = { from: new Date('2023-12-01T00:00:00Z'), to: new Date('2025-04-01T00:00:00Z') };
    const meter = new AthenaMeter(runner);
    const bucket = BUCKETS[1];
    const lake = await athenaAccessLogOverview(meter.rows, { ...range, bucket, buckets: [bucket] });
    const hot = await accessLogOverview(t.db, { ...range, bucket });
    // Postgres lists every bucket beside the chosen one (its rollups hold them all); Athena reads
    // only the buckets it names.
    expect(lake.buckets).toEqual(hot.buckets.filter((b) => b.bucket === bucket));
    expect({ ...lake, engine: 'postgres', buckets: hot.buckets }).toEqual(hot);
    const key = 'k/b.bin';
    const page = await athenaAccessLogKey(meter.rows, { ...range, key, buckets: BUCKETS });
    expect(page.series.reduce((n, p) => n + p.requests, 0)).toBe(records.filter((r) => r.key === key).length);
    expect({ ...page, engine: 'postgres' }).toEqual(await accessLogKey(t.db, { ...range, key }));
  });

  test('the oldest and newest record, for all buckets and for one', async () => {
    const meter = new AthenaMeter(runner);
    const times = (rs: LogRecord[]) => rs.map((r) => r.at.getTime());
    expect(extentOf(await meter.rows(athenaLogExtentQuery({ buckets: BUCKETS })))).toEqual({
      oldest: Math.min(...times(records)),
      newest: Math.max(...times(records)),
    });
    const one = records.filter((r) => r.bucket === BUCKETS[1]);
    expect(extentOf(await meter.rows(athenaLogExtentQuery({ buckets: [BUCKETS[1]] })))).toEqual({
      oldest: Math.min(...times(one)),
      newest: Math.max(...times(one)),
    });
  });

  test('a statement reads only the days of its period and the buckets it names', async () => {
    const scanned = async (scope: Parameters<typeof athenaTrafficQuery>[0]) =>
      (await runner.run(athenaTrafficQuery(scope, 'day'))).bytesScanned;
    const month = { from: new Date('2024-03-01T00:00:00Z'), to: new Date('2024-04-01T00:00:00Z') };
    const all = await scanned({ buckets: BUCKETS });
    const oneMonth = await scanned({ buckets: BUCKETS, ...month });
    const oneBucket = await scanned({ buckets: [BUCKETS[1]] });
    expect(oneMonth).toBeGreaterThan(0);
    expect(oneMonth).toBeLessThan(all / 5);
    expect(oneBucket).toBeLessThan(all);
    const statement = athenaTrafficQuery({ buckets: BUCKETS, ...month }, 'day');
    expect(statement.sql).toContain('source_bucket IN (?, ?)');
    expect(statement.executionParameters.slice(0, 4)).toEqual([
      "'media-bucket'",
      "'site-bucket'",
      "'2024/02/29'",
      "'2024/04/02'",
    ]);
  });
});
