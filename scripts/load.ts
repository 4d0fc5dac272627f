/**
 * Loads local files into the platform's Postgres through the loader's own code (routing, parser,
 * batched inserts, rejected lines, loaded-object bookkeeping, rollups): the backfill path for log
 * files kept on disk, and a way to try a dataset's parser on real files.
 *
 *   npm run load -- <dataset> <file or folder> [--local-url <Data API endpoint>] [--keep-all-operations]
 *
 * By default it talks to the running local platform (`npm start`) through its local Data API
 * endpoint: `--local-url`, else `AWS_ENDPOINT_URL_RDS_DATA`, else `http://127.0.0.1:4510` (the
 * port `npm start` opens; `LOCAL_DATA_API_PORT` changes both). Files may be plain or gzip-compressed. Prints one line of JSON:
 * `{"files":…,"lines":…,"loaded":…,"skipped":…,"rejected":…,"alreadyLoaded":…}`.
 * Loading the same files again adds no row: each file is recorded with its content hash.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findDataset, datasetNames } from '../datasets';
import type { Dataset } from '../datasets/types';
import type { Database } from '../db/database';
import { decodedChunks, splitLines } from '../lambda/loader/lines';
import { loadObject, type ObjectReader } from '../lambda/loader/load-object';
import { ACCESS_LOGS_DATASET, DEFAULT_ACCESS_LOGS_PREFIX, type RoutingConfig } from '../lambda/loader/route';
import type { AccessLogRules } from '../lambda/loader/s3-access-log/rules';
import { localDatabase } from '../local/data-api-server';
import { LOCAL_LAKE_BUCKET, LOCAL_LOG_BUCKET } from '../local/ingestion';
import { DEFAULT_DATA_API_PORT } from '../local/start';

const USAGE =
  'Usage: npm run load -- <dataset> <file or folder> [--local-url <Data API endpoint>] [--keep-all-operations]';

export interface LoadSummary {
  readonly files: number;
  readonly lines: number;
  /** Rows new to the table. */
  readonly loaded: number;
  /** Lines left out by the dataset's rules, blank lines, and records already in the table. */
  readonly skipped: number;
  /** Lines that do not match the format (kept in `rejected_rows` with line number and reason). */
  readonly rejected: number;
  /** Files loaded before with the same content, not read again. */
  readonly alreadyLoaded: number;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

interface Arguments {
  readonly dataset: Dataset;
  readonly target: string;
  readonly localUrl?: string;
  readonly keepAllOperations: boolean;
}

export function parseArguments(argv: readonly string[]): Arguments {
  const positional: string[] = [];
  let localUrl: string | undefined;
  let keepAllOperations = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--local-url') {
      localUrl = argv[++i];
      if (!localUrl || !/^https?:\/\/[^\s]+$/.test(localUrl)) {
        throw new UsageError(`--local-url needs an http(s) URL, got ${JSON.stringify(localUrl ?? '')}.`);
      }
    } else if (arg.startsWith('--local-url=')) {
      localUrl = arg.slice('--local-url='.length);
    } else if (arg === '--keep-all-operations') {
      keepAllOperations = true;
    } else if (arg.startsWith('--')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 2) {
    throw new UsageError(`Expected a dataset and a file or folder, got ${positional.length} argument(s).`);
  }
  const dataset = findDataset(positional[0]);
  if (!dataset) {
    throw new UsageError(`Unknown dataset "${positional[0]}". Known datasets: ${datasetNames().join(', ')}.`);
  }
  const target = path.resolve(positional[1]);
  if (!fs.existsSync(target)) throw new UsageError(`${positional[1]} does not exist.`);
  return { dataset, target, localUrl, keepAllOperations };
}

/** Every regular file under `target` (itself if it is a file), hidden files left out, in name order. */
export function listFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  const out: string[] = [];
  for (const entry of fs
    .readdirSync(target, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * The Data API endpoint of the running local platform: `--local-url`, else
 * `AWS_ENDPOINT_URL_RDS_DATA`, else the port `npm start` uses (`LOCAL_DATA_API_PORT` or 4510).
 */
export function localEndpoint(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.AWS_ENDPOINT_URL_RDS_DATA) return env.AWS_ENDPOINT_URL_RDS_DATA;
  return `http://127.0.0.1:${env.LOCAL_DATA_API_PORT || DEFAULT_DATA_API_PORT}`;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const _line of splitLines(decodedChunks(fs.createReadStream(file)))) n++;
  return n;
}

function md5(file: string): string {
  return createHash('md5').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Loads `files` as objects of `dataset` through `loadObject`, exactly as the loader function does
 * for objects landing in S3: access logs as keys under the log bucket's prefix, other datasets
 * under `raw/<dataset>/` in the lake. The object's ETag is the MD5 of the file, as S3 computes it.
 */
export async function loadFiles(
  db: Database,
  dataset: Dataset,
  root: string,
  files: readonly string[],
  accessLogRules?: AccessLogRules,
): Promise<LoadSummary> {
  const routing: RoutingConfig = {
    lakeBucket: LOCAL_LAKE_BUCKET,
    logBucket: LOCAL_LOG_BUCKET,
    accessLogsPrefix: DEFAULT_ACCESS_LOGS_PREFIX,
  };
  const base = fs.statSync(root).isFile() ? path.dirname(root) : root;
  const byKey = new Map<string, string>();
  const refs = files.map((file) => {
    const relative = path.relative(base, file).split(path.sep).join('/');
    const isLog = dataset.name === ACCESS_LOGS_DATASET;
    const key = isLog ? `${DEFAULT_ACCESS_LOGS_PREFIX}${relative}` : `raw/${dataset.name}/${relative}`;
    const bucket = isLog ? LOCAL_LOG_BUCKET : LOCAL_LAKE_BUCKET;
    byKey.set(`${bucket}/${key}`, file);
    return { bucket, key, file };
  });
  const reader: ObjectReader = {
    async getObjectStream(bucket, key) {
      const file = byKey.get(`${bucket}/${key}`);
      if (!file || !fs.existsSync(file)) return undefined;
      return { body: fs.createReadStream(file), etag: md5(file) };
    },
  };
  const quiet = { info: () => undefined, warn: (line: string) => console.error(line) };
  let lines = 0;
  let loaded = 0;
  let skipped = 0;
  let rejected = 0;
  let alreadyLoaded = 0;
  for (const ref of refs) {
    lines += await countLines(ref.file);
    const outcome = await loadObject(
      { reader, db, routing, accessLogRules, log: quiet },
      { bucket: ref.bucket, key: ref.key },
    );
    if (outcome.status === 'ignored') {
      throw new Error(`${ref.file} was not routed to dataset ${dataset.name} (key ${ref.key}).`);
    }
    if (outcome.status === 'already-loaded') alreadyLoaded++;
    loaded += outcome.rowsInserted;
    skipped += outcome.rowsSkipped;
    rejected += outcome.rowsRejected;
  }
  return { files: files.length, lines, loaded, skipped, rejected, alreadyLoaded };
}

export async function main(argv: readonly string[]): Promise<LoadSummary> {
  const args = parseArguments(argv);
  const endpoint = localEndpoint(args.localUrl);
  const { db } = localDatabase(endpoint);
  const files = listFiles(args.target);
  if (files.length === 0) throw new UsageError(`${args.target} holds no files.`);
  try {
    await db.query('SELECT 1 AS ready');
  } catch (err) {
    throw new UsageError(
      `The local platform does not answer at ${endpoint} (${(err as Error).message}). ` +
        'Start it with `npm start` in another terminal, or pass its Data API endpoint with --local-url.',
    );
  }
  return loadFiles(db, args.dataset, args.target, files, { keepAllOperations: args.keepAllOperations });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const summary = await main(process.argv.slice(2));
    console.log(JSON.stringify(summary));
  } catch (err) {
    console.error(err instanceof UsageError ? err.message : ((err as Error).stack ?? String(err)));
    process.exitCode = 1;
  }
}
