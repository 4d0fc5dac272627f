/**
 * Loads local files into the platform's Postgres through the loader's own code (routing, parser,
 * batched inserts, rejected lines, loaded-object bookkeeping, rollups): the backfill path for log
 * files kept on disk, and a way to try a dataset's parser on real files.
 *
 *   npm run load -- <dataset> <file or folder> [--data-dir <dir>] [--local-url <Data API endpoint>] [--keep-all-operations]
 *
 * It talks to the running local platform (`npm start`) through its local Data API endpoint, found
 * in the state file of its data folder (`--data-dir`, else `LOCAL_DATA_DIR`, else `.local-data`),
 * or at `--local-url`. Files may be plain or gzip-compressed. A file that cannot be read (a truncated
 * `.gz`) is reported by name and reason and the others are loaded. Prints one line of JSON:
 * `{"files":…,"lines":…,"loaded":…,"skipped":…,"rejected":…,"alreadyLoaded":…,"failed":…}` and
 * exits 1 if a file failed. Loading the same files again adds no row: each file is recorded with
 * its content hash.
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
import { clientDataDir, findLocalEndpoint, PlatformNotRunningError, requireAnswer } from '../local/state';

const USAGE =
  'Usage: npm run load -- <dataset> <file or folder> [--data-dir <dir>] [--local-url <Data API endpoint>] [--keep-all-operations]';

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

/** The summary `npm run load` prints: `LoadSummary` and the files that could not be loaded. */
export interface CommandSummary extends LoadSummary {
  readonly failed: number;
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
  readonly dataDir?: string;
  readonly keepAllOperations: boolean;
}

export function parseArguments(argv: readonly string[]): Arguments {
  const positional: string[] = [];
  let localUrl: string | undefined;
  let dataDir: string | undefined;
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
    } else if (arg === '--data-dir' || arg.startsWith('--data-dir=')) {
      dataDir = arg.includes('=') ? arg.slice('--data-dir='.length) : argv[++i];
      if (!dataDir)
        throw new UsageError('--data-dir needs the data folder of npm start, e.g. --data-dir .local-data.');
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
  return { dataset, target, localUrl, dataDir, keepAllOperations };
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
 * The Data API endpoint of the running local platform: `--local-url`, else the one in the state file
 * of its data folder. Fails at once (`PlatformNotRunningError`) when nothing answers there.
 */
export async function localEndpoint(args: Pick<Arguments, 'localUrl' | 'dataDir'>): Promise<string> {
  if (args.localUrl) {
    await requireAnswer(args.localUrl);
    return args.localUrl;
  }
  return findLocalEndpoint(clientDataDir(args.dataDir), 'rds-data');
}

/** A short reason for a file that cannot be read, e.g. a truncated gzip stream. */
function failureReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'Z_BUF_ERROR' || e.code === 'Z_DATA_ERROR' || /unexpected end of file/.test(e.message)) {
    return `the gzip data is truncated or corrupt (${e.message})`;
  }
  return e.message ?? String(err);
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

/**
 * `npm run load`: loads each file on its own, so a file that fails (reported on stderr by name and
 * reason) never stops the others; the summary counts the failed files.
 */
export async function main(
  argv: readonly string[],
  report: (line: string) => void = (line) => console.error(line),
): Promise<CommandSummary> {
  const args = parseArguments(argv);
  const files = listFiles(args.target);
  if (files.length === 0) throw new UsageError(`${args.target} holds no files.`);
  const { db, client } = localDatabase(await localEndpoint(args));
  const total = {
    files: files.length,
    lines: 0,
    loaded: 0,
    skipped: 0,
    rejected: 0,
    alreadyLoaded: 0,
    failed: 0,
  };
  try {
    for (const file of files) {
      try {
        const one = await loadFiles(db, args.dataset, args.target, [file], {
          keepAllOperations: args.keepAllOperations,
        });
        total.lines += one.lines;
        total.loaded += one.loaded;
        total.skipped += one.skipped;
        total.rejected += one.rejected;
        total.alreadyLoaded += one.alreadyLoaded;
      } catch (err) {
        total.failed++;
        report(`failed: ${path.relative(process.cwd(), file) || file}: ${failureReason(err)}`);
      }
    }
  } finally {
    client.destroy();
  }
  return total;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const summary = await main(process.argv.slice(2));
    console.log(JSON.stringify(summary));
    if (summary.failed > 0) process.exitCode = 1;
  } catch (err) {
    const known = err instanceof UsageError || err instanceof PlatformNotRunningError;
    console.error(known ? (err as Error).message : ((err as Error).stack ?? String(err)));
    process.exitCode = 1;
  }
}
