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
import type { LocalService } from '../service';
import { localCatalog } from './catalog';
import { LocalAthenaEngine } from './engine';
import { LocalQueryExecutions } from './executions';
import { startAthenaServer } from './server';
import { localAthenaSettings, type LocalAthenaSettings } from './settings';

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
  const engine = new LocalAthenaEngine({ catalog, readableRoot: s3Root, now: options.now });
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
    await engine.close();
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
      await engine.close();
    },
  };
}

/** The local Athena service of `npm start`, over the ingestion service's S3 stand-in. */
export const athenaService: LocalService = {
  name: 'athena',
  async start(context) {
    const athena = await startLocalAthena({
      // The ingestion service keeps the S3 stand-in's buckets in <data folder>/ingestion/s3.
      s3Root: path.join(context.dataDir, 'ingestion', 's3'),
      port: context.options.athenaPort,
    });
    // The standard SDK setting, as for the other stand-ins: in-process Athena clients reach it.
    process.env.AWS_ENDPOINT_URL_ATHENA = athena.url;
    return {
      lines: athena.lines,
      endpoints: { athena: athena.url },
      async stop() {
        if (process.env.AWS_ENDPOINT_URL_ATHENA === athena.url) delete process.env.AWS_ENDPOINT_URL_ATHENA;
        await athena.close();
      },
    };
  },
};
