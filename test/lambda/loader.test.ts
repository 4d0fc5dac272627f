import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDataset } from '../../datasets';
import { prepareBatch } from '../../lambda/ingest/ingest';
import { loadObject, type LoadDependencies, type ObjectReader } from '../../lambda/loader/load-object';
import { s3NotificationBody } from '../../lambda/loader/messages';
import { processMessages } from '../../lambda/loader/process-batch';
import { createDatabase } from '../../db/data-api';
import type { Database } from '../../db/database';
import { runMigrations } from '../../migrations/runner';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  startDataApiServer,
} from '../../local/data-api-server';
import { localDataApiClient, startTestDatabase, type TestDatabase } from '../support/local-database';

/**
 * Objects in memory, read the way the loader reads S3: a stream of chunks, an ETag and a
 * LastModified. `reads` counts the bodies read.
 */
function memoryBucket() {
  const objects = new Map<string, Buffer>();
  let reads = 0;
  const reader: ObjectReader = {
    async getObjectStream(bucket, key) {
      const body = objects.get(`${bucket}/${key}`);
      if (!body) return undefined;
      return {
        etag: `"${body.length}-${body.subarray(-8).toString('hex')}"`,
        lastModified: new Date('2024-01-02T00:00:00Z'),
        body: (async function* () {
          reads += 1;
          for (let i = 0; i < body.length; i += 1000) yield body.subarray(i, i + 1000);
        })(),
      };
    },
  };
  return { objects, reader, reads: () => reads };
}

const routing = { lakeBucket: 'lake', logBucket: 'logs', accessLogsPrefix: 's3-access-logs/' };
const usage = getDataset('usage');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function usageRecords(count: number, offset = 0) {
  return Array.from({ length: count }, (_, i) => ({
    person_name: `Person ${(i + offset) % 50}`,
    birth_date: '1980-01-01',
    accessed_at: new Date(Date.UTC(2024, 0, 1) + (i + offset) * 1000).toISOString(),
    session_duration: 100,
    download_speed: 20.5,
    upload_speed: 2,
    consumed_traffic: 10,
  }));
}

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row.n;
}

let t: TestDatabase;
let bucket: ReturnType<typeof memoryBucket>;
let deps: LoadDependencies;

beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.db.execute('TRUNCATE usage, loaded_objects, rejected_rows');
  bucket = memoryBucket();
  deps = { reader: bucket.reader, db: t.db, routing, batchSize: 100, log: quiet };
});

describe('loadObject', () => {
  it('streams a gzip NDJSON object into its table in batches and records the object', async () => {
    const batch = prepareBatch(usage, usageRecords(1234), new Date());
    bucket.objects.set(`lake/${batch.raw!.key}`, batch.raw!.body);
    const outcome = await loadObject(deps, { bucket: 'lake', key: batch.raw!.key });
    expect(outcome).toMatchObject({
      status: 'loaded',
      dataset: 'usage',
      rowsInserted: 1234,
      rowsRejected: 0,
      rowsSkipped: 0,
    });
    expect(await count(t.db, 'usage')).toBe(1234);
    const [loaded] = await t.db.query('SELECT object_key, dataset, rows_inserted FROM loaded_objects');
    expect(loaded).toEqual({ object_key: batch.raw!.key, dataset: 'usage', rows_inserted: 1234 });
    const [row] = await t.db.query<{ accessed_at: string; person_name: string }>(
      "SELECT person_name, to_char(accessed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS accessed_at FROM usage ORDER BY accessed_at LIMIT 1",
    );
    expect(row).toEqual({ person_name: 'Person 0', accessed_at: '2024-01-01 00:00:00' });
  });

  it('keeps unparseable lines with their reasons in rejected_rows', async () => {
    const lines = [
      JSON.stringify(usageRecords(1)[0]),
      '{not json',
      JSON.stringify({ ...usageRecords(1, 1)[0], upload_speed: 'fast' }),
      '',
    ];
    bucket.objects.set('lake/raw/usage/dt=2024-01-01/mixed.ndjson', Buffer.from(lines.join('\n')));
    const outcome = await loadObject(deps, { bucket: 'lake', key: 'raw/usage/dt=2024-01-01/mixed.ndjson' });
    expect(outcome).toMatchObject({ rowsInserted: 1, rowsRejected: 2 });
    const rejected = await t.db.query<{ line_number: number; reason: string; raw_line: string }>(
      'SELECT line_number, reason, raw_line FROM rejected_rows ORDER BY line_number',
    );
    expect(rejected.map((r) => r.line_number)).toEqual([2, 3]);
    expect(rejected[0].raw_line).toBe('{not json');
    expect(rejected[1].reason).toContain('upload_speed');
  });

  it('gives the rows once when the same object is delivered 5 times, skipping re-deliveries without reading', async () => {
    const batch = prepareBatch(usage, usageRecords(300), new Date());
    bucket.objects.set(`lake/${batch.raw!.key}`, batch.raw!.body);
    const messages = Array.from({ length: 5 }, (_, i) => ({
      messageId: `m${i}`,
      body: s3NotificationBody({
        bucket: 'lake',
        key: batch.raw!.key,
        etag: `${batch.raw!.body.length}-${batch.raw!.body.subarray(-8).toString('hex')}`,
      }),
    }));
    for (const message of messages) {
      const result = await processMessages(deps, [message], quiet);
      expect(result.failed).toEqual([]);
    }
    expect(await count(t.db, 'usage')).toBe(300);
    expect(await count(t.db, 'loaded_objects')).toBe(1);
    expect(bucket.reads()).toBe(1);
  });

  it('gives the rows once when the same batch arrives in 5 different objects', async () => {
    const records = usageRecords(200);
    for (let i = 0; i < 5; i++) {
      const key = `raw/usage/dt=2024-01-01/copy-${i}.ndjson`;
      bucket.objects.set(`lake/${key}`, Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')));
      const outcome = await loadObject(deps, { bucket: 'lake', key });
      // Stored in the same second, a later key is the newer version: it replaces the rows, adds none.
      expect(outcome.rowsInserted).toBe(i === 0 ? 200 : 0);
      expect(outcome.rowsUpdated).toBe(i === 0 ? 0 : 200);
      expect(outcome.rowsSkipped).toBe(0);
    }
    expect(await count(t.db, 'usage')).toBe(200);
  });

  it('reports a poison object as a failed message without holding back the others (partial batch failure)', async () => {
    const good = prepareBatch(usage, usageRecords(10), new Date());
    bucket.objects.set(`lake/${good.raw!.key}`, good.raw!.body);
    bucket.objects.set(
      'lake/raw/usage/dt=2024-01-01/corrupt.ndjson.gz',
      Buffer.concat([gzipSync('x'.repeat(5000)).subarray(0, 30), Buffer.from('junk')]),
    );
    const result = await processMessages(
      deps,
      [
        {
          messageId: 'poison',
          body: s3NotificationBody({ bucket: 'lake', key: 'raw/usage/dt=2024-01-01/corrupt.ndjson.gz' }),
        },
        {
          messageId: 'unknown-dataset',
          body: s3NotificationBody({ bucket: 'lake', key: 'raw/clicks/x.ndjson' }),
        },
        { messageId: 'not-s3', body: '{"hello":"world"}' },
        { messageId: 'test-event', body: JSON.stringify({ Event: 's3:TestEvent' }) },
        { messageId: 'good', body: s3NotificationBody({ bucket: 'lake', key: good.raw!.key }) },
      ],
      quiet,
    );
    expect(result.failed).toEqual(['poison', 'unknown-dataset', 'not-s3']);
    expect(await count(t.db, 'usage')).toBe(10);
  });

  it('treats an object deleted before loading as done, and ignores keys outside raw/', async () => {
    expect(
      (await loadObject(deps, { bucket: 'lake', key: 'raw/usage/dt=2024-01-01/gone.ndjson' })).status,
    ).toBe('missing');
    expect((await loadObject(deps, { bucket: 'lake', key: 'rejected/usage/x.ndjson.gz' })).status).toBe(
      'ignored',
    );
  });
});

describe('a resuming database', () => {
  let pg: PGlite;
  let server: Awaited<ReturnType<typeof startDataApiServer>>;
  let db: Database;

  beforeAll(async () => {
    pg = await PGlite.create();
    server = await startDataApiServer({ pg });
    db = createDatabase({
      resourceArn: LOCAL_CLUSTER_ARN,
      secretArn: LOCAL_SECRET_ARN,
      database: LOCAL_DATABASE,
      client: localDataApiClient(server.url),
      retry: { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 200 },
    });
    await runMigrations(db);
  });
  afterAll(async () => {
    await server?.close();
    await pg?.close();
  });

  it('is retried by the Data API layer within the invocation when it wakes up quickly', async () => {
    const batch = prepareBatch(usage, usageRecords(20), new Date());
    bucket.objects.set(`lake/${batch.raw!.key}`, batch.raw!.body);
    server.simulateResuming(3);
    const result = await processMessages(
      { ...deps, db },
      [{ messageId: 'm', body: s3NotificationBody({ bucket: 'lake', key: batch.raw!.key }) }],
      quiet,
    );
    expect(result.failed).toEqual([]);
    expect(await count(db, 'usage')).toBe(20);
  });

  it('hands every message back when it stays asleep, and loads them on the next delivery', async () => {
    const batches = [0, 1].map((i) => prepareBatch(usage, usageRecords(15, 1000 + i * 100), new Date()));
    for (const b of batches) bucket.objects.set(`lake/${b.raw!.key}`, b.raw!.body);
    const messages = batches.map((b, i) => ({
      messageId: `m${i}`,
      body: s3NotificationBody({ bucket: 'lake', key: b.raw!.key }),
    }));
    const before = await count(db, 'usage');
    server.simulateResuming(1_000_000);
    const first = await processMessages({ ...deps, db }, messages, quiet);
    expect(first.failed).toEqual(['m0', 'm1']);
    server.simulateResuming(0);
    const second = await processMessages({ ...deps, db }, messages, quiet);
    expect(second.failed).toEqual([]);
    expect(await count(db, 'usage')).toBe(before + 30);
  });
});

describe('failed objects leave one structured log line each', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const record = (line: unknown) =>
      lines.push((typeof line === 'string' ? JSON.parse(line) : line) as Record<string, unknown>);
    return { lines, log: { info: () => undefined, warn: record, error: record } };
  }

  it('names the dataset and object key of an object that fails, and its move to the dead-letter queue on the last delivery', async () => {
    const key = 'raw/usage/dt=2024-01-01/corrupt.ndjson.gz';
    bucket.objects.set(
      `lake/${key}`,
      Buffer.concat([gzipSync('x'.repeat(5000)).subarray(0, 30), Buffer.from('junk')]),
    );
    const message = (receiveCount: string) => ({
      messageId: `m${receiveCount}`,
      body: s3NotificationBody({ bucket: 'lake', key }),
      attributes: { ApproximateReceiveCount: receiveCount },
    });
    const first = capture();
    await processMessages(deps, [message('1')], first.log, { maxReceiveCount: 5 });
    expect(first.lines).toEqual([
      expect.objectContaining({
        message: 'object failed',
        dataset: 'usage',
        bucket: 'lake',
        key,
        receiveCount: 1,
      }),
    ]);
    const last = capture();
    await processMessages(deps, [message('5')], last.log, { maxReceiveCount: 5 });
    expect(last.lines).toEqual([
      expect.objectContaining({
        message: 'object moved to the dead-letter queue',
        dataset: 'usage',
        bucket: 'lake',
        key,
        receiveCount: 5,
      }),
    ]);
  });
});
