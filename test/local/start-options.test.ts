import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '../../local/start';
import { FREE_PORTS } from '../support/local-platform';

/**
 * `npm start` robustness, in-process through the same start function: one flag table, every port
 * treated alike, a stale lock never blocks, the dashboard password survives restarts.
 */

const folders: string[] = [];
const children: ChildProcess[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-options-'));
  folders.push(dir);
  return dir;
}
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every port free (0), the generator off: nothing collides with another run. */
const freePorts = [...FREE_PORTS, '--no-generator'];

function line(platform: LocalPlatform, name: string): string | undefined {
  return platform.lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
}

const quiet = () => undefined;

describe('npm start flags', () => {
  it('refuses an unknown flag and lists the known ones', async () => {
    const dataDir = tempDir();
    await expect(
      startLocalPlatform(
        ['--data-dir', dataDir, '--database-only', ...freePorts, '--no-genrator'],
        quiet,
        {},
      ),
    ).rejects.toThrow(
      /unknown flag --no-genrator \(did you mean --no-generator\?\)[\s\S]*--dashboard-port <port>/,
    );
    expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
  });

  it('fails clearly on a taken ingest port instead of moving to another one', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const args = ['--data-dir', tempDir(), ...freePorts, '--ingest-port', String(port)];
      await expect(startLocalPlatform(args, quiet, {})).rejects.toThrow(
        `port ${port} is already in use: choose another with --ingest-port <port> (0 picks a free port).`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('npm start state', () => {
  it('takes a free dashboard port with 0 and keeps the dashboard password across restarts', async () => {
    const dataDir = tempDir();
    const first = await startLocalPlatform(['--data-dir', dataDir, ...freePorts], quiet, {});
    const password = line(first, 'password');
    try {
      expect(line(first, 'dashboard')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(password?.length).toBeGreaterThanOrEqual(20);
    } finally {
      await first.stop();
    }
    const second = await startLocalPlatform(['--data-dir', dataDir, ...freePorts], quiet, {});
    try {
      expect(line(second, 'password')).toBe(password);
    } finally {
      await second.stop();
    }
    const chosen = await startLocalPlatform(['--data-dir', dataDir, ...freePorts], quiet, {
      DASHBOARD_PASSWORD: 'chosen-password-1234',
    });
    try {
      expect(line(chosen, 'password')).toBe('chosen-password-1234');
    } finally {
      await chosen.stop();
    }
    const reset = await startLocalPlatform(['--data-dir', dataDir, '--reset', ...freePorts], quiet, {});
    try {
      expect(line(reset, 'password')).not.toBe(password);
    } finally {
      await reset.stop();
    }
  }, 120_000);

  it('is not blocked by a stale lock whose process id now belongs to another program', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    for (const lock of [
      JSON.stringify({ pid: sleeper.pid, startedAt: Date.now() - 3_600_000, procStart: '1' }),
      JSON.stringify({ pid: sleeper.pid, startedAt: Date.now() - 3_600_000 }), // where /proc is not there
      String(sleeper.pid), // the lock format of earlier versions: a bare process id
    ]) {
      const dataDir = tempDir();
      fs.writeFileSync(path.join(dataDir, '.analytics-local-data'), '');
      fs.writeFileSync(path.join(dataDir, 'start.lock'), lock);
      const platform = await startLocalPlatform(
        ['--data-dir', dataDir, '--database-only', ...freePorts],
        quiet,
        {},
      );
      await platform.stop();
    }
  }, 60_000);

  it('refuses a folder a running start holds, and says how to recover', async () => {
    const dataDir = tempDir();
    const running = await startLocalPlatform(
      ['--data-dir', dataDir, '--database-only', ...freePorts],
      quiet,
      {},
    );
    try {
      await expect(
        startLocalPlatform(['--data-dir', dataDir, '--reset', '--database-only', ...freePorts], quiet, {}),
      ).rejects.toThrow(
        new RegExp(
          `is in use by another npm start \\(pid ${process.pid}[\\s\\S]*--data-dir <dir>[\\s\\S]*If no npm start is running, delete ${path.join(dataDir, 'start.lock').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      );
    } finally {
      await running.stop();
    }
  }, 60_000);
});
