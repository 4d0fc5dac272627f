import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { checkCidr } from './cidr';
import { checkSettingNames } from './setting-names';

/**
 * The platform's settings, read once in `bin/app.ts` from `cdk.json` context and `-c key=value`,
 * validated, and passed down to the stacks as props. Nothing below `bin/` reads context itself.
 */
export interface AppConfig {
  /** Prefix of stack names and the `Project` cost allocation tag. */
  readonly projectName: string;
  /** Addresses that receive budget and alarm notifications. Required. */
  readonly alertEmails: readonly string[];
  /** Monthly cost budget in US dollars. */
  readonly monthlyBudgetUsd: number;
  /** Networks (CIDR) allowed to reach Postgres on port 5432. Empty: no inbound traffic at all. */
  readonly allowedCidrs: readonly string[];
  /** Maximum Aurora Serverless v2 capacity in ACUs. */
  readonly databaseMaxAcu: number;
  /** Minutes without connections before Aurora pauses (minimum capacity 0). */
  readonly databaseAutoPauseMinutes: number;
  /** Days to keep function and service logs (a value CloudWatch Logs accepts). */
  readonly logRetentionDays: logs.RetentionDays;
  /** Athena cancels any query of the workgroup that scans more than this many megabytes. */
  readonly athenaScanLimitMb: number;
  /** Whether the scheduled data generator sends batches through the ingest endpoint. */
  readonly generatorEnabled: boolean;
  /** How often the generator runs: an EventBridge Scheduler rate expression, e.g. `rate(5 minutes)`. */
  readonly generatorRate: string;
  /**
   * Load every S3 access log record into Postgres. When false, only GET object requests (200 and 206)
   * and invalid requests (4xx, 5xx) are loaded; Athena reads every record from the log bucket anyway.
   */
  readonly accessLogsKeepAllOperations: boolean;
  /** Networks (CIDR) allowed to reach the dashboard; set: an AWS WAF IP allowlist guards it. Empty: login only. */
  readonly dashboardAllowedCidrs: readonly string[];
  /** Most App Runner instances or ECS tasks the dashboard scales out to (Lambda scales by itself). */
  readonly dashboardMaxInstances: number;
  /** Where the dashboard runs: App Runner, a Lambda Function URL, or ECS Express Mode. */
  readonly dashboardHosting: DashboardHosting;
}

/**
 * Where the dashboard runs. `app-runner`: an App Runner service (accounts that already use App
 * Runner; it is closed to new customers since 30 April 2026). `lambda`: a function behind a Function
 * URL, $0 while nobody looks. `ecs-express`: an always-on container on ECS Express Mode.
 */
export const DASHBOARD_HOSTINGS = ['app-runner', 'lambda', 'ecs-express'] as const;
export type DashboardHosting = (typeof DASHBOARD_HOSTINGS)[number];

/** Where each setting comes from when it is not given, and what it means. Shown in the README. */
export const DEFAULTS = {
  projectName: 'analytics',
  monthlyBudgetUsd: 50,
  allowedCidrs: [] as string[],
  databaseMaxAcu: 2,
  databaseAutoPauseMinutes: 10,
  logRetentionDays: 30,
  athenaScanLimitMb: 1024,
  // Off on AWS: every run wakes Aurora, which then never pauses (docs/cost.md). `npm start` runs it locally.
  generatorEnabled: false,
  generatorRate: 'rate(5 minutes)',
  accessLogsKeepAllOperations: false,
  dashboardAllowedCidrs: [] as string[],
  dashboardMaxInstances: 2,
  dashboardHosting: 'app-runner' as DashboardHosting,
} as const;

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** A setting that failed validation. The message names the key, the value and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads a context value; undefined when unset. */
export type ContextReader = (key: string) => unknown;

/** Where `parseConfig` reports context keys that are no setting, and which keys are present. */
export interface ContextKeys {
  /**
   * Every key present in the context (cdk.json, -c, the CDK's own). A key close to a setting's
   * name is refused as a typo; others are passed to `warn`.
   * @default no key is checked
   */
  readonly keys?: Iterable<string>;
  /** Receives one sentence per unknown key that is close to no setting. @default ignored */
  readonly warn?: (message: string) => void;
}

const warnOnStderr = (message: string) => process.stderr.write(`Warning: ${message}\n`);

/** Builds the configuration from a construct node's context (`app.node`), checking every key in it. */
export function loadConfig(node: Node, warn: (message: string) => void = warnOnStderr): AppConfig {
  return parseConfig((key) => node.tryGetContext(key), { keys: Object.keys(node.getAllContext()), warn });
}

/**
 * Validates every setting and returns the typed configuration. Collects all problems and throws
 * one `ConfigError` listing them, so a user fixes everything in one go.
 */
export function parseConfig(source: ContextReader, context: ContextKeys = {}): AppConfig {
  // The settings are the keys this function reads: a new setting is known without a second list.
  const settings = new Set<string>();
  const read: ContextReader = (key) => {
    settings.add(key);
    return source(key);
  };
  const problems: string[] = [];
  const field = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) {
        problems.push(err.message);
        return fallback;
      }
      throw err;
    }
  };

  const config: AppConfig = {
    projectName: field(() => readProjectName(read('projectName')), DEFAULTS.projectName),
    alertEmails: field(() => readAlertEmails(read('alertEmails')), []),
    monthlyBudgetUsd: field(
      () =>
        readNumber('monthlyBudgetUsd', read('monthlyBudgetUsd'), DEFAULTS.monthlyBudgetUsd, {
          min: 1,
          max: 1_000_000,
        }),
      DEFAULTS.monthlyBudgetUsd,
    ),
    allowedCidrs: field(() => readCidrs('allowedCidrs', read('allowedCidrs')), []),
    databaseMaxAcu: field(() => readAcu(read('databaseMaxAcu')), DEFAULTS.databaseMaxAcu),
    databaseAutoPauseMinutes: field(
      () =>
        readNumber(
          'databaseAutoPauseMinutes',
          read('databaseAutoPauseMinutes'),
          DEFAULTS.databaseAutoPauseMinutes,
          {
            min: 5,
            max: 1440,
            integer: true,
            why: 'Aurora Serverless v2 auto-pause accepts 5 to 1440 minutes (24 hours)',
          },
        ),
      DEFAULTS.databaseAutoPauseMinutes,
    ),
    logRetentionDays: field(
      () => readRetention(read('logRetentionDays')),
      DEFAULTS.logRetentionDays as logs.RetentionDays,
    ),
    athenaScanLimitMb: field(
      () =>
        readNumber('athenaScanLimitMb', read('athenaScanLimitMb'), DEFAULTS.athenaScanLimitMb, {
          min: 10,
          max: 10_000_000,
          integer: true,
          why: 'Athena accepts a per-query data usage limit of at least 10 MB',
        }),
      DEFAULTS.athenaScanLimitMb,
    ),
    generatorEnabled: field(
      () => readBoolean('generatorEnabled', read('generatorEnabled'), DEFAULTS.generatorEnabled),
      DEFAULTS.generatorEnabled,
    ),
    generatorRate: field(
      () => readRate('generatorRate', read('generatorRate'), DEFAULTS.generatorRate),
      DEFAULTS.generatorRate,
    ),
    accessLogsKeepAllOperations: field(
      () =>
        readBoolean(
          'accessLogsKeepAllOperations',
          read('accessLogsKeepAllOperations'),
          DEFAULTS.accessLogsKeepAllOperations,
        ),
      DEFAULTS.accessLogsKeepAllOperations,
    ),
    dashboardAllowedCidrs: field(() => readCidrs('dashboardAllowedCidrs', read('dashboardAllowedCidrs')), []),
    dashboardMaxInstances: field(
      () =>
        readNumber('dashboardMaxInstances', read('dashboardMaxInstances'), DEFAULTS.dashboardMaxInstances, {
          min: 1,
          max: 10,
          integer: true,
          why: 'the dashboard is for a person or a small team; more instances only add cost',
        }),
      DEFAULTS.dashboardMaxInstances,
    ),
    dashboardHosting: field(() => readHosting(read('dashboardHosting')), DEFAULTS.dashboardHosting),
  };

  if (context.keys) {
    const unknown = checkSettingNames(context.keys, new Set([...settings, ...Object.keys(config)]));
    problems.push(...unknown.problems);
    for (const warning of unknown.warnings) context.warn?.(warning);
  }

  if (problems.length > 0) {
    throw new ConfigError(
      `Invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return config;
}

const howToSet = (key: string, example: string) =>
  `Set it in cdk.json under "context" or on the command line: -c ${key}=${example}`;

function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

function readProjectName(raw: unknown): string {
  if (isUnset(raw)) return DEFAULTS.projectName;
  const value = String(raw);
  if (!/^[a-z][a-z0-9-]{1,19}$/.test(value) || value.endsWith('-')) {
    throw new ConfigError(
      `projectName "${value}" is not valid: use 2 to 20 lower-case letters, digits or hyphens, starting with a letter ` +
        `(it prefixes stack and resource names). ${howToSet('projectName', 'analytics')}`,
    );
  }
  return value;
}

/**
 * Parses a list setting. From cdk.json it is a JSON array; from `-c` it is a string holding a JSON
 * array (`'["a","b"]'`) or comma-separated values (`a,b`).
 */
export function readList(key: string, raw: unknown): string[] {
  if (isUnset(raw)) return [];
  let items: unknown[];
  if (Array.isArray(raw)) {
    items = raw;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!Array.isArray(parsed)) throw new Error('not an array');
        items = parsed;
      } catch {
        throw new ConfigError(
          `${key} ${JSON.stringify(raw)} starts with "[" but is not a JSON array of strings. ` +
            `Use a JSON array (-c ${key}='["a","b"]') or comma-separated values (-c ${key}=a,b).`,
        );
      }
    } else {
      items = text.split(',');
    }
  } else {
    throw new ConfigError(
      `${key} must be a list of strings, got ${JSON.stringify(raw)}. ` +
        `Use a JSON array in cdk.json or comma-separated values: -c ${key}=a,b`,
    );
  }
  return items
    .map((item, i) => {
      if (typeof item !== 'string') {
        throw new ConfigError(`${key}[${i}] must be a string, got ${JSON.stringify(item)}.`);
      }
      return item.trim();
    })
    .filter((item) => item.length > 0);
}

// Deliberately simple: one @, no spaces, a dot in the domain. SNS confirms the address anyway.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

function readAlertEmails(raw: unknown): string[] {
  const emails = readList('alertEmails', raw);
  if (emails.length === 0) {
    throw new ConfigError(
      'alertEmails is required: budget and alarm notifications need at least one address. ' +
        howToSet('alertEmails', 'ops@example.com') +
        ' (several: -c alertEmails=a@example.com,b@example.com)',
    );
  }
  for (const email of emails) {
    if (!EMAIL.test(email)) {
      throw new ConfigError(
        `alertEmails contains "${email}", which is not an email address. ${howToSet('alertEmails', 'ops@example.com')}`,
      );
    }
  }
  if (new Set(emails.map((e) => e.toLowerCase())).size !== emails.length) {
    throw new ConfigError(
      `alertEmails lists an address twice: ${JSON.stringify(emails)}. List each address once.`,
    );
  }
  return emails;
}

interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** Why the bounds are what they are. */
  readonly why?: string;
}

function readNumber(key: string, raw: unknown, fallback: number, rule: NumberRule): number {
  if (isUnset(raw)) return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw new ConfigError(`${key} ${JSON.stringify(raw)} is not ${kind}. ${howToSet(key, String(fallback))}`);
  }
  if (value < rule.min || value > rule.max) {
    throw new ConfigError(
      `${key} ${JSON.stringify(raw)} is out of range: use ${kind} from ${rule.min} to ${rule.max}` +
        `${rule.why ? ` (${rule.why})` : ''}. ${howToSet(key, String(fallback))}`,
    );
  }
  return value;
}

function readAcu(raw: unknown): number {
  const value = readNumber('databaseMaxAcu', raw, DEFAULTS.databaseMaxAcu, {
    min: 1,
    max: 256,
    why: 'Aurora Serverless v2 allows 1 to 256 ACUs as maximum',
  });
  if (!Number.isInteger(value * 2)) {
    throw new ConfigError(
      `databaseMaxAcu ${JSON.stringify(raw)} must be a multiple of 0.5 ACU (e.g. 1, 1.5, 2). ${howToSet('databaseMaxAcu', '2')}`,
    );
  }
  return value;
}

function readRetention(raw: unknown): logs.RetentionDays {
  const value = readNumber('logRetentionDays', raw, DEFAULTS.logRetentionDays, {
    min: 1,
    max: 3653,
    integer: true,
  });
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
    throw new ConfigError(
      `logRetentionDays ${JSON.stringify(raw)} is not a retention CloudWatch Logs accepts. ` +
        `Use one of ${LOG_RETENTION_DAYS.join(', ')}. ${howToSet('logRetentionDays', '30')}`,
    );
  }
  // Every accepted value is one of the RetentionDays members (their values are the days).
  return value as logs.RetentionDays;
}

/** Reads a CIDR list and rejects ranges too broad to expose a database or service to. */
export function readCidrs(key: string, raw: unknown): string[] {
  const cidrs = readList(key, raw);
  const seen = new Set<string>();
  for (const cidr of cidrs) {
    const problem = checkCidr(cidr);
    if (problem) throw new ConfigError(`${key} contains "${cidr}": ${problem}`);
    if (seen.has(cidr)) throw new ConfigError(`${key} lists "${cidr}" twice. List each network once.`);
    seen.add(cidr);
  }
  return cidrs;
}

function readHosting(raw: unknown): DashboardHosting {
  if (isUnset(raw)) return DEFAULTS.dashboardHosting;
  const value = String(raw).trim();
  if (!(DASHBOARD_HOSTINGS as readonly string[]).includes(value)) {
    throw new ConfigError(
      `dashboardHosting ${JSON.stringify(raw)} is not a hosting: use one of ${DASHBOARD_HOSTINGS.join(', ')} ` +
        '(an account that never used App Runner, or was created after 30 April 2026, uses lambda or ecs-express). ' +
        howToSet('dashboardHosting', 'lambda'),
    );
  }
  return value as DashboardHosting;
}

function readBoolean(key: string, raw: unknown, fallback: boolean): boolean {
  if (isUnset(raw)) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ConfigError(
    `${key} ${JSON.stringify(raw)} is not true or false. ${howToSet(key, String(fallback))}`,
  );
}

/** An EventBridge Scheduler rate expression: `rate(1 minute)`, `rate(5 minutes)`, `rate(2 hours)`, `rate(1 day)`. */
function readRate(key: string, raw: unknown, fallback: string): string {
  if (isUnset(raw)) return fallback;
  const value = String(raw).trim();
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
  const amount = match ? Number(match[1]) : 0;
  const singular = match ? !match[2].endsWith('s') : false;
  if (!match || amount < 1 || singular !== (amount === 1)) {
    throw new ConfigError(
      `${key} ${JSON.stringify(raw)} is not an EventBridge Scheduler rate expression: use rate(<n> <unit>) with a ` +
        `whole number n >= 1 and unit minute/hour/day (singular for 1, plural otherwise), e.g. rate(1 minute) or ` +
        `rate(15 minutes). ${howToSet(key, "'rate(5 minutes)'")}`,
    );
  }
  return value;
}
