import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { runMigrations } from '../migrations/runner';
import { describeFlags, parseStartOptions, portFlag, StartOptionsError } from './args';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DASHBOARD_SECRET_ARN,
  LOCAL_DATABASE,
  LOCAL_LOADER_SECRET_ARN,
  LOCAL_SECRET_ARN,
  localDatabase,
  startDataApiServer,
} from './data-api-server';
import { athenaService } from './athena/service';
import { dashboardService } from './dashboard';
import { prepareDataDir } from './data-dir';
import { isPortInUse, portInUseMessage } from './http';
import { ingestionService } from './ingestion';
import { startPostgresServer } from './postgres';
import type { LocalContext, LocalService, StartedService } from './service';
import { removePlatformState, STATE_FILE, writePlatformState } from './state';

/**
 * `npm start`: the platform on a laptop. Boots the embedded Postgres (persisted under the data
 * folder), applies the migrations, opens the local endpoints, then starts each service of
 * `SERVICES` in order. Every service prints `name: value` lines and returns a stop function;
 * once all are up, the state file (`state.ts`) records every endpoint for the client commands.
 * Ctrl-C stops them in reverse order and closes the database cleanly. Flags: `args.ts`
 * (`npm start -- --help`).
 */

/**
 * Services started after the database and its endpoints, in order. To add one, append an entry:
 * `{ name: 'dashboard', start: async (ctx) => { ...; return { lines: ['dashboard: http://...'], stop } } }`.
 */
export const SERVICES: LocalService[] = [ingestionService, athenaService, dashboardService];

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
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalPlatform> {
  const options = parseStartOptions(argv, env);
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

  const releaseLock = prepareDataDir(options.dataDir, options.reset);
  stops.push(async () => releaseLock());
  try {
    const pg = await PGlite.create(path.join(options.dataDir, 'postgres'));
    stops.push(() => pg.close());

    const dataApi = await startDataApiServer({ pg, port: options.dataApiPort, host: options.host });
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

    const postgres = await startPostgresServer({ pg, port: options.postgresPort, host: options.host }).catch(
      (err: unknown) => {
        if (isPortInUse(err)) {
          throw new Error(portInUseMessage(options.postgresPort, portFlag('postgresPort')), { cause: err });
        }
        throw err;
      },
    );
    stops.push(() => postgres.close());

    emit([
      `data folder: ${options.dataDir}`,
      `postgres: ${postgres.url}`,
      `rds-data endpoint: ${dataApi.url}`,
      `cluster arn: ${LOCAL_CLUSTER_ARN}`,
      `secret arn: ${LOCAL_SECRET_ARN}`,
      `dashboard secret arn: ${LOCAL_DASHBOARD_SECRET_ARN}`,
      `loader secret arn: ${LOCAL_LOADER_SECRET_ARN}`,
      `database: ${LOCAL_DATABASE}`,
      `migrations: ${migrations.applied.length} applied, ${migrations.skipped.length} already applied`,
    ]);

    const context: LocalContext = {
      dataDir: options.dataDir,
      options,
      pg,
      dataApi: {
        endpoint: dataApi.url,
        clusterArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        dashboardSecretArn: LOCAL_DASHBOARD_SECRET_ARN,
        loaderSecretArn: LOCAL_LOADER_SECRET_ARN,
        database: LOCAL_DATABASE,
      },
      postgresUrl: postgres.url,
      log: (line) => print(line),
    };
    const endpoints: Record<string, string> = { postgres: postgres.url, 'rds-data': dataApi.url };
    for (const service of options.databaseOnly ? [] : SERVICES) {
      let started: StartedService;
      try {
        started = await service.start({ ...context, log: (line) => print(`[${service.name}] ${line}`) });
      } catch (err) {
        throw new Error(`Starting ${service.name} failed: ${(err as Error).message}`, { cause: err });
      }
      stops.push(() => started.stop());
      Object.assign(endpoints, started.endpoints);
      emit(started.lines);
    }
    await writePlatformState(options.dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endpoints,
    });
    stops.push(() => removePlatformState(options.dataDir));
    emit([`state file: ${path.join(options.dataDir, STATE_FILE)}`]);
    return { lines, context, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  try {
    if (parseStartOptions(argv).help) {
      console.log(`Usage: npm start -- [flags]\n${describeFlags().join('\n')}`);
      return;
    }
  } catch (err) {
    console.error(`npm start failed: ${(err as StartOptionsError).message}`);
    process.exitCode = 1;
    return;
  }
  let platform: LocalPlatform;
  try {
    platform = await startLocalPlatform(argv);
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
