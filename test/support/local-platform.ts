import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { FLAGS } from '../../local/args';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import type { LocalIngestionOptions } from '../../local/ingestion';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `npm start` flags giving every port 0 (a free one), so parallel runs never collide. */
export const FREE_PORTS: readonly string[] = FLAGS.filter((f) => f.kind === 'port').flatMap((f) => [
  f.flag,
  '0',
]);

/** Options for `startLocalIngestion` in a test: free ports, no generator, fast retries. */
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
      secretArn: LOCAL_SECRET_ARN,
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
