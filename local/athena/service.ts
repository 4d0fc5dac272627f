/**
 * The local Athena of `npm start`: the Glue tables of the Analytics stack over the S3 stand-in's
 * lake and log bucket, the workgroup with its per-query scan cutoff, and the Athena API endpoint.
 * It prints `athena endpoint: http://127.0.0.1:<port>` and sets `AWS_ENDPOINT_URL_ATHENA`, so
 * in-process SDK clients (the dashboard's) reach it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ACCESS_LOGS_PREFIX } from '../../lambda/loader/contract';
import { LOCAL_LAKE_BUCKET, LOCAL_LOG_BUCKET } from '../ingestion';
import type { LocalContext, LocalService } from '../service';
import { localCatalog } from './catalog';
import { LocalAthenaEngine } from './engine';
import { LocalQueryExecutions } from './executions';
import { startAthenaServer } from './server';
import { localAthenaSettings, type LocalAthenaSettings } from './settings';

/** Port of the local Athena endpoint unless the start options or LOCAL_ATHENA_PORT say otherwise. */
export const DEFAULT_ATHENA_PORT = 4520;
/** The account ID of every local identifier (as in the local cluster ARN). */
export const LOCAL_ACCOUNT_ID = '000000000000';
const MB = 1024 * 1024;

export interface LocalAthenaOptions {
  /** The S3 stand-in's folder, holding one folder per bucket. */
  readonly s3Root: string;
  /** @default LOCAL_LAKE_BUCKET */
  readonly lakeBucket?: string;
  /** @default LOCAL_LOG_BUCKET */
  readonly logBucket?: string;
  /** @default localAthenaSettings() */
  readonly settings?: LocalAthenaSettings;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Region in the access-log key layout. @default AWS_REGION or us-east-1 */
  readonly region?: string;
  /** The query's time, for NOW in partition projection. @default the clock */
  readonly now?: () => Date;
}

export interface LocalAthena {
  readonly url: string;
  readonly settings: LocalAthenaSettings;
  readonly executions: LocalQueryExecutions;
  /** `name: value` lines for the start-up summary. */
  readonly lines: readonly string[];
  close(): Promise<void>;
}

export async function startLocalAthena(options: LocalAthenaOptions): Promise<LocalAthena> {
  const settings = options.settings ?? localAthenaSettings();
  const s3Root = path.resolve(options.s3Root);
  fs.mkdirSync(s3Root, { recursive: true });
  const catalog = localCatalog({
    database: settings.database,
    s3Root,
    lakeBucket: options.lakeBucket ?? LOCAL_LAKE_BUCKET,
    logBucket: options.logBucket ?? LOCAL_LOG_BUCKET,
    accessLogs: {
      prefix: DEFAULT_ACCESS_LOGS_PREFIX,
      account: LOCAL_ACCOUNT_ID,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    },
  });
  const engine = await LocalAthenaEngine.create({ catalog, readableRoot: s3Root, now: options.now });
  const outputLocation = 's3://local-athena-results/results/';
  const executions = new LocalQueryExecutions({
    engine,
    workgroups: [
      { name: settings.workgroup, scanLimitBytes: settings.scanLimitMb * MB, outputLocation },
      // Every account has the primary workgroup, without a cutoff.
      { name: 'primary', outputLocation },
    ],
  });
  let server;
  try {
    server = await startAthenaServer({ executions, port: options.port ?? 0 });
  } catch (err) {
    engine.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port} is already in use: choose another for the local Athena with LOCAL_ATHENA_PORT=<port> (0 picks a free port).`,
        { cause: err },
      );
    }
    throw err;
  }
  return {
    url: server.url,
    settings,
    executions,
    lines: [
      `athena endpoint: ${server.url}`,
      `athena workgroup: ${settings.workgroup} (scans above ${settings.scanLimitMb} MB are cancelled)`,
      `glue database: ${settings.database}`,
    ],
    async close() {
      await server.close();
      executions.stopAll();
      await executions.whenIdle();
      engine.close();
    },
  };
}

/** The endpoint's port: the start options' `athenaPort`, LOCAL_ATHENA_PORT, or 4520. */
export function athenaPort(context: LocalContext, env: NodeJS.ProcessEnv = process.env): number {
  const fromOptions = (context as LocalContext & { readonly options?: { readonly athenaPort?: number } })
    .options?.athenaPort;
  if (fromOptions !== undefined) return fromOptions;
  const raw = env.LOCAL_ATHENA_PORT;
  if (raw === undefined || raw === '') return DEFAULT_ATHENA_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `LOCAL_ATHENA_PORT "${raw}" is not a port: use a whole number from 0 to 65535 (0 picks a free port).`,
    );
  }
  return port;
}

/** The local Athena service of `npm start`, over the ingestion service's S3 stand-in. */
export const athenaService: LocalService = {
  name: 'athena',
  async start(context) {
    const athena = await startLocalAthena({
      // The ingestion service keeps the S3 stand-in's buckets in <data folder>/ingestion/s3.
      s3Root: path.join(context.dataDir, 'ingestion', 's3'),
      port: athenaPort(context),
    });
    // The standard SDK setting, as for the other stand-ins: in-process Athena clients reach it.
    process.env.AWS_ENDPOINT_URL_ATHENA = athena.url;
    return {
      lines: athena.lines,
      async stop() {
        if (process.env.AWS_ENDPOINT_URL_ATHENA === athena.url) delete process.env.AWS_ENDPOINT_URL_ATHENA;
        await athena.close();
      },
    };
  },
};
