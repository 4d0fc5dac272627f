import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIngestion, type LocalIngestion } from '../../local/ingestion';
import { writePlatformState } from '../../local/state';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { testIngestionOptions } from '../support/local-platform';

let t: TestDatabase;
let local: LocalIngestion;
const logs: string[] = [];
// The commands find the local platform through the state file in `.local-data` under their working directory.
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-ingestion-'));
const dataDir = path.join(workDir, '.local-data', 'ingestion');
const repo = path.resolve(import.meta.dirname, '..', '..');

function runCommand(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(repo, 'node_modules', '.bin', 'tsx'),
      [path.join(repo, script), ...args],
      { cwd: workDir },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  t = await startTestDatabase();
  local = await startLocalIngestion(testIngestionOptions(t.endpoint, dataDir, (line) => logs.push(line)));
  // What `npm start` writes once its services are up.
  await writePlatformState(path.join(workDir, '.local-data'), {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    endpoints: { 'rds-data': t.endpoint, ingest: local.ingestUrl, s3: local.s3Url, queue: local.queueUrl },
  });
});
afterAll(async () => {
  await local?.close();
  await t?.close();
});

function usageBody(): string {
  const records = Array.from({ length: 1000 }, (_, i) => ({
    person_name: `Person ${i % 40}`,
    birth_date: '1979-05-05',
    accessed_at: new Date(Date.UTC(2024, 2, 1) + i * 60_000).toISOString(),
    session_duration: i % 100 === 0 ? -5 : 600,
    download_speed: 75.25,
    upload_speed: 8.5,
    consumed_traffic: 512,
  }));
  return JSON.stringify(records);
}

async function usageRows(): Promise<number> {
  const [row] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage');
  return row.n;
}

describe('local ingestion (ingest endpoint → S3 stand-in → queue → loader → Postgres)', () => {
  it('answers 990 accepted and 10 rejected, loads the 990 rows, and the same POST 5 times changes nothing', async () => {
    const body = usageBody();
    const post = () =>
      fetch(`${local.ingestUrl}/usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const first = await post();
    expect(first.status).toBe(200);
    const report = (await first.json()) as {
      accepted: number;
      rejected: number;
      results: { status: string; errors?: { field: string }[] }[];
    };
    expect([report.accepted, report.rejected]).toEqual([990, 10]);
    expect(
      report.results
        .filter((r) => r.status === 'rejected')
        .every((r) => r.errors![0].field === 'session_duration'),
    ).toBe(true);
    await local.drain();
    expect(await usageRows()).toBe(990);

    // The same body sent 4 more times: same object key, no new rows.
    for (let i = 0; i < 4; i++) {
      const again = await post();
      expect(((await again.json()) as { accepted: number }).accepted).toBe(990);
    }
    await local.drain();
    expect(await usageRows()).toBe(990);
    const [loaded] = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM loaded_objects WHERE dataset = 'usage'",
    );
    expect(loaded.n).toBe(1);
  });

  it('refuses bad requests with a 4xx and a message', async () => {
    const json = { 'content-type': 'application/json' };
    const unknown = await fetch(`${local.ingestUrl}/clicks`, { method: 'POST', headers: json, body: '[]' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toContain(
      'Known datasets: usage, trades, samples',
    );
    const malformed = await fetch(`${local.ingestUrl}/usage`, { method: 'POST', headers: json, body: '[{' });
    expect(malformed.status).toBe(400);
    const empty = await fetch(`${local.ingestUrl}/usage`, { method: 'POST', headers: json, body: '' });
    expect(empty.status).toBe(400);
    const huge = await fetch(`${local.ingestUrl}/usage`, {
      method: 'POST',
      headers: json,
      body: Buffer.alloc(6 * 1024 * 1024 + 1, 0x20),
    });
    expect(huge.status).toBe(413);
  });

  it('moves a poison object to the dead-letter list after every retry', async () => {
    const response = await fetch(
      `${local.s3Url}/${local.lakeBucket}/raw/usage/dt=2024-03-01/poison.ndjson.gz`,
      {
        method: 'PUT',
        body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]),
      },
    );
    expect(response.status).toBe(200);
    await local.drain();
    expect(local.deadLetters).toHaveLength(1);
    expect(local.deadLetters[0]).toMatchObject({
      receiveCount: 5,
      body: expect.stringContaining('poison.ndjson.gz'),
    });
    expect(logs.some((l) => l.includes('dead-letter'))).toBe(true);
  });

  it('npm run send posts a file to the local endpoint and prints the report', async () => {
    const file = path.join(workDir, 'trades.ndjson');
    const trade = {
      trade_id: 'send-1',
      symbol: 'MSFT',
      price: '420.5',
      volume: '3',
      traded_at: '2024-03-02T10:00:00Z',
    };
    fs.writeFileSync(
      file,
      `${JSON.stringify(trade)}\n${JSON.stringify({ ...trade, trade_id: 'send-2', price: 'n/a' })}\n`,
    );
    const result = await runCommand('scripts/send.ts', ['trades', file]);
    expect(result.stdout).toContain('accepted: 1');
    expect(result.stdout).toContain('rejected: 1');
    expect(result.stdout).toContain('record 1: Field "price"');
    await local.drain();
    const [row] = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM trades WHERE trade_id = 'send-1'",
    );
    expect(row.n).toBe(1);
  });

  it('npm run backfill enqueues objects that are already in the lake', async () => {
    // An object written before the loader existed: no notification was ever sent for it.
    const key = 'raw/trades/dt=2024-01-01/old.ndjson';
    const file = path.join(local.s3.root, local.lakeBucket, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const old = {
      trade_id: 'old-1',
      symbol: 'AAPL',
      price: '150',
      volume: '1',
      traded_at: '2024-01-01T09:00:00Z',
    };
    fs.writeFileSync(file, `${JSON.stringify(old)}\n`);
    const result = await runCommand('scripts/backfill.ts', [
      `s3://${local.lakeBucket}/raw/trades/dt=2024-01-01/`,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('differs from SQSClient');
    expect(result.stdout).toContain('objects listed: 1');
    expect(result.stdout).toContain('messages sent: 1');
    await local.drain();
    const [row] = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM trades WHERE trade_id = 'old-1'",
    );
    expect(row.n).toBe(1);
  });

  it('npm run backfill refuses a malformed S3 URL', async () => {
    const result = await runCommand('scripts/backfill.ts', ['my-bucket/raw']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"my-bucket/raw" is not an S3 URL');
  });
});
