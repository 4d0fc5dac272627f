import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDatabase } from '../../local/data-api-server';
import { startLocalPlatform, type LocalPlatform } from '../../local/start';
import { FREE_PORTS } from '../support/local-platform';

/**
 * The client commands (`npm run load`, `send`, `backfill`) against `npm start` on non-default
 * ports: they find it through the state file in its data folder, and say at once when it is not
 * running.
 */

const repo = path.resolve(import.meta.dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-commands-'));
const dataDir = path.join(work, 'running');
const stoppedDir = path.join(work, 'stopped');
let platform: LocalPlatform;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      path.join(repo, 'node_modules', '.bin', 'tsx'),
      [path.join(repo, script), ...args],
      // The variables `npm start` sets for in-process handlers must not leak into the commands.
      {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_OPTIONS: '--no-warnings',
          ...env,
        },
        timeout: 50_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  platform = await startLocalPlatform(
    ['--data-dir', dataDir, '--no-generator', ...FREE_PORTS],
    () => undefined,
    {},
  );
});
afterAll(async () => {
  await platform?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

async function tradeCount(id: string): Promise<number> {
  const { db, client } = localDatabase(platform.context.dataApi.endpoint);
  try {
    const [row] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM trades WHERE trade_id = :id',
      {
        id,
      },
    );
    return row.n;
  } finally {
    client.destroy();
  }
}

const trade = (id: string) =>
  JSON.stringify({
    trade_id: id,
    symbol: 'MSFT',
    price: '420.5',
    volume: '3',
    traded_at: '2024-03-02T10:00:00Z',
  });

describe('client commands find the running platform through its state file', () => {
  it('npm run load loads into the platform on its non-default Data API port', async () => {
    const file = path.join(work, 'load-1.ndjson');
    fs.writeFileSync(file, `${trade('load-1')}\n`);
    const result = await run('scripts/load.ts', ['trades', file, '--data-dir', dataDir]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ files: 1, loaded: 1, failed: 0 });
    expect(await tradeCount('load-1')).toBe(1);
  });

  it('npm run send and npm run backfill find it through LOCAL_DATA_DIR', async () => {
    const file = path.join(work, 'send-1.ndjson');
    fs.writeFileSync(file, `${trade('send-1')}\n`);
    const sent = await run('scripts/send.ts', ['trades', file], { LOCAL_DATA_DIR: dataDir });
    expect(sent.stdout).toContain('accepted: 1');
    expect(sent.code).toBe(0);
    const backfill = await run('scripts/backfill.ts', ['s3://local-lake/raw/trades/', '--dry-run'], {
      LOCAL_DATA_DIR: dataDir,
    });
    expect(backfill.stdout).toMatch(/objects listed: [1-9]/);
    expect(backfill.code).toBe(0);
  });
});

describe('client commands when the platform is not running', () => {
  const message = 'the local platform is not running: start it with `npm start`';

  beforeAll(async () => {
    // A folder whose platform was killed: its state file names a port nobody listens on.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    fs.mkdirSync(stoppedDir, { recursive: true });
    const url = `http://127.0.0.1:${port}`;
    fs.writeFileSync(
      path.join(stoppedDir, 'platform.json'),
      JSON.stringify({
        pid: 999_999_999,
        startedAt: new Date().toISOString(),
        endpoints: { 'rds-data': url, ingest: url, s3: url, queue: `${url}/000000000000/loader` },
      }),
    );
  });

  it.each([
    ['scripts/load.ts', ['trades', 'load-1.ndjson']],
    ['scripts/send.ts', ['trades', 'load-1.ndjson']],
    ['scripts/backfill.ts', ['s3://local-lake/raw/']],
  ])(
    '%s says so when the state file names a stopped platform, and when there is none',
    async (script, args) => {
      for (const folder of [stoppedDir, path.join(work, 'never-started')]) {
        const result = await run(script, [...args], { LOCAL_DATA_DIR: folder });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(message);
        expect(result.stderr).not.toMatch(/ECONNREFUSED|fetch failed|\n\s+at /);
      }
    },
  );
});

describe('npm run load with a truncated .gz among good files', () => {
  it('reports the bad file by name and reason, loads the rest, counts the failure and exits non-zero', async () => {
    const folder = path.join(work, 'load-folder');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a-good.ndjson'), `${trade('folder-a')}\n`);
    const whole = gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => trade(`cut-${i}`)).join('\n')));
    fs.writeFileSync(
      path.join(folder, 'b-truncated.ndjson.gz'),
      whole.subarray(0, Math.floor(whole.length / 2)),
    );
    fs.writeFileSync(path.join(folder, 'c-good.ndjson.gz'), gzipSync(`${trade('folder-c')}\n`));
    const result = await run('scripts/load.ts', ['trades', folder, '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/b-truncated\.ndjson\.gz: .*(unexpected end of file|truncated)/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(JSON.parse(result.stdout)).toMatchObject({ files: 3, failed: 1, loaded: 2 });
    expect(await tradeCount('folder-a')).toBe(1);
    expect(await tradeCount('folder-c')).toBe(1);
    expect(await tradeCount('cut-0')).toBe(0);
  });
});
