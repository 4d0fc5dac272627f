import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { runMigrations } from '../migrations/runner';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  localDatabase,
  startDataApiServer,
} from './data-api-server';
import { athenaService } from './athena/service';
import { dashboardService } from './dashboard';
import { ingestionService } from './ingestion';
import { startPostgresServer } from './postgres';
import type { LocalContext, LocalService, StartedService } from './service';

/**
 * `npm start`: the platform on a laptop. Boots the embedded Postgres (persisted under the data
 * folder), applies the migrations, opens the local endpoints, then starts each service of
 * `SERVICES` in order. Every service prints `name: value` lines and returns a stop function;
 * Ctrl-C stops them in reverse order and closes the database cleanly.
 *
 * Flags: --reset (start from an empty data folder), --data-dir <dir> (default .local-data),
 * --postgres-port <n> (default 5433), --data-api-port <n> (default 4510); 0 picks a free port;
 * --database-only (only the database and its endpoints, none of `SERVICES`).
 */

/**
 * Services started after the database and its endpoints, in order. To add one, append an entry:
 * `{ name: 'dashboard', start: async (ctx) => { ...; return { lines: ['dashboard: http://...'], stop } } }`.
 */
export const SERVICES: LocalService[] = [ingestionService, athenaService, dashboardService];

export interface StartOptions {
  readonly dataDir: string;
  readonly reset: boolean;
  readonly postgresPort: number;
  readonly dataApiPort: number;
  readonly host: string;
  readonly databaseOnly: boolean;
}

export const DEFAULT_DATA_DIR = '.local-data';
export const DEFAULT_POSTGRES_PORT = 5433;
export const DEFAULT_DATA_API_PORT = 4510;
const MARKER = '.analytics-local-data';
const LOCK = 'start.lock';

function flagValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i === -1) return undefined;
  const arg = argv[i];
  if (arg.includes('=')) return arg.slice(arg.indexOf('=') + 1);
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--'))
    throw new Error(`${name} needs a value, e.g. ${name} 5433.`);
  return value;
}

function portValue(
  argv: readonly string[],
  name: string,
  envName: string,
  fallback: number,
  env: NodeJS.ProcessEnv,
) {
  const raw = flagValue(argv, name) ?? env[envName];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `${name} (or ${envName}) "${raw}" is not a port: use a whole number from 0 to 65535 (0 picks a free port).`,
    );
  }
  return port;
}

/** Reads the flags `npm start` understands; other flags are left to the services. */
export function parseStartOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): StartOptions {
  return {
    dataDir: path.resolve(flagValue(argv, '--data-dir') ?? env.LOCAL_DATA_DIR ?? DEFAULT_DATA_DIR),
    reset: argv.includes('--reset'),
    postgresPort: portValue(argv, '--postgres-port', 'LOCAL_POSTGRES_PORT', DEFAULT_POSTGRES_PORT, env),
    dataApiPort: portValue(argv, '--data-api-port', 'LOCAL_DATA_API_PORT', DEFAULT_DATA_API_PORT, env),
    host: '127.0.0.1',
    databaseOnly: argv.includes('--database-only'),
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Prepares the data folder: refuses one used by a running `npm start`, empties it on --reset (only
 * if it is a data folder this command created), and takes the lock.
 */
function prepareDataDir(options: StartOptions): () => void {
  const { dataDir } = options;
  const lockFile = path.join(dataDir, LOCK);
  if (fs.existsSync(lockFile)) {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid !== process.pid && isRunning(pid)) {
      throw new Error(
        `${dataDir} is in use by another npm start (pid ${pid}). Stop it first, or use another folder: --data-dir <dir>.`,
      );
    }
  }
  if (options.reset && fs.existsSync(dataDir)) {
    const entries = fs.readdirSync(dataDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(
        `--reset refuses to empty ${dataDir}: it was not created by npm start (no ${MARKER} file). ` +
          'Delete it yourself or choose another --data-dir.',
      );
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(
    path.join(dataDir, MARKER),
    'Data folder of `npm start` (cdk-analytics-platform). Safe to delete.\n',
  );
  fs.writeFileSync(lockFile, String(process.pid));
  return () => {
    try {
      if (fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid)) fs.rmSync(lockFile);
    } catch {
      // Already gone.
    }
  };
}

/** Starts a server, turning "port in use" into a message that names the flag to change. */
async function listening<T>(flag: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} is already in use: choose another with ${flag} <port> (0 picks a free port).`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

export interface LocalPlatform {
  readonly lines: readonly string[];
  readonly context: LocalContext;
  stop(): Promise<void>;
}

/**
 * Starts the database, its endpoints and every service; returns the printed lines and a stop
 * function. Sets the standard SDK settings in `process.env` so in-process handlers reach the local
 * endpoints: AWS_REGION, dummy credentials, AWS_ENDPOINT_URL_RDS_DATA, DB_CLUSTER_ARN, DB_SECRET_ARN, DB_NAME.
 */
export async function startLocalPlatform(
  argv: readonly string[],
  print: (line: string) => void = (line) => console.log(line),
): Promise<LocalPlatform> {
  const options = parseStartOptions(argv);
  const stops: Array<() => Promise<void>> = [];
  const lines: string[] = [];
  const emit = (newLines: readonly string[]) => {
    for (const line of newLines) {
      lines.push(line);
      print(line);
    }
  };
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        console.error(`error while stopping: ${(err as Error).message}`);
      }
    }
    stops.length = 0;
  };

  const releaseLock = prepareDataDir(options);
  stops.push(async () => releaseLock());
  try {
    const pgDir = path.join(options.dataDir, 'postgres');
    const pg = await PGlite.create(pgDir);
    stops.push(() => pg.close());

    const dataApi = await listening('--data-api-port', options.dataApiPort, () =>
      startDataApiServer({ pg, port: options.dataApiPort, host: options.host }),
    );
    stops.push(() => dataApi.close());
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_ENDPOINT_URL_RDS_DATA: dataApi.url,
      DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
      DB_SECRET_ARN: LOCAL_SECRET_ARN,
      DB_NAME: LOCAL_DATABASE,
    });

    const { db, client } = localDatabase(dataApi.url);
    stops.push(async () => client.destroy());
    const migrations = await runMigrations(db);

    const postgres = await listening('--postgres-port', options.postgresPort, () =>
      startPostgresServer({ pg, port: options.postgresPort, host: options.host }),
    );
    stops.push(() => postgres.close());

    emit([
      `data folder: ${options.dataDir}`,
      `postgres: ${postgres.url}`,
      `rds-data endpoint: ${dataApi.url}`,
      `cluster arn: ${LOCAL_CLUSTER_ARN}`,
      `secret arn: ${LOCAL_SECRET_ARN}`,
      `database: ${LOCAL_DATABASE}`,
      `migrations: ${migrations.applied.length} applied, ${migrations.skipped.length} already applied`,
    ]);

    const context: LocalContext = {
      dataDir: options.dataDir,
      argv,
      pg,
      dataApi: {
        endpoint: dataApi.url,
        clusterArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        database: LOCAL_DATABASE,
      },
      postgresUrl: postgres.url,
      log: (line) => print(line),
    };
    for (const service of options.databaseOnly ? [] : SERVICES) {
      let started: StartedService;
      try {
        started = await service.start({ ...context, log: (line) => print(`[${service.name}] ${line}`) });
      } catch (err) {
        throw new Error(`Starting ${service.name} failed: ${(err as Error).message}`, { cause: err });
      }
      stops.push(() => started.stop());
      emit(started.lines);
    }
    return { lines, context, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function main(): Promise<void> {
  let platform: LocalPlatform;
  try {
    platform = await startLocalPlatform(process.argv.slice(2));
  } catch (err) {
    console.error(`npm start failed: ${(err as Error).message}`);
    process.exitCode = 1;
    return;
  }
  console.log('status: ready (Ctrl-C to stop)');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`status: stopping (${signal})`);
    platform
      .stop()
      .then(() => {
        console.log('status: stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        console.error(`stopping failed: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
