import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEFAULT_DATA_DIR } from './args';

/**
 * The state file: `npm start` writes `<data folder>/platform.json` once every service is up, with
 * its process id and the URL of each endpoint, and removes it when it stops. The client commands
 * (`npm run load`, `send`, `backfill`) read it to find the running platform on whatever ports it
 * uses, and check that something answers before they start.
 */

export const STATE_FILE = 'platform.json';

/** Endpoint names in the state file; services may add their own (e.g. `athena`). */
export type EndpointName = 'postgres' | 'rds-data' | 'ingest' | 's3' | 'queue' | 'dashboard' | (string & {});

export interface PlatformState {
  readonly pid: number;
  readonly startedAt: string;
  /** Base URL of each endpoint by `EndpointName`, e.g. `{ "rds-data": "http://127.0.0.1:4510" }`. */
  readonly endpoints: Readonly<Record<string, string>>;
}

export async function writePlatformState(dataDir: string, state: PlatformState): Promise<void> {
  const file = path.join(dataDir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await fs.rename(tmp, file);
}

export async function removePlatformState(dataDir: string): Promise<void> {
  await fs.rm(path.join(dataDir, STATE_FILE), { force: true });
}

/** The data folder a client command looks in: `--data-dir`, else `LOCAL_DATA_DIR`, else `.local-data`. */
export function clientDataDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(explicit ?? (env.LOCAL_DATA_DIR || DEFAULT_DATA_DIR));
}

/** Said by every client command when nothing answers. */
export const NOT_RUNNING = 'the local platform is not running: start it with `npm start`';

export class PlatformNotRunningError extends Error {
  constructor(detail: string) {
    super(`${NOT_RUNNING} (${detail}).`);
    this.name = 'PlatformNotRunningError';
  }
}

/** Resolves true if something accepts a TCP connection at `url` within `timeoutMs`. */
export function answers(url: string, timeoutMs = 2000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The running platform's URL for `endpoint`, from the state file in `dataDir`; throws
 * `PlatformNotRunningError` at once when there is no state file or nothing answers there.
 */
export async function findLocalEndpoint(dataDir: string, endpoint: EndpointName): Promise<string> {
  let state: PlatformState;
  try {
    state = JSON.parse(await fs.readFile(path.join(dataDir, STATE_FILE), 'utf8')) as PlatformState;
  } catch {
    throw new PlatformNotRunningError(
      `no ${STATE_FILE} in ${dataDir}; if it runs with another --data-dir, pass the same --data-dir or LOCAL_DATA_DIR`,
    );
  }
  const url = state.endpoints?.[endpoint];
  if (!url) {
    throw new PlatformNotRunningError(
      `the platform in ${dataDir} runs without a ${endpoint} endpoint; start it without --database-only`,
    );
  }
  await requireAnswer(url);
  return url;
}

/** Throws `PlatformNotRunningError` if nothing answers at `url`. */
export async function requireAnswer(url: string): Promise<void> {
  if (!(await answers(url))) throw new PlatformNotRunningError(`nothing answers at ${url}`);
}
