/**
 * S3 server access logs benchmark.
 *
 * 1. Parser throughput on a generated log of at least 100 MB (realistic, varied lines, three
 *    vintages), text to typed records, next to the baseline doing the same job with the regular
 *    expression of the AWS-documented Athena table (JavaScript RegExp, then the same typing of the
 *    captured groups).
 * 2. Load rate of a 1,000,000-line log into local Postgres through the loader (batches of rows sent
 *    as one JSON parameter over the local Data API endpoint), next to one INSERT per row.
 *
 * Run: `npm run bench` (all benchmarks) or `npx tsx bench/s3-access-logs.ts`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { getDataset } from '../datasets';
import { insertSql, toSqlParams } from '../db/dataset-sql';
import { loadObject } from '../lambda/loader/load-object';
import { recordId } from '../lambda/loader/s3-access-log/object-parser';
import { localDatabase, startDataApiServer } from '../local/data-api-server';
import { runMigrations } from '../migrations/runner';
import {
  isLineError,
  parseS3AccessLogLine,
  s3TimeToIso,
  safeDecodeUriComponent,
} from '../lambda/loader/s3-access-log/parser';
import { S3_ACCESS_LOG_REGEX } from '../lib/constructs/s3-access-log-table';

// ---- Generator of realistic lines: deterministic, the mix of operations, statuses, keys (with
// percent-encoded characters), user agents (with spaces), requesters, IPv4 and IPv6 addresses, and
// the three vintages of the format (no trailing fields, up to aclRequired, current).

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same log. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const UPPER_HEX = '0123456789ABCDEF';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const BUCKETS = ['analytics-web-assets', 'analytics-data-exports', 'media-archive-eu', 'static-site-prod'];
const USER_AGENTS = [
  '"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/s3.cp"',
  '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"',
  '"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"',
  '"aws-sdk-js/3.556.0 ua/2.0 os/linux#5.10.214 lang/js md/nodejs#20.12.2 api/s3#3.556.0"',
  '"Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.12.2 Botocore/1.34.84"',
  '"S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.215-181.850.amzn2int.x86_64"',
  '"curl/8.5.0"',
  '"-"',
];
const REFERERS = [
  '"-"',
  '"-"',
  '"-"',
  '"https://www.example.com/products/index.html"',
  '"https://app.example.org/dashboard?tab=files&sort=desc"',
];
const FOLDERS = [
  'images',
  'videos/2024',
  'exports/daily',
  'reports/Q1 2024',
  'docs/user guides',
  'assets/css',
  'données/été',
];
const EXTENSIONS = ['.jpg', '.png', '.mp4', '.csv.gz', '.parquet', '.pdf', '.css', '.json'];
const ERRORS: Record<number, string> = {
  304: '-',
  403: 'AccessDenied',
  404: 'NoSuchKey',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  500: 'InternalError',
  503: 'SlowDown',
};

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function randomString(rand: () => number, alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export interface GeneratorOptions {
  /** @default 1 */
  readonly seed?: number;
  /** First request time, epoch milliseconds. @default 2024-03-01T00:00:00Z */
  readonly startMs?: number;
  /** Average milliseconds between two records. @default 250 */
  readonly stepMs?: number;
}

/** A stream of log lines (without terminators), as S3 writes them, in time order. */
export function* generateAccessLogLines(count: number, options: GeneratorOptions = {}): Generator<string> {
  const rand = prng(options.seed ?? 1);
  let time = options.startMs ?? Date.UTC(2024, 2, 1);
  const step = options.stepMs ?? 250;
  const keys = Array.from({ length: 5000 }, (_, i) => {
    const name = `${pick(rand, FOLDERS)}/file-${i} ${i % 7 === 0 ? '(copy)' : ''}${pick(rand, EXTENSIONS)}`;
    // S3 logs the key URL-encoded.
    return encodeURIComponent(name).replace(/%2F/g, '/');
  });
  const requesters = [
    OWNER,
    'arn:aws:iam::123456789012:user/alice',
    'arn:aws:sts::123456789012:assumed-role/analytics-loader/1712345678901',
    'arn:aws:iam::210987654321:role/partner-sync',
    '-',
  ];
  const ips = Array.from({ length: 2000 }, (_, i) =>
    i % 10 === 0
      ? `2001:db8:${(i * 7919).toString(16)}::${(i % 255).toString(16)}`
      : `${10 + (i % 200)}.${(i * 31) % 256}.${(i * 17) % 256}.${(i * 13) % 256}`,
  );

  for (let n = 0; n < count; n++) {
    time += Math.floor(rand() * step * 2);
    const d = new Date(time);
    const stamp = `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
    const bucket = pick(rand, BUCKETS);
    const r = rand();
    let operation: string;
    let method: string;
    if (r < 0.6) [operation, method] = ['REST.GET.OBJECT', 'GET'];
    else if (r < 0.7) [operation, method] = ['REST.HEAD.OBJECT', 'HEAD'];
    else if (r < 0.8) [operation, method] = ['REST.PUT.OBJECT', 'PUT'];
    else if (r < 0.86) [operation, method] = ['REST.GET.BUCKET', 'GET'];
    else if (r < 0.9) [operation, method] = ['WEBSITE.GET.OBJECT', 'GET'];
    else if (r < 0.93) [operation, method] = ['REST.DELETE.OBJECT', 'DELETE'];
    else if (r < 0.96) [operation, method] = ['BATCH.DELETE.OBJECT', 'POST'];
    else if (r < 0.98) [operation, method] = ['REST.COPY.OBJECT_GET', 'PUT'];
    else [operation, method] = ['S3.EXPIRE.OBJECT', '-'];
    const key = operation === 'REST.GET.BUCKET' ? '-' : pick(rand, keys);

    const s = rand();
    let status: number;
    if (operation === 'REST.GET.OBJECT' || operation === 'WEBSITE.GET.OBJECT') {
      status =
        s < 0.72
          ? 200
          : s < 0.84
            ? 206
            : s < 0.88
              ? 304
              : s < 0.94
                ? 404
                : s < 0.97
                  ? 403
                  : s < 0.99
                    ? 416
                    : 503;
    } else {
      status = s < 0.9 ? (method === 'DELETE' ? 204 : 200) : s < 0.95 ? 403 : s < 0.98 ? 404 : 500;
    }
    const error = status >= 300 ? (ERRORS[status] ?? 'InternalError') : '-';
    const size = Math.floor(rand() * rand() * 50_000_000) + 1;
    const bytes =
      method === 'GET' && status === 200
        ? String(size)
        : status === 206
          ? String(Math.min(size, 1_048_576))
          : status >= 400
            ? String(200 + Math.floor(rand() * 200))
            : '-';
    const total = Math.floor(rand() * 900) + 1;
    const turn = Math.max(1, Math.floor(total * rand() * 0.3));
    const query = rand() < 0.1 ? '?versionId=3HL4kqtJvjVBH40Nrjfkd&x-id=GetObject' : '';
    const uri = method === '-' ? '"-"' : `"${method} /${bucket}/${key === '-' ? '' : key}${query} HTTP/1.1"`;
    const requestId = randomString(rand, UPPER_HEX, 16);
    const requester = operation === 'S3.EXPIRE.OBJECT' ? 'AmazonS3' : pick(rand, requesters);
    const head =
      `${OWNER} ${bucket} ${stamp} ${operation === 'S3.EXPIRE.OBJECT' ? '-' : pick(rand, ips)} ${requester} ${requestId} ` +
      `${operation} ${key} ${uri} ${status} ${error} ${bytes} ${status === 304 ? '-' : size} ${total} ${turn} ` +
      `${pick(rand, REFERERS)} ${operation === 'S3.EXPIRE.OBJECT' ? '"-"' : pick(rand, USER_AGENTS)} ${rand() < 0.2 ? randomString(rand, B64, 32) : '-'}`;
    const vintage = rand();
    if (vintage < 0.1) {
      yield head;
      continue;
    }
    const hostId = `${randomString(rand, B64, 76)}=`;
    const tls = rand() < 0.7 ? 'TLSv1.2' : 'TLSv1.3';
    const sig = requester === '-' ? '-' : 'SigV4';
    const auth = requester === '-' ? '-' : rand() < 0.85 ? 'AuthHeader' : 'QueryString';
    const tail = `${hostId} ${sig} ECDHE-RSA-AES128-GCM-SHA256 ${auth} ${bucket}.s3.eu-west-1.amazonaws.com ${tls}`;
    const accessPoint = rand() < 0.05 ? 'arn:aws:s3:eu-west-1:123456789012:accesspoint/analytics-ap' : '-';
    const acl = rand() < 0.02 ? 'Yes' : '-';
    if (vintage < 0.3) yield `${head} ${tail} ${accessPoint} ${acl}`;
    else yield `${head} ${tail} ${accessPoint} ${acl} ${rand() < 0.8 ? 'eu-west-1' : 'us-east-1'}`;
  }
}

// ---- Benchmarks

const BENCH_DIR = path.resolve(import.meta.dirname, '..', 'bench-data');
const PARSE_LOG_MB = 110;
const LOAD_LINES = 1_000_000;

/**
 * The `input.regex` of the AWS-documented Athena table for server access logs, as a JavaScript
 * RegExp. Hive's RegexSerDe matches the whole line, hence the `^`.
 */
export const ATHENA_ACCESS_LOG_REGEX = new RegExp(`^${S3_ACCESS_LOG_REGEX}`);

const orNull = (g: string | undefined): string | null =>
  g === undefined || g === '-' || g === '' ? null : g;
const intOrNull = (g: string | undefined): number | null =>
  g === undefined || g === '-' || g === '' ? null : Number(g);
const unquote = (g: string | undefined): string | null =>
  g === undefined || g === '-' || g === '"-"' ? null : g.charCodeAt(0) === 34 ? g.slice(1, -1) : g;

/** The baseline: the Athena regex, then the same typing of the captured groups as the parser's. */
export function parseWithAthenaRegex(line: string): Record<string, unknown> | null {
  const m = ATHENA_ACCESS_LOG_REGEX.exec(line);
  if (m === null) return null;
  const key = orNull(m[8]);
  return {
    bucket_owner: orNull(m[1]),
    bucket: m[2],
    request_time: s3TimeToIso(m[3], 0),
    remote_ip: orNull(m[4]),
    requester: orNull(m[5]),
    request_id: m[6],
    operation: m[7],
    key,
    key_decoded: key === null ? null : safeDecodeUriComponent(key),
    request_uri: unquote(m[9]),
    http_status: intOrNull(m[10]),
    error_code: orNull(m[11]),
    bytes_sent: intOrNull(m[12]),
    object_size: intOrNull(m[13]),
    total_time: intOrNull(m[14]),
    turn_around_time: intOrNull(m[15]),
    referer: unquote(m[16]),
    user_agent: unquote(m[17]),
    version_id: orNull(m[18]),
    host_id: orNull(m[19]),
    signature_version: orNull(m[20]),
    cipher_suite: orNull(m[21]),
    authentication_type: orNull(m[22]),
    host_header: orNull(m[23]),
    tls_version: orNull(m[24]),
    access_point_arn: orNull(m[25]),
    acl_required: m[26] === undefined ? null : m[26] === 'Yes',
  };
}

/** Writes `lines` generated lines to `file` once; later runs reuse it. */
export function ensureLogFile(file: string, lines: number, seed: number): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let chunk: string[] = [];
  for (const line of generateAccessLogLines(lines, { seed })) {
    chunk.push(line);
    if (chunk.length === 10_000) {
      fs.writeSync(fd, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) fs.writeSync(fd, `${chunk.join('\n')}\n`);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** Generates lines until the file reaches `megabytes`. */
function ensureLogOfSize(file: string, megabytes: number): void {
  if (fs.existsSync(file)) return;
  // About 620 bytes per line on average; generate a margin and check.
  ensureLogFile(file, Math.ceil((megabytes * 1024 * 1024) / 620), 7);
}

function time(fn: () => number): { ms: number; result: number } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

export async function benchParser(): Promise<{ parserMBs: number; regexMBs: number; ratio: number }> {
  const file = path.join(BENCH_DIR, `s3-access-log-${PARSE_LOG_MB}mb.log`);
  ensureLogOfSize(file, PARSE_LOG_MB);
  const text = fs.readFileSync(file, 'utf8');
  const bytes = fs.statSync(file).size;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const mb = bytes / (1024 * 1024);

  const runParser = () => {
    let ok = 0;
    for (let i = 0; i < lines.length; i++) {
      const r = parseS3AccessLogLine(lines[i]);
      if (!isLineError(r) && r.http_status !== null) ok++;
    }
    return ok;
  };
  const runRegex = () => {
    let ok = 0;
    for (let i = 0; i < lines.length; i++) {
      const r = parseWithAthenaRegex(lines[i]);
      if (r !== null && r.http_status !== null) ok++;
    }
    return ok;
  };
  // Warm-up, then best of five alternating rounds.
  runParser();
  runRegex();
  let parserMs = Infinity;
  let regexMs = Infinity;
  let parsed = 0;
  let matched = 0;
  for (let round = 0; round < 5; round++) {
    const p = time(runParser);
    const r = time(runRegex);
    parserMs = Math.min(parserMs, p.ms);
    regexMs = Math.min(regexMs, r.ms);
    parsed = p.result;
    matched = r.result;
  }
  const parserMBs = mb / (parserMs / 1000);
  const regexMBs = mb / (regexMs / 1000);
  const row = (name: string, ms: number, n: number) =>
    `  ${name.padEnd(38)} ${(mb / (ms / 1000)).toFixed(1).padStart(8)} MB/s ${Math.round(
      lines.length / (ms / 1000),
    )
      .toLocaleString('en-US')
      .padStart(12)} lines/s   (${n.toLocaleString('en-US')} records)`;
  console.log(
    `S3 access log parsing: ${mb.toFixed(1)} MB, ${lines.length.toLocaleString('en-US')} lines (${path.relative(process.cwd(), file)})`,
  );
  console.log(row('hand-written parser', parserMs, parsed));
  console.log(row('Athena RegExp + same typing (baseline)', regexMs, matched));
  console.log(`  ratio parser / baseline: ${(regexMs / parserMs).toFixed(2)}x`);
  return { parserMBs, regexMBs, ratio: regexMs / parserMs };
}

/**
 * Loads the 1,000,000-line log through `loadObject` (the loader function's code: parser, batches of
 * rows sent as one JSON parameter, rollups) into embedded Postgres behind the local Data API endpoint,
 * then inserts a sample of the same rows one INSERT per row through the same endpoint.
 */
export async function benchLoad(
  lineCount = LOAD_LINES,
): Promise<{ loaderRowsPerSecond: number; singleRowsPerSecond: number }> {
  const file = path.join(BENCH_DIR, `s3-access-log-${lineCount}-lines.log`);
  ensureLogFile(file, lineCount, 11);
  // On disk, like the local platform's data directory; BENCH_PG=memory keeps it in memory.
  const inMemory = process.env.BENCH_PG === 'memory';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pg-'));
  const pg = inMemory ? new PGlite() : new PGlite(dataDir);
  const server = await startDataApiServer({ pg });
  try {
    const { db } = localDatabase(server.url);
    await runMigrations(db);
    const dataset = getDataset('s3_access_logs');

    const start = process.hrtime.bigint();
    const outcome = await loadObject(
      {
        db,
        routing: { lakeBucket: 'bench-lake', logBucket: 'bench-logs' },
        // Every record becomes a row, so rows per second and lines per second agree.
        accessLogRules: { keepAllOperations: true },
        reader: { getObjectStream: async () => ({ body: fs.createReadStream(file), etag: 'bench' }) },
        log: { info: () => undefined, warn: (line: string) => console.error(line) },
      },
      { bucket: 'bench-logs', key: 's3-access-logs/bench.log' },
    );
    const loaderSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const loaderRowsPerSecond = outcome.rowsInserted / loaderSeconds;

    // One INSERT per row, on rows the table does not hold yet (another seed), same endpoint.
    const rowsOf = (count: number, seed: number) => {
      const out: Record<string, unknown>[] = [];
      for (const line of generateAccessLogLines(count, { seed })) {
        const r = parseS3AccessLogLine(line);
        if (!isLineError(r)) out.push({ ...r, record_id: recordId(line) });
      }
      return out;
    };
    const sample = rowsOf(Math.min(3000, lineCount), 99);
    const sql = insertSql(dataset);
    const singleStart = process.hrtime.bigint();
    for (const row of sample) await db.execute(sql, toSqlParams(dataset, row));
    const singleSeconds = Number(process.hrtime.bigint() - singleStart) / 1e9;
    const singleRowsPerSecond = sample.length / singleSeconds;

    // For comparison: the whole batch as one JSON parameter expanded by jsonb_populate_recordset.
    const columns = dataset.columns.map((c) => c.name).join(', ');
    const recordsetSql =
      `INSERT INTO ${dataset.name} (${columns}) SELECT ${columns} ` +
      `FROM jsonb_populate_recordset(NULL::${dataset.name}, CAST(:rows AS jsonb)) ON CONFLICT (record_id) DO NOTHING`;
    const recordsetRows = rowsOf(Math.min(20_000, lineCount), 98);
    const recordsetStart = process.hrtime.bigint();
    for (let i = 0; i < recordsetRows.length; i += 1000) {
      await db.execute(recordsetSql, { rows: JSON.stringify(recordsetRows.slice(i, i + 1000)) });
    }
    const recordsetSeconds = Number(process.hrtime.bigint() - recordsetStart) / 1e9;
    const recordsetRowsPerSecond = recordsetRows.length / recordsetSeconds;
    const rollups = await pg.query<{ hours: number }>(
      'SELECT count(*)::int AS hours FROM s3_access_log_hourly',
    );

    console.log(
      `S3 access log loading into local Postgres (PGlite ${inMemory ? 'in memory' : 'on disk'}, behind the local Data API endpoint)`,
    );
    console.log(
      `  loader (parse, 1000-row JSON INSERTs, hourly rollups) ${Math.round(loaderRowsPerSecond).toLocaleString('en-US').padStart(8)} rows/s` +
        `   (${outcome.rowsInserted.toLocaleString('en-US')} rows of ${lineCount.toLocaleString('en-US')} lines in ${loaderSeconds.toFixed(1)} s; ${rollups.rows[0].hours} rollup hours)`,
    );
    console.log(
      `  one INSERT per row (baseline)                  ${Math.round(singleRowsPerSecond).toLocaleString('en-US').padStart(8)} rows/s` +
        `   (${sample.length.toLocaleString('en-US')} rows in ${singleSeconds.toFixed(1)} s)`,
    );
    console.log(`  ratio loader / baseline: ${(loaderRowsPerSecond / singleRowsPerSecond).toFixed(1)}x`);
    console.log(
      `  for comparison, 1000-row jsonb_populate_recordset INSERTs ${Math.round(recordsetRowsPerSecond).toLocaleString('en-US').padStart(8)} rows/s` +
        `   (${recordsetRows.length.toLocaleString('en-US')} rows in ${recordsetSeconds.toFixed(1)} s, ${(recordsetRowsPerSecond / singleRowsPerSecond).toFixed(1)}x the baseline)`,
    );
    return { loaderRowsPerSecond, singleRowsPerSecond };
  } finally {
    await server.close();
    await pg.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await benchParser();
  await benchLoad(Number(process.env.BENCH_ACCESS_LOG_LINES ?? LOAD_LINES));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
