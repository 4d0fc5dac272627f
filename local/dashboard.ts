/**
 * The dashboard in the local platform: the same server as the container, in-process, reading the
 * embedded Postgres through the local Data API endpoint with the real SDK client. Athena has no
 * local stand-in, so the full-history switch explains that instead of failing.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DASHBOARD_RETRY } from '../dashboard-app/src/config';
import { startDashboardServer } from '../dashboard-app/src/server';
import { portFlag } from './args';
import { localDatabase } from './data-api-server';
import { isPortInUse, portInUseMessage } from './http';
import type { LocalService } from './service';

/** Port of the local dashboard unless `--dashboard-port` or `DASHBOARD_PORT` says otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8080;

/** Where the generated password is kept, so a restart does not log everyone out. */
export const PASSWORD_FILE = 'dashboard-password';

export const LOCAL_ATHENA_UNAVAILABLE =
  'Athena is an AWS service with no local stand-in: the local platform charts Postgres only. ' +
  'Deployed, this switch runs the same charts on Athena over the whole lake.';

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

export async function startLocalDashboard(options: LocalDashboardOptions): Promise<LocalDashboard> {
  const port = options.port ?? DEFAULT_DASHBOARD_PORT;
  const password = options.password ?? generatePassword();
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
