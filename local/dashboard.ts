/**
 * The dashboard in the local platform: the same server as the container, in-process, reading the
 * embedded Postgres through the local Data API endpoint with the real SDK client. Athena has no
 * local stand-in, so the full-history switch explains that instead of failing.
 */
import { randomBytes } from 'node:crypto';
import { DASHBOARD_RETRY } from '../dashboard-app/src/config';
import { startDashboardServer } from '../dashboard-app/src/server';
import { localDatabase } from './data-api-server';
import type { LocalService } from './service';

/** Port of the local dashboard unless `--dashboard-port` or `DASHBOARD_PORT` says otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8080;

export const LOCAL_ATHENA_UNAVAILABLE =
  'Athena is an AWS service with no local stand-in: the local platform charts Postgres only. ' +
  'Deployed, this switch runs the same charts on Athena over the whole lake.';

export interface LocalDashboardOptions {
  /** URL of the local Data API endpoint (`startDataApiServer(...).url`). */
  readonly dataApiUrl: string;
  /** @default --dashboard-port, DASHBOARD_PORT or 8080 */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default DASHBOARD_PASSWORD, or a generated one */
  readonly password?: string;
  /** @default the process's arguments */
  readonly argv?: readonly string[];
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Request log lines. @default none (the local console stays readable) */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface LocalDashboard {
  readonly url: string;
  readonly password: string;
  /** `name: value` lines for the start-up summary. */
  readonly lines: readonly string[];
  close(): Promise<void>;
}

/** The port from `--dashboard-port <n>` / `--dashboard-port=<n>`, `DASHBOARD_PORT`, or the default. */
export function dashboardPort(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let raw: string | undefined;
  let source = '';
  const i = argv.findIndex((a) => a === '--dashboard-port' || a.startsWith('--dashboard-port='));
  if (i >= 0) {
    raw = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
    source = '--dashboard-port';
  } else if (env.DASHBOARD_PORT) {
    raw = env.DASHBOARD_PORT;
    source = 'DASHBOARD_PORT';
  }
  if (raw === undefined) return DEFAULT_DASHBOARD_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `${source} is "${raw}"; give a port number from 1 to 65535, e.g. ${source === 'DASHBOARD_PORT' ? 'DASHBOARD_PORT=8081' : '--dashboard-port 8081'}.`,
    );
  }
  return port;
}

export async function startLocalDashboard(options: LocalDashboardOptions): Promise<LocalDashboard> {
  const env = options.env ?? process.env;
  const port = options.port ?? dashboardPort(options.argv ?? process.argv.slice(2), env);
  const password = options.password ?? (env.DASHBOARD_PASSWORD || randomBytes(18).toString('base64url'));
  const { db, client } = localDatabase(options.dataApiUrl, DASHBOARD_RETRY);
  let dashboard;
  try {
    dashboard = await startDashboardServer({
      db,
      password,
      athena: { unavailable: LOCAL_ATHENA_UNAVAILABLE },
      port,
      host: options.host ?? '127.0.0.1',
      log: options.log ?? (() => {}),
    });
  } catch (err) {
    client.destroy();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${port} is in use; start the dashboard elsewhere with --dashboard-port 8081 or DASHBOARD_PORT=8081.`,
      );
    }
    throw err;
  }
  return {
    url: dashboard.url,
    password,
    lines: [`dashboard: ${dashboard.url}`, `password: ${password}`],
    async close() {
      await dashboard.close();
      client.destroy();
    },
  };
}

/**
 * The dashboard service of `npm start`: serves on `http://127.0.0.1:8080` (`--dashboard-port <n>`
 * or `DASHBOARD_PORT` change the port) and prints the URL and the login password.
 */
export const dashboardService: LocalService = {
  name: 'dashboard',
  async start(context) {
    const dashboard = await startLocalDashboard({ dataApiUrl: context.dataApi.endpoint, argv: context.argv });
    return { lines: dashboard.lines, stop: () => dashboard.close() };
  },
};
