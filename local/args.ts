import * as path from 'node:path';

/**
 * Every flag of `npm start`, in one table, parsed in one place. Services never read `argv` or the
 * environment: they get the parsed `StartOptions` through their `LocalContext`. A flag may also
 * come from its environment variable; the flag wins. Unknown flags are refused with the list.
 */

export interface StartOptions {
  /** The data folder (absolute): the database, the local buckets, the state file. */
  readonly dataDir: string;
  /** Start from an empty data folder (only one `npm start` created). */
  readonly reset: boolean;
  /** Only the database and its endpoints, none of the services. */
  readonly databaseOnly: boolean;
  /** The interface every endpoint listens on: the loopback interface, always. */
  readonly host: string;
  /** Ports: 0 picks a free port; a taken port fails start with a message naming its flag. */
  readonly postgresPort: number;
  readonly dataApiPort: number;
  readonly ingestPort: number;
  readonly s3Port: number;
  readonly queuePort: number;
  readonly dashboardPort: number;
  /** Port of the local Athena endpoint (`--athena-port`, `LOCAL_ATHENA_PORT`, default 4520). */
  readonly athenaPort: number;
  /** Whether the generator sends batches. */
  readonly generator: boolean;
  /** Seconds between the generator's batches. */
  readonly generatorIntervalSeconds: number;
  /** `DASHBOARD_PASSWORD`: the dashboard password, instead of the one kept in the data folder. */
  readonly dashboardPassword?: string;
  /** `--help`: print the flags and exit. */
  readonly help: boolean;
}

type PortKey =
  'postgresPort' | 'dataApiPort' | 'ingestPort' | 's3Port' | 'queuePort' | 'dashboardPort' | 'athenaPort';

interface FlagBase {
  readonly flag: string;
  /** Environment variable read when the flag is absent. */
  readonly env?: string;
  /** What it does, for `--help` and the README's table. */
  readonly meaning: string;
}

export type Flag =
  | (FlagBase & { readonly kind: 'switch'; readonly key: 'reset' | 'databaseOnly' | 'help' | 'noGenerator' })
  | (FlagBase & { readonly kind: 'port'; readonly key: PortKey; readonly default: number })
  | (FlagBase & { readonly kind: 'folder'; readonly key: 'dataDir'; readonly default: string })
  | (FlagBase & {
      readonly kind: 'seconds';
      readonly key: 'generatorIntervalSeconds';
      readonly default: number;
    });

export const DEFAULT_DATA_DIR = '.local-data';

/** The flags of `npm start`. The README's "Local platform" table lists the same. */
export const FLAGS: readonly Flag[] = [
  { flag: '--reset', kind: 'switch', key: 'reset', meaning: 'Start from an empty data folder.' },
  {
    flag: '--data-dir',
    kind: 'folder',
    key: 'dataDir',
    env: 'LOCAL_DATA_DIR',
    default: DEFAULT_DATA_DIR,
    meaning: 'Where the database, the local buckets and the state file live.',
  },
  {
    flag: '--postgres-port',
    kind: 'port',
    key: 'postgresPort',
    env: 'LOCAL_POSTGRES_PORT',
    default: 5433,
    meaning: '`psql` endpoint.',
  },
  {
    flag: '--data-api-port',
    kind: 'port',
    key: 'dataApiPort',
    env: 'LOCAL_DATA_API_PORT',
    default: 4510,
    meaning: 'RDS Data API endpoint.',
  },
  {
    flag: '--ingest-port',
    kind: 'port',
    key: 'ingestPort',
    env: 'LOCAL_INGEST_PORT',
    default: 4010,
    meaning: 'Ingest endpoint.',
  },
  {
    flag: '--s3-port',
    kind: 'port',
    key: 's3Port',
    env: 'LOCAL_S3_PORT',
    default: 0,
    meaning: 'S3 endpoint (the lake and the log bucket).',
  },
  {
    flag: '--queue-port',
    kind: 'port',
    key: 'queuePort',
    env: 'LOCAL_QUEUE_PORT',
    default: 0,
    meaning: 'Loader queue endpoint (SQS), for `npm run backfill`.',
  },
  {
    flag: '--dashboard-port',
    kind: 'port',
    key: 'dashboardPort',
    env: 'DASHBOARD_PORT',
    default: 8080,
    meaning: 'Dashboard.',
  },
  {
    flag: '--athena-port',
    kind: 'port',
    key: 'athenaPort',
    env: 'LOCAL_ATHENA_PORT',
    default: 4520,
    meaning: 'Athena endpoint.',
  },
  {
    flag: '--no-generator',
    kind: 'switch',
    key: 'noGenerator',
    env: 'LOCAL_GENERATOR',
    meaning: 'Turn the generated data off (`LOCAL_GENERATOR=off`).',
  },
  {
    flag: '--generator-interval',
    kind: 'seconds',
    key: 'generatorIntervalSeconds',
    default: 30,
    meaning: 'Seconds between generated batches.',
  },
  {
    flag: '--database-only',
    kind: 'switch',
    key: 'databaseOnly',
    meaning: 'Only the database and its endpoints.',
  },
  { flag: '--help', kind: 'switch', key: 'help', meaning: 'Print these flags and exit.' },
];

/** A flag `npm start` cannot use; the message names it and what to do. */
export class StartOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartOptionsError';
  }
}

/** `--data-dir <dir>`, `--reset`: how a flag is written. */
export function flagUsage(flag: Flag): string {
  const placeholder = { switch: '', port: ' <port>', folder: ' <dir>', seconds: ' <seconds>' }[flag.kind];
  return `${flag.flag}${placeholder}`;
}

/** The flags as `npm start -- --help` prints them. */
export function describeFlags(): string[] {
  const width = Math.max(...FLAGS.map((f) => flagUsage(f).length));
  return FLAGS.map((f) => {
    const defaults = 'default' in f ? ` (default ${f.default === 0 ? '0: a free port' : f.default})` : '';
    const env = f.env ? ` [${f.env}]` : '';
    return `  ${flagUsage(f).padEnd(width)}  ${f.meaning}${defaults}${env}`;
  });
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function unknownFlag(arg: string): StartOptionsError {
  const name = arg.split('=')[0];
  const closest = FLAGS.map((f) => ({ f, d: distance(name, f.flag) })).sort((a, b) => a.d - b.d)[0];
  const hint = closest && closest.d <= 3 ? ` (did you mean ${closest.f.flag}?)` : '';
  return new StartOptionsError(
    `unknown flag ${name}${hint}. npm start knows these flags:\n${describeFlags().join('\n')}`,
  );
}

function portValue(raw: string, source: string): number {
  const port = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartOptionsError(
      `${source} "${raw}" is not a port: use a whole number from 0 to 65535 (0 picks a free port).`,
    );
  }
  return port;
}

/** Parses `npm start`'s arguments (after `--`) and environment into `StartOptions`. */
export function parseStartOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): StartOptions {
  const given = new Map<Flag, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new StartOptionsError(
        `npm start takes flags only, got "${arg}". Flags:\n${describeFlags().join('\n')}`,
      );
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const flag = FLAGS.find((f) => f.flag === name);
    if (!flag) throw unknownFlag(arg);
    if (flag.kind === 'switch') {
      if (eq !== -1) throw new StartOptionsError(`${name} takes no value, got "${arg}".`);
      given.set(flag, true);
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq === -1 && value.startsWith('--'))) {
      throw new StartOptionsError(`${name} needs a value, e.g. ${flagUsage(flag)}.`);
    }
    given.set(flag, value);
  }

  const values: Record<string, unknown> = {};
  for (const flag of FLAGS) {
    const fromFlag = given.get(flag);
    const fromEnv = flag.env ? env[flag.env] : undefined;
    const source = flag.env ? `${flag.flag} (or ${flag.env})` : flag.flag;
    const raw = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    switch (flag.kind) {
      case 'switch':
        values[flag.key] = flag.key === 'noGenerator' ? raw === true || raw === 'off' : raw === true;
        break;
      case 'port':
        values[flag.key] = raw === undefined ? flag.default : portValue(String(raw), source);
        break;
      case 'folder':
        values[flag.key] = path.resolve(raw === undefined ? flag.default : String(raw));
        break;
      case 'seconds': {
        const seconds = raw === undefined ? flag.default : Number(raw);
        if (!Number.isFinite(seconds) || seconds < 1) {
          throw new StartOptionsError(`${source} "${String(raw)}" must be a number of seconds, at least 1.`);
        }
        values[flag.key] = seconds;
        break;
      }
    }
  }
  return {
    dataDir: values.dataDir as string,
    reset: values.reset as boolean,
    databaseOnly: values.databaseOnly as boolean,
    host: '127.0.0.1',
    postgresPort: values.postgresPort as number,
    dataApiPort: values.dataApiPort as number,
    ingestPort: values.ingestPort as number,
    s3Port: values.s3Port as number,
    queuePort: values.queuePort as number,
    dashboardPort: values.dashboardPort as number,
    athenaPort: values.athenaPort as number,
    generator: !(values.noGenerator as boolean),
    generatorIntervalSeconds: values.generatorIntervalSeconds as number,
    dashboardPassword: env.DASHBOARD_PASSWORD || undefined,
    help: values.help as boolean,
  };
}

/** The flag that sets each port, named in "port in use" messages. */
export function portFlag(key: PortKey): string {
  return FLAGS.find((f) => f.kind === 'port' && f.key === key)!.flag;
}
