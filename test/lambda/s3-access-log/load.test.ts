import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDataset } from '../../../datasets';
import type { Database } from '../../../db/database';
import { loadObject, type ObjectReader } from '../../../lambda/loader/load-object';
import { s3AccessLogParser } from '../../../lambda/loader/s3-access-log/object-parser';
import { HourlyRollupTracker } from '../../../lambda/loader/s3-access-log/rollups';
import type { ParseResult } from '../../../lambda/loader/types';
import { listFiles, loadFiles, parseArguments } from '../../../scripts/load';
import { startTestDatabase, type TestDatabase } from '../../support/local-database';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/s3-access-logs');
const dataset = getDataset('s3_access_logs');

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

async function reset() {
  await t.pg.exec('TRUNCATE s3_access_logs, s3_access_log_hourly, loaded_objects, rejected_rows');
}

async function count(table: string): Promise<number> {
  const r = await t.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return r.rows[0].n;
}

/** The rollups as the table holds them, and as a full recomputation from the base table gives them. */
async function rollupsAndTruth() {
  const held = await t.pg.query(
    `SELECT bucket, hour, requests, bytes_sent, errors, server_errors, distinct_keys, distinct_requesters, distinct_remote_ips
     FROM s3_access_log_hourly ORDER BY bucket, hour`,
  );
  const truth = await t.pg.query(
    `SELECT bucket, date_trunc('hour', request_time, 'UTC') AS hour, count(*) AS requests,
       coalesce(sum(bytes_sent), 0)::bigint AS bytes_sent,
       count(*) FILTER (WHERE http_status >= 400) AS errors,
       count(*) FILTER (WHERE http_status >= 500) AS server_errors,
       count(DISTINCT key) AS distinct_keys, count(DISTINCT requester) AS distinct_requesters,
       count(DISTINCT remote_ip) AS distinct_remote_ips
     FROM s3_access_logs GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return { held: held.rows, truth: truth.rows };
}

/** Reads fixture files as objects of the log bucket. */
function folderReader(etag = (file: string) => `etag-${path.basename(file)}`): ObjectReader {
  return {
    async getObjectStream(_bucket, key) {
      const file = path.join(FIXTURES, key.replace(/^s3-access-logs\//, ''));
      if (!fs.existsSync(file)) return undefined;
      return { body: fs.createReadStream(file), etag: etag(file) };
    },
  };
}

const routing = { lakeBucket: 'lake', logBucket: 'logs' };
const quiet = { info: () => undefined, warn: () => undefined };

describe('loading the fixture folder (npm run load -- s3_access_logs <folder>)', () => {
  beforeEach(reset);

  it('loads, skips and rejects exactly as the rules say, and a second run adds no row', async () => {
    const files = listFiles(FIXTURES);
    expect(files.map((f) => path.basename(f))).toEqual([
      '2014-02-06-old-vintage.log',
      '2019-02-06-00-00-00-current.log',
      '2024-03-08-09-00-00-mixed-crlf.log',
      '2024-03-09-00-00-00-compressed.log.gz',
    ]);
    const first = await loadFiles(t.db, dataset, FIXTURES, files);
    // current: 6 kept (+1 re-delivered duplicate), 3 skipped by the rule; old vintage: 4 kept, 1 PUT
    // skipped; CRLF: 3 kept, 2 blank, 4 rejected; gzip: 2 kept, 1 PUT skipped.
    expect(first).toEqual({ files: 4, lines: 27, loaded: 15, skipped: 8, rejected: 4, alreadyLoaded: 0 });
    expect(await count('s3_access_logs')).toBe(15);
    expect(await count('rejected_rows')).toBe(4);
    const before = await rollupsAndTruth();

    const second = await loadFiles(t.db, dataset, FIXTURES, files);
    expect(second).toEqual({ files: 4, lines: 27, loaded: 0, skipped: 0, rejected: 0, alreadyLoaded: 4 });
    expect(await count('s3_access_logs')).toBe(15);
    expect(await rollupsAndTruth()).toEqual(before);
  });

  it('keeps rejected lines with their line number, reason and raw text', async () => {
    await loadFiles(t.db, dataset, FIXTURES, listFiles(FIXTURES));
    const rejected = await t.pg.query<{
      object_key: string;
      line_number: number;
      reason: string;
      raw_line: string;
    }>('SELECT object_key, line_number, reason, raw_line FROM rejected_rows ORDER BY line_number');
    expect(rejected.rows.map((r) => [r.object_key, r.line_number])).toEqual([
      ['s3-access-logs/2024-03-08-09-00-00-mixed-crlf.log', 3],
      ['s3-access-logs/2024-03-08-09-00-00-mixed-crlf.log', 4],
      ['s3-access-logs/2024-03-08-09-00-00-mixed-crlf.log', 6],
      ['s3-access-logs/2024-03-08-09-00-00-mixed-crlf.log', 9],
    ]);
    expect(rejected.rows[0].reason).toMatch(/Field 3 \(Time\) is "\[08\/Foo\/2024:09:00:01 \+0000\]"/);
    expect(rejected.rows[1].reason).toMatch(/Field 17 \(User-Agent\).*closing quote is missing/);
    expect(rejected.rows[2].reason).toMatch(/Field 10 \(HTTP status\) is "abc"/);
    expect(rejected.rows[3].raw_line).toBe('hello world');
  });

  it('stores every field typed, with - as NULL, across vintages', async () => {
    await loadFiles(t.db, dataset, FIXTURES, listFiles(FIXTURES));
    const rows = await t.pg.query<Record<string, unknown>>(
      `SELECT request_id, request_time, http_status, bytes_sent, object_size, key, key_decoded, user_agent, referer,
              version_id, host_id, tls_version, acl_required, source_region, remote_ip, requester
       FROM s3_access_logs ORDER BY request_id`,
    );
    const byId = new Map(rows.rows.map((r) => [r.request_id as string, r]));
    expect(byId.get('BC3C074D0EXAMPLE')).toMatchObject({
      request_time: new Date('2014-02-06T00:03:21Z'),
      http_status: 200,
      bytes_sent: 4406583,
      host_id: null,
      acl_required: null,
      source_region: null,
    });
    expect(byId.get('C1000000000000005')).toMatchObject({
      key: 'docs/user%20guide%E2%82%AC.pdf',
      key_decoded: 'docs/user guide€.pdf',
      user_agent: 'Mozilla/5.0 (compatible; "quoted" agent) back\\slash',
      referer: 'https://example.com/search?q=a b',
      acl_required: false,
      source_region: 'us-east-1',
    });
    expect(byId.get('C1000000000000007')).toMatchObject({
      http_status: 500,
      key: null,
      remote_ip: null,
      requester: null,
      bytes_sent: null,
      user_agent: null,
      source_region: null,
    });
    expect(byId.get('B1000000000000004')).toMatchObject({ tls_version: 'TLSv1.1', acl_required: null });
    expect(byId.get('B1000000000000005')).toMatchObject({ source_region: 'us-east-1', http_status: 206 });
  });
});

describe('idempotent reload of the same object', () => {
  beforeEach(reset);

  it('adds no row and leaves the rollups unchanged when the object is delivered again under a new ETag', async () => {
    const ref = { bucket: 'logs', key: 's3-access-logs/2019-02-06-00-00-00-current.log' };
    const first = await loadObject({ reader: folderReader(), db: t.db, routing, log: quiet }, ref);
    expect(first).toMatchObject({ status: 'loaded', rowsInserted: 6, rowsSkipped: 4, rowsRejected: 0 });
    const before = await rollupsAndTruth();
    expect(before.held).toEqual(before.truth);

    const again = await loadObject(
      { reader: folderReader(() => 'another-etag'), db: t.db, routing, log: quiet },
      ref,
    );
    expect(again).toMatchObject({ status: 'loaded', rowsInserted: 0, rowsSkipped: 10 });
    expect(await count('s3_access_logs')).toBe(6);
    expect(await rollupsAndTruth()).toEqual(before);
  });
});

describe('hourly rollups', () => {
  beforeEach(reset);

  it.each([1, 2, 3, 250])(
    'equal a full recomputation whatever the batch size (%i rows per batch)',
    async (batchSize) => {
      for (const file of listFiles(FIXTURES)) {
        await loadObject(
          { reader: folderReader(), db: t.db, routing, log: quiet, batchSize },
          { bucket: 'logs', key: `s3-access-logs/${path.basename(file)}` },
        );
      }
      const { held, truth } = await rollupsAndTruth();
      expect(held.length).toBeGreaterThan(5);
      expect(held).toEqual(truth);
    },
  );

  it('counts requests, bytes, errors and distinct keys, requesters and IPs for an hour', async () => {
    await loadObject(
      { reader: folderReader(), db: t.db, routing, log: quiet },
      { bucket: 'logs', key: 's3-access-logs/2019-02-06-00-00-00-current.log' },
    );
    const hour = await t.pg.query<Record<string, unknown>>(
      `SELECT requests, bytes_sent, errors, server_errors, distinct_keys, distinct_requesters, distinct_remote_ips
       FROM s3_access_log_hourly WHERE bucket = 'amzn-s3-demo-bucket1' AND hour = '2019-02-06T01:00:00Z'`,
    );
    // 01:05 HEAD 404 (missing.txt, canonical requester) and 01:06 list 403 (no key, IAM requester).
    expect(hour.rows).toEqual([
      {
        requests: 2,
        bytes_sent: 243,
        errors: 2,
        server_errors: 0,
        distinct_keys: 1,
        distinct_requesters: 2,
        distinct_remote_ips: 1,
      },
    ]);
  });

  it('recomputes an hour touched again after the load moved past it (out-of-order rows)', async () => {
    const recomputed: string[][] = [];
    // Records the hours of each recompute; the lock statement before it returns nothing.
    const db: Database = {
      query: async () => [],
      batch: async () => ({ statements: 0, requests: 0 }),
      transaction: (work) => work(db),
      execute: async (_sql: string, params?: Record<string, unknown>) => {
        recomputed.push((JSON.parse(String(params?.touched)) as { hour: string }[]).map((h) => h.hour));
        return { rows: [], numberOfRecordsUpdated: 0 };
      },
    };
    const tracker = new HourlyRollupTracker();
    const row = (time: string) => ({ bucket: 'b', request_time: time });
    await tracker.afterBatch(db, [row('2024-01-01T10:10:00Z'), row('2024-01-01T10:20:00Z')], false);
    expect(recomputed).toEqual([]);
    await tracker.afterBatch(db, [row('2024-01-01T11:00:00Z'), row('2024-01-01T10:59:00Z')], false);
    expect(recomputed).toEqual([['2024-01-01T10:00:00Z']]);
    await tracker.afterBatch(db, [row('2024-01-01T10:30:00Z'), row('2024-01-01T11:30:00Z')], false);
    expect(recomputed).toEqual([['2024-01-01T10:00:00Z'], ['2024-01-01T10:00:00Z']]);
    expect(tracker.pendingHours).toEqual([{ bucket: 'b', hour: '2024-01-01T11:00:00Z' }]);
    await tracker.afterBatch(db, [row('2024-01-01T11:40:00Z')], true);
    expect(recomputed.at(-1)).toEqual(['2024-01-01T11:00:00Z']);
    expect(tracker.pendingHours).toEqual([]);
  });
});

describe('s3AccessLogParser', () => {
  async function* linesOf(file: string) {
    for (const line of fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').slice(0, -1))
      yield line;
  }
  async function kinds(results: AsyncIterable<ParseResult>) {
    const counts = { row: 0, skipped: 0, rejected: 0 };
    for await (const r of results) counts[r.kind]++;
    return counts;
  }

  it('keeps GET object 200/206 and 4xx/5xx by default, everything with keepAllOperations', async () => {
    const file = '2019-02-06-00-00-00-current.log';
    expect(await kinds(s3AccessLogParser(dataset).parse(linesOf(file)))).toEqual({
      row: 7,
      skipped: 3,
      rejected: 0,
    });
    expect(await kinds(s3AccessLogParser(dataset, { keepAllOperations: true }).parse(linesOf(file)))).toEqual(
      { row: 10, skipped: 0, rejected: 0 },
    );
  });

  it('gives a re-delivered record the same record_id, and distinct records distinct ones', async () => {
    const ids: string[] = [];
    for await (const r of s3AccessLogParser(dataset).parse(linesOf('2019-02-06-00-00-00-current.log'))) {
      if (r.kind === 'row') ids.push(r.row.record_id as string);
    }
    expect(ids[0]).toBe(ids[ids.length - 1]);
    expect(new Set(ids).size).toBe(ids.length - 1);
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a dataset of another format', () => {
    expect(() => s3AccessLogParser(getDataset('usage'))).toThrow(/format is "ndjson"/);
  });
});

describe('npm run load arguments', () => {
  it.each([
    [['nope', FIXTURES], /Unknown dataset "nope"\. Known datasets: .*s3_access_logs/],
    [['s3_access_logs'], /Expected a dataset and a file or folder, got 1/],
    [['s3_access_logs', '/does/not/exist'], /\/does\/not\/exist does not exist/],
    [['s3_access_logs', FIXTURES, '--fast'], /Unknown option --fast/],
    [
      ['s3_access_logs', FIXTURES, '--local-url', 'localhost'],
      /--local-url needs an http\(s\) URL, got "localhost"/,
    ],
  ])('rejects %j with a message saying what to do', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(message);
  });

  it('accepts a dataset, a folder and options', () => {
    const args = parseArguments([
      's3_access_logs',
      FIXTURES,
      '--local-url',
      'http://127.0.0.1:4510',
      '--keep-all-operations',
    ]);
    expect(args).toMatchObject({
      target: FIXTURES,
      localUrl: 'http://127.0.0.1:4510',
      keepAllOperations: true,
    });
    expect(args.dataset.name).toBe('s3_access_logs');
  });
});
