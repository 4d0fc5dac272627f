/**
 * The dashboard's settings, read once from the environment at start. In AWS the hosting (App
 * Runner, ECS, Lambda) sets them; locally `npm start` does.
 */
import { CLIENT_ADDRESS_SOURCES, type ClientAddressSource } from './client-address';

/**
 * Data API retries of a page request: short, so a paused database answers "waking up" within
 * seconds (the page then retries) instead of holding the request for the whole resume.
 */
export const DASHBOARD_RETRY = { budgetMs: 3_000, maxDelayMs: 1_000 } as const;

/** Seconds between chart refreshes while a page is open, unless DASHBOARD_REFRESH_SECONDS says otherwise. */
export const DEFAULT_REFRESH_SECONDS = 5;

export interface DashboardConfig {
  /** `PORT` (App Runner) or `DASHBOARD_PORT`. @default 8080 */
  readonly port: number;
  /** `DASHBOARD_HOST`. @default 0.0.0.0 (all interfaces, as a container needs) */
  readonly host: string;
  /** `DASHBOARD_PASSWORD`: the login password given directly (local mode). */
  readonly password?: string;
  /** `DASHBOARD_PASSWORD_SECRET_ARN`: the Secrets Manager secret holding the password (AWS). */
  readonly passwordSecretArn?: string;
  /** `ATHENA_WORKGROUP` and `GLUE_DATABASE`: both set to enable the full-history switch. */
  readonly athena?: { readonly workgroup: string; readonly database: string };
  /**
   * `DASHBOARD_CLIENT_ADDRESS`: where the login rate limit finds the client's address: `socket`
   * (the TCP peer; local and Lambda) or `x-forwarded-for-rightmost` (behind App Runner or an
   * Application Load Balancer). `DASHBOARD_TRUST_PROXY=true`, the older setting, means the latter.
   * @default socket
   */
  readonly clientAddress: ClientAddressSource;
  /** `DASHBOARD_REFRESH_SECONDS`: how often the page refreshes its charts. @default 5 */
  readonly refreshSeconds: number;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Environment variable ${name} is "${raw}"; set a whole number from ${min} to ${max}.`);
  }
  return value;
}

function readClientAddress(env: NodeJS.ProcessEnv): ClientAddressSource {
  const trust = (env.DASHBOARD_TRUST_PROXY ?? '').toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(trust)) {
    throw new Error(
      `Environment variable DASHBOARD_TRUST_PROXY is "${env.DASHBOARD_TRUST_PROXY}"; set true or false ` +
        '(or, instead, DASHBOARD_CLIENT_ADDRESS).',
    );
  }
  const alias: ClientAddressSource | undefined =
    trust === 'true' || trust === '1' ? 'x-forwarded-for-rightmost' : undefined;
  const raw = env.DASHBOARD_CLIENT_ADDRESS;
  if (raw === undefined || raw === '') return alias ?? 'socket';
  if (!(CLIENT_ADDRESS_SOURCES as readonly string[]).includes(raw)) {
    throw new Error(
      `Environment variable DASHBOARD_CLIENT_ADDRESS is "${raw}"; set socket (the default) or ` +
        'x-forwarded-for-rightmost (behind App Runner or an Application Load Balancer).',
    );
  }
  if (alias && alias !== raw) {
    throw new Error(
      `DASHBOARD_TRUST_PROXY=true means DASHBOARD_CLIENT_ADDRESS=${alias}, but DASHBOARD_CLIENT_ADDRESS=${raw} ` +
        'is set as well; keep only DASHBOARD_CLIENT_ADDRESS.',
    );
  }
  return raw as ClientAddressSource;
}

export function readDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  const password = env.DASHBOARD_PASSWORD || undefined;
  const passwordSecretArn = env.DASHBOARD_PASSWORD_SECRET_ARN || undefined;
  if (!password && !passwordSecretArn) {
    throw new Error(
      'No dashboard password: set DASHBOARD_PASSWORD_SECRET_ARN (the Secrets Manager secret, as the stack does) ' +
        'or DASHBOARD_PASSWORD (local mode).',
    );
  }
  const workgroup = env.ATHENA_WORKGROUP || undefined;
  const database = env.GLUE_DATABASE || undefined;
  if (Boolean(workgroup) !== Boolean(database)) {
    throw new Error('Set both ATHENA_WORKGROUP and GLUE_DATABASE to enable Athena, or neither.');
  }
  return {
    port: integer(env, env.PORT ? 'PORT' : 'DASHBOARD_PORT', 8080, 0, 65535),
    host: env.DASHBOARD_HOST || '0.0.0.0',
    password,
    passwordSecretArn,
    athena: workgroup && database ? { workgroup, database } : undefined,
    clientAddress: readClientAddress(env),
    refreshSeconds: integer(env, 'DASHBOARD_REFRESH_SECONDS', DEFAULT_REFRESH_SECONDS, 1, 3600),
  };
}
