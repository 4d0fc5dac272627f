import { KEEP_ALL_OPERATIONS_ENV } from '../contract';

/**
 * Which access log records are loaded into Postgres. Athena reads every record from the log bucket
 * anyway; Postgres keeps what the dashboards need, so the hot store stays small.
 */

/** The keep/skip rule. */
export interface AccessLogRules {
  /**
   * Keep every operation. By default only GET object requests (full 200 and partial 206) and
   * invalid requests (4xx and 5xx on any operation) are kept.
   * @default false
   */
  readonly keepAllOperations: boolean;
}

export const DEFAULT_ACCESS_LOG_RULES: AccessLogRules = { keepAllOperations: false };

/** Operations that read an object: the REST API and the static website endpoint. */
export const GET_OBJECT_OPERATIONS: readonly string[] = ['REST.GET.OBJECT', 'WEBSITE.GET.OBJECT'];

export { KEEP_ALL_OPERATIONS_ENV };

/**
 * Whether a record is loaded: every record when `keepAllOperations`; otherwise a GET object
 * request answered with 200 (full) or 206 (partial), or any request answered with 4xx or 5xx.
 */
export function keepRecord(
  record: { readonly operation: string; readonly http_status: number | null },
  rules: AccessLogRules,
): boolean {
  if (rules.keepAllOperations) return true;
  const status = record.http_status;
  if (status === null) return false;
  if (status >= 400) return true;
  return (status === 200 || status === 206) && GET_OBJECT_OPERATIONS.includes(record.operation);
}

/** Reads the rule from the loader's environment; anything but `true` or `false` is an error naming the variable. */
export function accessLogRulesFromEnv(env: NodeJS.ProcessEnv = process.env): AccessLogRules {
  const raw = env[KEEP_ALL_OPERATIONS_ENV];
  if (raw === undefined || raw === '') return DEFAULT_ACCESS_LOG_RULES;
  const value = raw.trim().toLowerCase();
  if (value === 'true') return { keepAllOperations: true };
  if (value === 'false') return { keepAllOperations: false };
  throw new Error(
    `${KEEP_ALL_OPERATIONS_ENV} is ${JSON.stringify(raw)}: use "true" or "false" ` +
      '(set by the accessLogsKeepAllOperations setting, e.g. -c accessLogsKeepAllOperations=true).',
  );
}
