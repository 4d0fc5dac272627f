/**
 * The dashboard's settings, read once from the environment at start. In AWS the App Runner
 * service sets them; locally `npm start` does.
 */
/**
 * Data API retries of a page request: short, so a paused database answers "waking up" within
 * seconds (the page then retries) instead of holding the request for the whole resume.
 */
export const DASHBOARD_RETRY = { budgetMs: 3_000, maxDelayMs: 1_000 } as const;

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
  /** `DASHBOARD_TRUST_PROXY=true`: take the client address from the last `X-Forwarded-For` entry. */
  readonly trustProxy: boolean;
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
  const trust = (env.DASHBOARD_TRUST_PROXY ?? '').toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(trust)) {
    throw new Error(
      `Environment variable DASHBOARD_TRUST_PROXY is "${env.DASHBOARD_TRUST_PROXY}"; set true or false.`,
    );
  }
  return {
    port: integer(env, env.PORT ? 'PORT' : 'DASHBOARD_PORT', 8080, 0, 65535),
    host: env.DASHBOARD_HOST || '0.0.0.0',
    password,
    passwordSecretArn,
    athena: workgroup && database ? { workgroup, database } : undefined,
    trustProxy: trust === 'true' || trust === '1',
    refreshSeconds: integer(env, 'DASHBOARD_REFRESH_SECONDS', 5, 1, 3600),
  };
}
