import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/data-api';
import { sqlTimestamp } from '../../db/sql-values';
import { localDataApiClient } from '../support/local-database';
import { spawnStart, type RunningStart } from '../support/local-platform';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const HAS_PSQL = spawnSync('psql', ['--version']).status === 0;

/** `npm start` on free ports, the database only. */
function start(dataDir: string, extra: string[] = []): Promise<RunningStart> {
  return spawnStart([
    '--database-only',
    '--data-dir',
    dataDir,
    '--postgres-port',
    '0',
    '--data-api-port',
    '0',
    ...extra,
  ]);
}

async function stop(running: RunningStart): Promise<number | null> {
  running.child.kill('SIGINT');
  return running.exited;
}

function dbFor(running: RunningStart) {
  return createDatabase({
    resourceArn: running.lines.get('cluster arn')!,
    secretArn: running.lines.get('secret arn')!,
    database: running.lines.get('database')!,
    client: localDataApiClient(running.lines.get('rds-data endpoint')!),
  });
}

describe('npm start', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints its endpoints, serves the Data API and psql, and keeps data across restarts', async () => {
    const first = await start(dataDir);
    try {
      expect(first.lines.get('postgres')).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
      expect(first.lines.get('rds-data endpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.lines.get('cluster arn')).toMatch(/^arn:aws:rds:/);
      expect(first.lines.get('secret arn')).toMatch(/^arn:aws:secretsmanager:/);
      expect(first.lines.get('migrations')).toMatch(/^\d+ applied, 0 already applied$/);

      const db = dbFor(first);
      await db.execute(
        `INSERT INTO usage (person_name, birth_date, accessed_at, session_duration, download_speed, upload_speed, consumed_traffic)
         VALUES ('Ada', '1990-01-01', :at, 60, 10.5, 2.5, 100)`,
        { at: sqlTimestamp('2024-05-01T12:00:00Z') },
      );
      expect(await db.query('SELECT person_name, accessed_at FROM usage')).toEqual([
        { person_name: 'Ada', accessed_at: '2024-05-01 12:00:00' },
      ]);

      if (HAS_PSQL) {
        const url = first.lines.get('postgres')!;
        const tables = spawnSync('psql', [url, '-c', '\\dt'], { encoding: 'utf8', timeout: 30_000 });
        expect(tables.stderr).toBe('');
        for (const table of ['usage', 'trades', 'samples', 'schema_migrations'])
          expect(tables.stdout).toContain(table);
        const count = spawnSync('psql', [url, '-tAc', 'SELECT count(*) FROM usage'], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(count.stdout.trim()).toBe('1');
      }
    } finally {
      expect(await stop(first)).toBe(0);
    }
    expect(first.output()).toContain('status: stopped');

    const second = await start(dataDir);
    try {
      expect(second.lines.get('migrations')).toMatch(/^0 applied, \d+ already applied$/);
      expect(await dbFor(second).query('SELECT count(*) AS n FROM usage')).toEqual([{ n: 1 }]);
    } finally {
      expect(await stop(second)).toBe(0);
    }

    const reset = await start(dataDir, ['--reset']);
    try {
      expect(await dbFor(reset).query('SELECT count(*) AS n FROM usage')).toEqual([{ n: 0 }]);
    } finally {
      expect(await stop(reset)).toBe(0);
    }
  }, 180_000);

  it('refuses a bad port with a message naming the flag', async () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'local/start.ts', '--data-dir', dataDir, '--postgres-port', 'abc'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.status).toBe(1);
    expect(child.stderr).toContain('--postgres-port (or LOCAL_POSTGRES_PORT) "abc" is not a port');
  }, 60_000);

  it('names the flag to change when a port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'local/start.ts',
          '--database-only',
          '--data-dir',
          dataDir,
          '--data-api-port',
          String(port),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      expect(child.status).toBe(1);
      expect(child.stderr).toContain(
        `port ${port} is already in use: choose another with --data-api-port <port>`,
      );
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('refuses to --reset a folder it did not create', async () => {
    const foreign = fs.mkdtempSync(path.join(os.tmpdir(), 'not-local-data-'));
    fs.writeFileSync(path.join(foreign, 'precious.txt'), 'keep me');
    try {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'local/start.ts',
          '--data-dir',
          foreign,
          '--reset',
          '--postgres-port',
          '0',
          '--data-api-port',
          '0',
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
      );
      expect(child.status).toBe(1);
      expect(child.stderr).toMatch(/--reset refuses to empty .* it was not created by npm start/);
      expect(fs.existsSync(path.join(foreign, 'precious.txt'))).toBe(true);
    } finally {
      fs.rmSync(foreign, { recursive: true, force: true });
    }
  }, 60_000);
});
