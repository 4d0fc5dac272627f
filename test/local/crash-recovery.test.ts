import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { localDatabase } from '../../local/data-api-server';
import { LOCAL_LAKE_BUCKET, startLocalIngestion } from '../../local/ingestion';
import { startS3Server } from '../../local/s3-server';
import { startTestDatabase } from '../support/local-database';
import { FREE_PORTS, spawnStart, testIngestionOptions, type RunningStart } from '../support/local-platform';

/**
 * Nothing accepted is lost when the local platform dies: the queue between the S3 stand-in and the
 * loader lives in memory, so on start the platform loads every lake object that `loaded_objects`
 * does not list.
 */

const folders: string[] = [];
const children: ChildProcess[] = [];
function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
  folders.push(dir);
  return dir;
}
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

const trade = (id: string) => ({
  trade_id: id,
  symbol: 'CRASH',
  price: '10.5',
  volume: '2',
  traded_at: '2024-04-01T09:30:00Z',
});

describe('on start, the local ingestion loads lake objects that were accepted but never loaded', () => {
  it('loads an object written before the platform (re)started, without a backfill', async () => {
    const dataDir = tempDir('recovery-');
    // The state a crash leaves behind: the object is in the lake, no loader ever saw it.
    const s3 = await startS3Server({ root: path.join(dataDir, 's3') });
    const client = new S3Client({
      endpoint: s3.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await fs.promises.mkdir(path.join(s3.root, LOCAL_LAKE_BUCKET), { recursive: true });
    await client.send(
      new PutObjectCommand({
        Bucket: LOCAL_LAKE_BUCKET,
        Key: 'raw/trades/dt=2024-04-01/accepted-before-crash.ndjson.gz',
        Body: gzipSync(['r-1', 'r-2', 'r-3'].map((id) => JSON.stringify(trade(id))).join('\n')),
      }),
    );
    client.destroy();
    await s3.close();

    const t = await startTestDatabase();
    const local = await startLocalIngestion(testIngestionOptions(t.endpoint, dataDir));
    try {
      await local.drain();
      const rows = await t.db.query<{ trade_id: string }>(
        "SELECT trade_id FROM trades WHERE symbol = 'CRASH' ORDER BY trade_id",
      );
      expect(rows.map((r) => r.trade_id)).toEqual(['r-1', 'r-2', 'r-3']);
    } finally {
      await local.close();
    }

    // A second start finds the object in loaded_objects and queues nothing.
    const again = await startLocalIngestion(testIngestionOptions(t.endpoint, dataDir));
    try {
      expect(again.recovered).toBe(0);
    } finally {
      await again.close();
      await t.close();
    }
  });
});

/** The real `npm start` on free ports, the generator off. */
async function startPlatform(dataDir: string): Promise<RunningStart> {
  const running = await spawnStart(['--data-dir', dataDir, '--no-generator', ...FREE_PORTS]);
  children.push(running.child);
  return running;
}

/** A small deterministic generator, so a failing run can be repeated with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('fault test: SIGKILL the real npm start while batches are sent and loaded', () => {
  it('every accepted record is in Postgres exactly once after a restart, with no manual step', async () => {
    const dataDir = tempDir('crash-');
    const seed = Date.now() % 100_000;
    const next = random(seed);
    const accepted = new Set<string>();
    let batch = 0;
    const cycles = 3;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const running = await startPlatform(dataDir);
      const ingest = running.lines.get('ingest endpoint')!;
      const killAt = Date.now() + 150 + Math.floor(next() * 1200);
      let killed = false;
      const sender = (async () => {
        while (!killed) {
          const ids = Array.from({ length: 40 }, (_, i) => `c${cycle}-b${batch}-${i}`);
          batch++;
          try {
            const response = await fetch(`${ingest}/trades`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-ndjson' },
              body: ids.map((id) => JSON.stringify(trade(id))).join('\n'),
            });
            const report = (await response.json()) as { accepted?: number };
            if (response.status === 200 && report.accepted === ids.length)
              ids.forEach((id) => accepted.add(id));
          } catch {
            // The platform died mid-request: the batch was not accepted.
          }
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, killAt - Date.now())));
      running.child.kill('SIGKILL');
      killed = true;
      await running.exited;
      await sender;
    }
    expect(accepted.size, `seed ${seed}: no batch was accepted before the kills`).toBeGreaterThan(0);

    const final = await startPlatform(dataDir);
    const { db, client } = localDatabase(final.lines.get('rds-data endpoint')!);
    try {
      // Loading happens by itself after the start; wait for it (bounded), then check every record.
      let loaded = new Map<string, number>();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const rows = await db.query<{ trade_id: string; n: number }>(
          "SELECT trade_id, count(*)::int AS n FROM trades WHERE symbol = 'CRASH' GROUP BY trade_id",
        );
        loaded = new Map(rows.map((r) => [r.trade_id, r.n]));
        if ([...accepted].every((id) => loaded.has(id))) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const missing = [...accepted].filter((id) => !loaded.has(id));
      expect(missing, `seed ${seed}: accepted records missing after restart`).toEqual([]);
      const twice = [...loaded].filter(([, n]) => n !== 1);
      expect(twice, `seed ${seed}: records loaded more than once`).toEqual([]);
    } finally {
      client.destroy();
      final.child.kill('SIGINT');
      await final.exited;
    }
  }, 120_000);
});
