import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { FunctionUrlEvent, FunctionUrlResult } from '../lambda/ingest/handler';
import type { SqsBatchResponse, SqsEvent } from '../lambda/loader/handler';
import { s3NotificationBody } from '../lambda/loader/messages';
import { DEFAULT_ACCESS_LOGS_PREFIX } from '../lambda/loader/route';
import { sendGeneratedBatches } from '../lambda/generator/send-batches';
import { plainPost } from '../lambda/generator/sigv4';
import { portFlag } from './args';
import { localDatabase } from './data-api-server';
import { closeServer, listen } from './http';
import { ingestEndpoint } from './ingestion/ingest-endpoint';
import { LoaderQueue } from './ingestion/loader-queue';
import { queueEndpoint } from './ingestion/queue-endpoint';
import { unloadedObjects } from './ingestion/recovery';
import { startS3Server, type ObjectCreated, type S3Server } from './s3-server';
import type { LocalService } from './service';

/**
 * The local ingestion platform: the real ingest and loader handlers, wired as in AWS.
 * - an HTTP endpoint adapts requests to Function URL events for the ingest handler (no SigV4);
 * - the S3 stand-in holds the lake and the log bucket in a folder;
 * - each object created under `raw/` (lake) or the access-logs prefix (log bucket) becomes an
 *   S3 event notification on the loader queue (`ingestion/loader-queue.ts`), delivered to the
 *   loader handler as an SQS event;
 * - on start, every such object that `loaded_objects` does not list is queued too, so an object
 *   accepted just before a crash is loaded after the restart (the queue lives in memory);
 * - a small SQS-compatible endpoint (SendMessage, SendMessageBatch) feeds the same queue, so the
 *   backfill command works unchanged against the local platform;
 * - the generator POSTs batches to the ingest endpoint on an interval.
 */

export interface LocalIngestionOptions {
  /** Folder for the S3 stand-in's buckets. */
  readonly dataDir: string;
  /** The local Data API endpoint and identifiers the loader uses. */
  readonly dataApi: {
    readonly endpoint: string;
    readonly clusterArn: string;
    readonly secretArn: string;
    readonly database: string;
  };
  /** Port of the ingest endpoint; 0 picks a free port, a taken port fails. @default DEFAULT_INGEST_PORT */
  readonly ingestPort?: number;
  /** Port of the S3 stand-in. @default 0 (a free port) */
  readonly s3Port?: number;
  /** Port of the SQS-compatible queue endpoint. @default 0 (a free port) */
  readonly queuePort?: number;
  /** @default { intervalMs: 30_000, batchSize: 50 }; `false` turns it off. */
  readonly generator?: false | { readonly intervalMs?: number; readonly batchSize?: number };
  /** Deliveries before a message goes to the dead-letter list. @default 5 */
  readonly maxReceiveCount?: number;
  /** Delay before a failed message is delivered again, times the attempt number. @default 1000 */
  readonly retryDelayMs?: number;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export interface LocalIngestion {
  /** `http://127.0.0.1:<port>`: POST /<dataset> here. */
  readonly ingestUrl: string;
  readonly s3Url: string;
  readonly queueUrl: string;
  readonly lakeBucket: string;
  readonly logBucket: string;
  readonly s3: S3Server;
  /** Objects found in the buckets on start that were never loaded, queued for loading. */
  readonly recovered: number;
  /** Messages that failed every delivery, with the last error. */
  readonly deadLetters: { body: string; receiveCount: number }[];
  /** Resolves once every queued message has been processed (or dead-lettered). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export const LOCAL_LAKE_BUCKET = 'local-lake';
export const LOCAL_LOG_BUCKET = 'local-logs';
/** Port of the local ingest endpoint unless `--ingest-port` says otherwise. */
export const DEFAULT_INGEST_PORT = 4010;

/** The objects the loader takes: the same filter as the EventBridge rules in AWS. */
function loadable(bucket: string, key: string): boolean {
  return (
    (bucket === LOCAL_LAKE_BUCKET && key.startsWith('raw/')) ||
    (bucket === LOCAL_LOG_BUCKET && key.startsWith(DEFAULT_ACCESS_LOGS_PREFIX))
  );
}

export async function startLocalIngestion(options: LocalIngestionOptions): Promise<LocalIngestion> {
  const log = options.log ?? ((line: string) => console.log(line));
  const cleanups: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const s3 = await startS3Server({ root: path.join(options.dataDir, 's3'), port: options.s3Port });
    cleanups.push(() => s3.close());
    await fs.mkdir(path.join(s3.root, LOCAL_LAKE_BUCKET), { recursive: true });
    await fs.mkdir(path.join(s3.root, LOCAL_LOG_BUCKET), { recursive: true });

    // The handlers read their configuration from the environment, exactly as in Lambda.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_RDS_DATA: options.dataApi.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      LAKE_BUCKET: LOCAL_LAKE_BUCKET,
      LOG_BUCKET: LOCAL_LOG_BUCKET,
      ACCESS_LOGS_PREFIX: DEFAULT_ACCESS_LOGS_PREFIX,
      DB_CLUSTER_ARN: options.dataApi.clusterArn,
      DB_SECRET_ARN: options.dataApi.secretArn,
      DB_NAME: options.dataApi.database,
    });
    const ingest = (await import('../lambda/ingest/handler')).handler as (
      e: FunctionUrlEvent,
    ) => Promise<FunctionUrlResult>;
    const loader = (await import('../lambda/loader/handler')).handler as (
      e: SqsEvent,
    ) => Promise<SqsBatchResponse>;

    const queue = new LoaderQueue({
      loader,
      maxReceiveCount: options.maxReceiveCount ?? 5,
      retryDelayMs: options.retryDelayMs ?? 1000,
      log,
    });
    cleanups.push(() => queue.close());
    const onObjectCreated = (event: ObjectCreated) => {
      if (loadable(event.bucket, event.key)) queue.enqueue(s3NotificationBody(event));
    };
    s3.events.on('object-created', onObjectCreated);
    cleanups.push(() => void s3.events.off('object-created', onObjectCreated));

    // Objects accepted before the last stop (or crash) that never reached Postgres.
    const { db, client } = localDatabase(options.dataApi.endpoint);
    let recovered = 0;
    try {
      for (const [bucket, prefix] of [
        [LOCAL_LAKE_BUCKET, 'raw/'],
        [LOCAL_LOG_BUCKET, DEFAULT_ACCESS_LOGS_PREFIX],
      ] as const) {
        const objects = await s3.listObjects(bucket, prefix);
        const sizes = new Map(objects.map((o) => [o.key, o.size]));
        for (const object of await unloadedObjects(db, bucket, objects)) {
          const size = sizes.get(object.key);
          queue.enqueue(s3NotificationBody({ bucket, key: object.key, etag: object.etag, size }));
          recovered++;
        }
      }
    } finally {
      client.destroy();
    }
    if (recovered > 0)
      log(`loader: ${recovered} object(s) accepted before the last stop were not loaded; loading them`);

    const ingestServer = ingestEndpoint(ingest);
    const ingestUrl = (
      await listen(ingestServer, {
        port: options.ingestPort ?? DEFAULT_INGEST_PORT,
        flag: portFlag('ingestPort'),
      })
    ).url;
    cleanups.push(() => closeServer(ingestServer));

    const queueServer = queueEndpoint((body) => queue.enqueue(body));
    const queueEndpointUrl = (
      await listen(queueServer, { port: options.queuePort ?? 0, flag: portFlag('queuePort') })
    ).url;
    cleanups.push(() => closeServer(queueServer));
    const queueUrl = `${queueEndpointUrl}/000000000000/loader`;

    if (options.generator !== false) {
      const intervalMs = options.generator?.intervalMs ?? 30_000;
      const count = options.generator?.batchSize ?? 50;
      const run = async () => {
        const results = await sendGeneratedBatches({ ingestUrl, count, post: plainPost });
        const failed = results.filter((r) => r.status !== 200);
        if (failed.length > 0) log(`generator: ${JSON.stringify(failed)}`);
      };
      const tick = () => run().catch((err: unknown) => log(`generator: ${(err as Error).message}`));
      void tick();
      const generatorTimer = setInterval(() => void tick(), intervalMs);
      cleanups.push(() => clearInterval(generatorTimer));
    }

    return {
      ingestUrl,
      s3Url: s3.url,
      queueUrl,
      lakeBucket: LOCAL_LAKE_BUCKET,
      logBucket: LOCAL_LOG_BUCKET,
      s3,
      recovered,
      deadLetters: queue.deadLetters,
      drain: () => queue.drain(),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The `name: value` lines `npm start` prints for the ingestion part of the platform. */
export function describeLocalIngestion(service: LocalIngestion): string[] {
  return [
    `ingest endpoint: ${service.ingestUrl}`,
    `s3 endpoint: ${service.s3Url}`,
    `loader queue: ${service.queueUrl}`,
    ...(service.recovered > 0 ? [`recovered: ${service.recovered} object(s) queued for loading`] : []),
    `send a file: npm run send -- usage <file.json|file.ndjson>`,
  ];
}

/** The ingestion service of `npm start`: ports and the generator come from the parsed options. */
export const ingestionService: LocalService = {
  name: 'ingestion',
  async start(context) {
    const { options } = context;
    const dataDir = path.join(context.dataDir, 'ingestion');
    await fs.mkdir(dataDir, { recursive: true });
    const service = await startLocalIngestion({
      dataDir,
      dataApi: context.dataApi,
      ingestPort: options.ingestPort,
      s3Port: options.s3Port,
      queuePort: options.queuePort,
      generator: options.generator
        ? { intervalMs: options.generatorIntervalSeconds * 1000, batchSize: 50 }
        : false,
      log: context.log,
    });
    return {
      lines: [
        ...describeLocalIngestion(service),
        `generator: ${options.generator ? `every ${options.generatorIntervalSeconds} s, 50 records per dataset` : 'off (--no-generator)'}`,
      ],
      endpoints: { ingest: service.ingestUrl, s3: service.s3Url, queue: service.queueUrl },
      stop: () => service.close(),
    };
  },
};
