import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { FunctionUrlEvent, FunctionUrlResult } from '../lambda/ingest/handler';
import type { SqsBatchResponse, SqsEvent } from '../lambda/loader/handler';
import { s3NotificationBody } from '../lambda/loader/messages';
import { DEFAULT_ACCESS_LOGS_PREFIX } from '../lambda/loader/route';
import { sendGeneratedBatches } from '../lambda/generator/send-batches';
import { plainPost } from '../lambda/generator/sigv4';
import { startS3Server, type ObjectCreated, type S3Server } from './s3-server';
import type { LocalService } from './service';

/**
 * The local ingestion platform: the real ingest and loader handlers, wired as in AWS.
 * - an HTTP endpoint adapts requests to Function URL events for the ingest handler (no SigV4);
 * - the S3 stand-in holds the lake and the log bucket in a folder;
 * - each object created under `raw/` (lake) or the access-logs prefix (log bucket) becomes an
 *   S3 event notification on an in-process queue, delivered to the loader handler as an SQS
 *   event; failed messages come back after a delay and move to a dead-letter list after
 *   `maxReceiveCount` attempts, like the SQS redrive policy;
 * - a small SQS-compatible endpoint (SendMessage, SendMessageBatch) feeds the same queue, so the
 *   backfill command works unchanged against the local platform;
 * - the generator POSTs batches to the ingest endpoint on an interval.
 */

export interface LocalIngestionOptions {
  /** Folder for the S3 stand-in's buckets and the endpoints file. */
  readonly dataDir: string;
  /** The local Data API endpoint and identifiers the loader uses. */
  readonly dataApi: {
    readonly endpoint: string;
    readonly clusterArn: string;
    readonly secretArn: string;
    readonly database: string;
  };
  /** Port of the ingest endpoint; a free port when it is taken. @default DEFAULT_INGEST_PORT */
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
  /** Messages that failed every delivery, with the last error. */
  readonly deadLetters: { body: string; receiveCount: number }[];
  /** Resolves once every queued message has been processed (or dead-lettered). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export const LOCAL_LAKE_BUCKET = 'local-lake';
/** Port of the local ingest endpoint when it is free. */
export const DEFAULT_INGEST_PORT = 4010;
export const LOCAL_LOG_BUCKET = 'local-logs';
/** Written by `startLocalIngestion`, read by the backfill and send commands. */
export const ENDPOINTS_FILE = 'ingestion-endpoints.json';
/** Where `npm start` keeps the S3 stand-in's buckets and the endpoints file. */
export const DEFAULT_INGESTION_DATA_DIR = path.join('.local-data', 'ingestion');

/** The endpoints of a running local platform, as written to the endpoints file. */
export interface LocalEndpoints {
  readonly ingestUrl: string;
  readonly s3Url: string;
  readonly queueUrl: string;
  readonly lakeBucket: string;
  readonly logBucket: string;
}

/**
 * Reads the endpoints of the local platform `npm start` runs (its data folder is `.local-data`, or
 * `LOCAL_DATA_DIR`); undefined when it is not running.
 */
export async function readLocalEndpoints(
  dataDir = process.env.LOCAL_DATA_DIR
    ? path.join(process.env.LOCAL_DATA_DIR, 'ingestion')
    : DEFAULT_INGESTION_DATA_DIR,
): Promise<LocalEndpoints | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dataDir, ENDPOINTS_FILE), 'utf8')) as LocalEndpoints;
  } catch {
    return undefined;
  }
}

interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  notBefore: number;
}

/** Largest request the ingest endpoint accepts, as a Lambda Function URL does. */
const FUNCTION_URL_MAX_BYTES = 6 * 1024 * 1024;

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Listens on `port`, or on a free port when `port` is taken (and `fallback` allows it). */
async function listen(server: http.Server, port: number, fallback = true): Promise<string> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    if (!fallback || port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return listen(server, 0, false);
  }
  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

export async function startLocalIngestion(options: LocalIngestionOptions): Promise<LocalIngestion> {
  const log = options.log ?? ((line: string) => console.log(line));
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const s3 = await startS3Server({ root: path.join(options.dataDir, 's3'), port: options.s3Port });
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

  // --- queue and loader worker ---
  const queue: QueuedMessage[] = [];
  const deadLetters: { body: string; receiveCount: number }[] = [];
  let inFlight = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;

  const enqueue = (body: string): string => {
    const messageId = randomUUID();
    queue.push({ messageId, body, receiveCount: 0, notBefore: 0 });
    schedule(0);
    return messageId;
  };
  const notifyIdle = () => {
    if (queue.length === 0 && inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  };
  function schedule(delay: number): void {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void deliver();
    }, delay);
  }
  async function deliver(): Promise<void> {
    if (inFlight > 0 || closed) return;
    const now = Date.now();
    const ready = queue.filter((m) => m.notBefore <= now).slice(0, 10);
    if (ready.length === 0) {
      if (queue.length > 0) schedule(Math.max(10, Math.min(...queue.map((m) => m.notBefore)) - now));
      notifyIdle();
      return;
    }
    for (const m of ready) queue.splice(queue.indexOf(m), 1);
    inFlight = ready.length;
    ready.forEach((m) => (m.receiveCount += 1));
    let failed = new Set<string>();
    try {
      const response = await loader({
        Records: ready.map((m) => ({ messageId: m.messageId, body: m.body })),
      });
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (err) {
      log(`loader: invocation failed: ${(err as Error).message}`);
      failed = new Set(ready.map((m) => m.messageId));
    }
    for (const m of ready.filter((r) => failed.has(r.messageId))) {
      if (m.receiveCount >= maxReceiveCount) {
        deadLetters.push({ body: m.body, receiveCount: m.receiveCount });
        log(
          `loader: message moved to the dead-letter list after ${m.receiveCount} attempts: ${m.body.slice(0, 300)}`,
        );
      } else {
        m.notBefore = Date.now() + retryDelayMs * m.receiveCount;
        queue.push(m);
      }
    }
    inFlight = 0;
    schedule(0);
  }

  const onObjectCreated = (event: ObjectCreated) => {
    // The same filter as the EventBridge rules in AWS.
    const wanted =
      (event.bucket === LOCAL_LAKE_BUCKET && event.key.startsWith('raw/')) ||
      (event.bucket === LOCAL_LOG_BUCKET && event.key.startsWith(DEFAULT_ACCESS_LOGS_PREFIX));
    if (wanted) enqueue(s3NotificationBody(event));
  };
  s3.events.on('object-created', onObjectCreated);

  // --- ingest endpoint ---
  const ingestServer = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req, FUNCTION_URL_MAX_BYTES);
      if (!body) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: 'PayloadTooLarge',
            message: 'Request exceeds the 6 MB Function URL limit. Split the batch.',
          }),
        );
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const result = await ingest({
        rawPath: url.pathname,
        headers,
        body: body.toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: req.method ?? 'GET' }, requestId: randomUUID() },
      });
      res.writeHead(result.statusCode, result.headers).end(result.body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'InternalError', message: (err as Error).message }));
    });
  });
  const ingestUrl = await listen(ingestServer, options.ingestPort ?? DEFAULT_INGEST_PORT);

  // --- SQS-compatible endpoint (JSON protocol): SendMessage and SendMessageBatch ---
  const queueServer = http.createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse((await readBody(req, 1024 * 1024))?.toString('utf8') || '{}') as {
        MessageBody?: string;
        Entries?: { Id: string; MessageBody: string }[];
      };
      const md5 = (s: string) => createHash('md5').update(s).digest('hex');
      let output: unknown;
      if (target === 'AmazonSQS.SendMessage' && input.MessageBody) {
        output = { MessageId: enqueue(input.MessageBody), MD5OfMessageBody: md5(input.MessageBody) };
      } else if (target === 'AmazonSQS.SendMessageBatch' && input.Entries) {
        output = {
          Successful: input.Entries.map((e) => ({
            Id: e.Id,
            MessageId: enqueue(e.MessageBody),
            MD5OfMessageBody: md5(e.MessageBody),
          })),
          Failed: [],
        };
      } else {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(
          JSON.stringify({
            __type: 'com.amazonaws.sqs#UnsupportedOperation',
            message: `${target} is not supported locally.`,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(output));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          __type: 'com.amazonaws.sqs#InvalidMessageContents',
          message: (err as Error).message,
        }),
      );
    });
  });
  const queueEndpoint = await listen(queueServer, options.queuePort ?? 0);
  const queueUrl = `${queueEndpoint}/000000000000/loader`;

  await fs.writeFile(
    path.join(options.dataDir, ENDPOINTS_FILE),
    JSON.stringify(
      { ingestUrl, s3Url: s3.url, queueUrl, lakeBucket: LOCAL_LAKE_BUCKET, logBucket: LOCAL_LOG_BUCKET },
      null,
      2,
    ),
  );

  // --- generator ---
  let generatorTimer: NodeJS.Timeout | undefined;
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
    generatorTimer = setInterval(() => void tick(), intervalMs);
  }

  const closeServer = (server: http.Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    ingestUrl,
    s3Url: s3.url,
    queueUrl,
    lakeBucket: LOCAL_LAKE_BUCKET,
    logBucket: LOCAL_LOG_BUCKET,
    s3,
    deadLetters,
    drain: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        if (!timer) schedule(0);
      }),
    async close() {
      closed = true;
      await fs.rm(path.join(options.dataDir, ENDPOINTS_FILE), { force: true });
      if (timer) clearTimeout(timer);
      if (generatorTimer) clearInterval(generatorTimer);
      s3.events.off('object-created', onObjectCreated);
      await Promise.all([closeServer(ingestServer), closeServer(queueServer), s3.close()]);
      idleWaiters.forEach((w) => w());
    },
  };
}

/** The `name: value` lines `npm start` prints for the ingestion part of the platform. */
export function describeLocalIngestion(service: LocalIngestion): string[] {
  return [
    `ingest endpoint: ${service.ingestUrl}`,
    `s3 endpoint: ${service.s3Url}`,
    `loader queue: ${service.queueUrl}`,
    `send a file: npm run send -- usage <file.json|file.ndjson>`,
  ];
}

/**
 * The ingestion service of `npm start`. Flags: `--no-generator` (or LOCAL_GENERATOR=off) turns the
 * generator off; `--generator-interval <seconds>` (default 30) sets its pace; `--ingest-port <n>`
 * (or LOCAL_INGEST_PORT, default 4010) the ingest endpoint's port.
 */
export const ingestionService: LocalService = {
  name: 'ingestion',
  async start(context) {
    const argv = context.argv;
    const value = (flag: string) => {
      const i = argv.indexOf(flag);
      return i === -1 ? undefined : argv[i + 1];
    };
    const intervalText = value('--generator-interval') ?? '30';
    const interval = Number(intervalText);
    if (!Number.isFinite(interval) || interval < 1) {
      throw new Error(`--generator-interval "${intervalText}" must be a number of seconds, at least 1.`);
    }
    const portText = value('--ingest-port') ?? process.env.LOCAL_INGEST_PORT ?? String(DEFAULT_INGEST_PORT);
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`--ingest-port (or LOCAL_INGEST_PORT) "${portText}" is not a port: use 0 to 65535.`);
    }
    const generatorOff = argv.includes('--no-generator') || process.env.LOCAL_GENERATOR === 'off';
    const dataDir = path.join(context.dataDir, 'ingestion');
    await fs.mkdir(dataDir, { recursive: true });
    const service = await startLocalIngestion({
      dataDir,
      dataApi: context.dataApi,
      ingestPort: port,
      generator: generatorOff ? false : { intervalMs: interval * 1000, batchSize: 50 },
      log: context.log,
    });
    return {
      lines: [
        ...describeLocalIngestion(service),
        `generator: ${generatorOff ? 'off (--no-generator)' : `every ${interval} s, 50 records per dataset`}`,
      ],
      stop: () => service.close(),
    };
  },
};
