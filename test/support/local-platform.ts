import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FLAGS } from '../../local/args';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_LOADER_SECRET_ARN,
  localDatabase,
} from '../../local/data-api-server';
import type { LocalIngestionOptions } from '../../local/ingestion';
import { startLocalPlatform, type LocalPlatform } from '../../local/start';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `npm start` flags giving every port 0 (a free one), so parallel runs never collide. */
export const FREE_PORTS: readonly string[] = FLAGS.filter((f) => f.kind === 'port').flatMap((f) => [
  f.flag,
  '0',
]);

/** Options for `startLocalIngestion` in a test: the loader's secret, free ports, no generator, fast retries. */
export function testIngestionOptions(
  endpoint: string,
  dataDir: string,
  log: (line: string) => void = () => undefined,
): LocalIngestionOptions {
  return {
    dataDir,
    dataApi: {
      endpoint,
      clusterArn: LOCAL_CLUSTER_ARN,
      secretArn: LOCAL_LOADER_SECRET_ARN,
      database: LOCAL_DATABASE,
    },
    generator: false,
    ingestPort: 0,
    retryDelayMs: 10,
    log,
  };
}

export interface RunningStart {
  readonly child: ChildProcess;
  /** The `name: value` lines printed so far. */
  readonly lines: Map<string, string>;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Spawns the real `npm start` (tsx local/start.ts) with `args`; resolves once it prints `status: ready`. */
export function spawnStart(args: readonly string[]): Promise<RunningStart> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const lines = new Map<string, string>();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        const m = /^([a-z][a-z -]*): (.+)$/.exec(line.trim());
        if (m) lines.set(m[1], m[2]);
      }
      if (lines.get('status')?.startsWith('ready')) resolve({ child, lines, output: () => out, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`npm start exited with ${code} before it was ready:\n${out}`)),
    );
  });
}

/** `npm start` run in this process, for tests that drive it from a browser or the SDK. */
export interface InProcessPlatform {
  readonly platform: LocalPlatform;
  /** The `name: value` lines it printed (`dashboard`, `password`, `ingest endpoint`, ...). */
  readonly lines: Map<string, string>;
  /** Its data folder (`--data-dir`), removed by `stop`. */
  readonly dataDir: string;
  /** Waits until `SELECT count(*) FROM <table>` reaches `rows` (the loader is asynchronous); returns the count. */
  readonly waitForRows: (table: string, rows: number) => Promise<number>;
  /** Stops it, removes its data folder and restores the environment variables it set. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts the local platform in this process with the local Athena, every port free, no generator,
 * in a new temporary folder named after `prefix`.
 */
export async function startInProcess(prefix: string): Promise<InProcessPlatform> {
  const previousEnv = { ...process.env };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const platform = await startLocalPlatform(
    ['--data-dir', dataDir, ...FREE_PORTS, '--no-generator'],
    () => {},
  );
  const lines = new Map<string, string>();
  for (const line of platform.lines) {
    const m = /^([a-z][a-z -]*): (.+)$/.exec(line);
    if (m) lines.set(m[1]!, m[2]!);
  }
  const waitForRows = async (table: string, rows: number) => {
    const { db, client } = localDatabase(platform.context.dataApi.endpoint);
    const count = async () => Number((await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n);
    try {
      for (let i = 0; i < 600 && (await count()) < rows; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return await count();
    } finally {
      client.destroy();
    }
  };
  const stop = async () => {
    await platform.stop();
    for (const key of Object.keys(process.env)) if (!(key in previousEnv)) delete process.env[key];
    Object.assign(process.env, previousEnv);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { platform, lines, dataDir, waitForRows, stop };
}
