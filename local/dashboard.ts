/**
 * The dashboard in the local platform: the same server as the container, in-process, reading the
 * embedded Postgres through the local Data API endpoint with the real SDK client. When the local
 * Athena runs (`AWS_ENDPOINT_URL_ATHENA` is set), the full-history switch runs the charts on it,
 * with the workgroup and Glue database the container gets in AWS; otherwise the switch explains
 * why it is off.
 */
import { randomBytes } from 'node:crypto';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaRunner } from '../dashboard-app/src/athena';
import { DASHBOARD_RETRY, readDashboardConfig } from '../dashboard-app/src/config';
import { startDashboardServer } from '../dashboard-app/src/server';
import { localAthenaSettings } from './athena/settings';
import { localDatabase } from './data-api-server';
import type { LocalService } from './service';

/** Port of the local dashboard unless `--dashboard-port` or `DASHBOARD_PORT` says otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8080;

export const LOCAL_ATHENA_UNAVAILABLE =
  'The local Athena is not running (AWS_ENDPOINT_URL_ATHENA is unset), so these charts read Postgres only. ' +
  '`npm start` runs it; deployed, this switch runs the same charts on Athena over the whole lake.';

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
  /** URL of the local Athena endpoint. @default AWS_ENDPOINT_URL_ATHENA; unset turns the full-history switch off */
  readonly athenaEndpoint?: string;
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

/**
 * The Athena settings the dashboard container gets in AWS (`ATHENA_WORKGROUP`, `GLUE_DATABASE`,
 * and the SDK's `AWS_ENDPOINT_URL_ATHENA`), pointing at the local Athena: its workgroup and
 * database unless the environment names others.
 */
export function localAthenaEnvironment(endpoint: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const settings = localAthenaSettings(env);
  return {
    AWS_ENDPOINT_URL_ATHENA: endpoint,
    ATHENA_WORKGROUP: env.ATHENA_WORKGROUP || settings.workgroup,
    GLUE_DATABASE: env.GLUE_DATABASE || settings.database,
  };
}

/** The dashboard's full-history engine: the container's Athena runner over the local endpoint. */
function localAthenaRunner(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv,
  password: string,
): AthenaRunner | { unavailable: string } {
  if (!endpoint) return { unavailable: LOCAL_ATHENA_UNAVAILABLE };
  const athenaEnv = localAthenaEnvironment(endpoint, env);
  // The container reads its Athena target from these variables (dashboard-app/src/config.ts).
  const { athena } = readDashboardConfig({ ...athenaEnv, DASHBOARD_PASSWORD: password });
  const client = new AthenaClient({
    endpoint: athenaEnv.AWS_ENDPOINT_URL_ATHENA,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return new AthenaRunner({ client, target: athena! });
}

export async function startLocalDashboard(options: LocalDashboardOptions): Promise<LocalDashboard> {
  const env = options.env ?? process.env;
  const port = options.port ?? dashboardPort(options.argv ?? process.argv.slice(2), env);
  const password = options.password ?? (env.DASHBOARD_PASSWORD || randomBytes(18).toString('base64url'));
  const athena = localAthenaRunner(options.athenaEndpoint ?? env.AWS_ENDPOINT_URL_ATHENA, env, password);
  const { db, client } = localDatabase(options.dataApiUrl, DASHBOARD_RETRY);
  let dashboard;
  try {
    dashboard = await startDashboardServer({
      db,
      password,
      athena,
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
