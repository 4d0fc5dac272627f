/**
 * The dashboard in the local platform: the same server as the container, in-process, reading the
 * embedded Postgres through the local Data API endpoint with the real SDK client. When the local
 * Athena runs (`AWS_ENDPOINT_URL_ATHENA` is set), the full-history switch runs the charts on it,
 * with the workgroup and Glue database the container gets in AWS; otherwise the switch explains
 * why it is off.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaRunner } from '../dashboard-app/src/athena';
import { DASHBOARD_RETRY, readDashboardConfig } from '../dashboard-app/src/config';
import { startDashboardServer } from '../dashboard-app/src/server';
import { portFlag } from './args';
import { localAthenaSettings } from './athena/settings';
import { localDatabase } from './data-api-server';
import { isPortInUse, portInUseMessage } from './http';
import type { LocalService } from './service';

/** Port of the local dashboard unless `--dashboard-port` or `DASHBOARD_PORT` says otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8080;

/** Where the generated password is kept, so a restart does not log everyone out. */
export const PASSWORD_FILE = 'dashboard-password';

export const LOCAL_ATHENA_UNAVAILABLE =
  'The local Athena is not running (AWS_ENDPOINT_URL_ATHENA is unset), so these charts read Postgres only. ' +
  '`npm start` runs it; deployed, this switch runs the same charts on Athena over the whole lake.';

export interface LocalDashboardOptions {
  /** URL of the local Data API endpoint (`startDataApiServer(...).url`). */
  readonly dataApiUrl: string;
  /** 0 picks a free port; a taken port fails. @default DEFAULT_DASHBOARD_PORT */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default a generated one (the service keeps it in the data folder) */
  readonly password?: string;
  /** Request log lines. @default none (the local console stays readable) */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Where the Athena endpoint and names are read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
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

const generatePassword = () => randomBytes(18).toString('base64url');

/**
 * The dashboard password of a data folder: `chosen` (DASHBOARD_PASSWORD) if set, else the one kept
 * in `<dataDir>/dashboard-password`, else a new one, kept there (readable by the owner only).
 * `--reset` empties the folder, so it also makes a new password.
 */
export function dashboardPassword(dataDir: string, chosen: string | undefined): string {
  if (chosen) return chosen;
  const file = path.join(dataDir, PASSWORD_FILE);
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 12) return kept;
  } catch {
    // None kept yet.
  }
  const password = generatePassword();
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
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
  const port = options.port ?? DEFAULT_DASHBOARD_PORT;
  const password = options.password ?? generatePassword();
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
    if (isPortInUse(err)) throw new Error(portInUseMessage(port, portFlag('dashboardPort')), { cause: err });
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
 * The dashboard service of `npm start`: serves on `--dashboard-port` (default 8080) and prints the
 * URL and the login password, which stays the same across restarts.
 */
export const dashboardService: LocalService = {
  name: 'dashboard',
  async start(context) {
    const dashboard = await startLocalDashboard({
      dataApiUrl: context.dataApi.endpoint,
      port: context.options.dashboardPort,
      host: context.options.host,
      password: dashboardPassword(context.dataDir, context.options.dashboardPassword),
    });
    return { lines: dashboard.lines, endpoints: { dashboard: dashboard.url }, stop: () => dashboard.close() };
  },
};
