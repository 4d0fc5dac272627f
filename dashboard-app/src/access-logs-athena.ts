/**
 * The access logs view over full history: the same overview and key page as on Postgres, computed
 * by Athena over the Glue table of the log bucket (`s3_access_logs`, the AWS-documented columns and
 * RegexSerDe, partitioned by `source_bucket` and `timestamp`, see datasets' Glue specs and
 * lib/constructs/s3-access-log-table.ts).
 *
 * - `source_bucket` is an injected partition column: Athena reads only the buckets a query names
 *   with static equality (`=` or `IN`), and refuses a query that names none
 *   (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-dynamic-id-partitioning.html).
 *   So every statement names the buckets: the one asked for, or the buckets the loader has seen.
 * - `timestamp` is the day (yyyy/MM/dd) of the records of an object: with the EventTime date source
 *   the day on which the events occurred
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PartitionedPrefix.html). Statements bound it
 *   with a day of margin on each side, so Athena reads only the days of the period.
 * - Athena reads every record in the bucket, also the operations the loader leaves out of Postgres
 *   by default (only GET object requests and invalid requests are loaded), so its counts may be
 *   higher for the same period; the page says so.
 * - Each answer is two scans (traffic, and every top list in one pass), three on a key's page (its
 *   latest requests), plus one to find the oldest and newest record for "All time". The bytes
 *   scanned and the cost are reported with the answer.
 */
import type { Row } from '../../db/database';
import type { AthenaStatement } from './athena';
import { num } from './charts';
import type { AccessLogKeyResponse, AccessLogOverview, TrafficUnit } from './contract';
import {
  answerRange,
  counted,
  recentRequests,
  trafficPoints,
  trafficTotals,
  type AccessLogAnswer,
  type AccessLogFilter,
} from './access-logs';
import { DIALECTS } from './queries';

/** The Glue table over the log bucket. */
export const ACCESS_LOG_TABLE = 's3_access_logs';
/** The operation of a GET object request, counted as a full or partial download. */
const GET_OBJECT = 'REST.GET.OBJECT';
const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** What the statements read: the buckets (at least one), and a period when not all of history. */
export interface AthenaLogScope {
  readonly buckets: readonly string[];
  readonly from?: Date;
  readonly to?: Date;
  readonly key?: string;
}

type Binder = ReturnType<(typeof DIALECTS)['athena']['binder']>;

/**
 * The record's time from `requestdatetime` (`06/Feb/2019:00:00:38 +0000`, the format of the log
 * record, https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html), rewritten as
 * ISO 8601 with its offset and read with `from_iso8601_timestamp`.
 */
const REQUEST_TIME = (() => {
  const r = 'requestdatetime';
  const month = `CASE substr(${r}, 4, 3) ${MONTHS.map((m, i) => `WHEN '${m}' THEN '${String(i + 1).padStart(2, '0')}'`).join(' ')} END`;
  return (
    `from_iso8601_timestamp(concat(substr(${r}, 8, 4), '-', ${month}, '-', substr(${r}, 1, 2), 'T', ` +
    `substr(${r}, 13, 8), substr(${r}, 22, 3), ':', substr(${r}, 25, 2)))`
  );
})();

/** `yyyy/MM/dd`, the format of the `timestamp` partition. */
function partitionDay(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '/');
}

/**
 * `WITH r AS (...)`: the records of the scope with typed columns, read from the partitions of the
 * scope's buckets and days, then only those of the period (and key).
 */
function records(b: Binder, scope: AthenaLogScope): string {
  if (scope.buckets.length === 0) throw new Error('An access-log statement needs at least one bucket.');
  const partitions = [`source_bucket IN (${scope.buckets.map((x) => b.text('bucket', x)).join(', ')})`];
  if (scope.from && scope.to) {
    partitions.push(
      `"timestamp" >= ${b.text('day_first', partitionDay(new Date(scope.from.getTime() - DAY_MS)))}`,
    );
    partitions.push(
      `"timestamp" <= ${b.text('day_last', partitionDay(new Date(scope.to.getTime() + DAY_MS)))}`,
    );
  }
  const typed = [
    `SELECT ${REQUEST_TIME} AS request_time, bucket_name AS bucket, NULLIF(key, '-') AS key,`,
    `  NULLIF(requester, '-') AS requester, remoteip AS ip, operation,`,
    `  TRY_CAST(httpstatus AS integer) AS status, NULLIF(errorcode, '-') AS error, bytessent AS bytes`,
    `FROM ${ACCESS_LOG_TABLE} WHERE ${partitions.join(' AND ')}`,
  ].join('\n');
  const filters: string[] = [];
  if (scope.from && scope.to) {
    filters.push(
      `request_time >= ${b.timestamp('from', scope.from)}`,
      `request_time < ${b.timestamp('to', scope.to)}`,
    );
  }
  if (scope.key) filters.push(`key = ${b.text('key', scope.key)}`);
  return `WITH typed AS (\n${typed}\n), r AS (SELECT * FROM typed${filters.length ? ` WHERE ${filters.join(' AND ')}` : ''})`;
}

function statement(chart: string, write: (b: Binder) => string): AthenaStatement {
  const b = DIALECTS.athena.binder();
  const sql = write(b);
  return { chart, sql, executionParameters: [...b.executionParameters] };
}

/** Requests, bytes, errors and downloads per time bucket. */
export function athenaTrafficQuery(scope: AthenaLogScope, unit: TrafficUnit): AthenaStatement {
  return statement('access-log traffic', (b) =>
    [
      records(b, scope),
      `SELECT CAST(to_unixtime(date_trunc('${unit}', request_time)) * 1000 AS double) AS t, count(*) AS requests,`,
      `  sum(coalesce(bytes, 0)) AS bytes, sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,`,
      `  sum(CASE WHEN status = 200 AND operation = '${GET_OBJECT}' THEN 1 ELSE 0 END) AS full_downloads,`,
      `  sum(CASE WHEN status = 206 AND operation = '${GET_OBJECT}' THEN 1 ELSE 0 END) AS partial_downloads`,
      `FROM r GROUP BY 1 ORDER BY 1`,
    ].join('\n'),
  );
}

/** A top list: its name, the value it counts requests by, which records count, how many rows. */
export interface TopList {
  readonly kind: string;
  readonly label: string;
  readonly where?: string;
  readonly limit: number;
}

const OVERVIEW_LISTS: readonly TopList[] = [
  { kind: 'key', label: 'key', where: 'key IS NOT NULL', limit: 10 },
  // Unauthenticated requests have no requester.
  { kind: 'requester', label: "coalesce(requester, '(anonymous)')", limit: 10 },
  { kind: 'ip', label: 'ip', limit: 10 },
  { kind: 'status', label: 'CAST(status AS varchar)', limit: 50 },
  { kind: 'operation', label: 'operation', limit: 20 },
  { kind: 'error', label: 'error', where: 'status >= 400', limit: 10 },
  { kind: 'bucket', label: 'bucket', limit: 100 },
];

const KEY_LISTS: readonly TopList[] = [
  { kind: 'status', label: 'CAST(status AS varchar)', limit: 50 },
  { kind: 'requester', label: 'coalesce(requester, ip)', limit: 10 },
];

/** Every top list in one scan: each record counted once per list, then ranked within its list. */
export function athenaListsQuery(scope: AthenaLogScope, lists: readonly TopList[]): AthenaStatement {
  const label = `CASE k.kind ${lists.map((l) => `WHEN '${l.kind}' THEN ${l.label}`).join(' ')} END`;
  const where = `CASE k.kind ${lists.map((l) => `WHEN '${l.kind}' THEN ${l.where ?? 'true'}`).join(' ')} END`;
  const limit = `CASE kind ${lists.map((l) => `WHEN '${l.kind}' THEN ${l.limit}`).join(' ')} END`;
  return statement('access-log top lists', (b) =>
    [
      `${records(b, scope)},`,
      `grouped AS (`,
      `  SELECT k.kind, ${label} AS label, count(*) AS requests, sum(coalesce(r.bytes, 0)) AS bytes`,
      `  FROM r CROSS JOIN (VALUES ${lists.map((l) => `('${l.kind}')`).join(', ')}) AS k (kind)`,
      `  WHERE ${where}`,
      `  GROUP BY 1, 2`,
      `)`,
      `SELECT kind, label, requests, bytes FROM (`,
      `  SELECT kind, label, requests, bytes,`,
      `    row_number() OVER (PARTITION BY kind ORDER BY requests DESC, label ASC) AS rn`,
      `  FROM grouped`,
      `) ranked`,
      `WHERE rn <= ${limit}`,
      `ORDER BY kind, rn`,
    ].join('\n'),
  );
}

/** The latest 20 requests of the scope. */
export function athenaRecentQuery(scope: AthenaLogScope): AthenaStatement {
  return statement('access-log latest requests', (b) =>
    [
      records(b, scope),
      `SELECT CAST(to_unixtime(request_time) * 1000 AS double) AS at_ms, bucket, operation, status, bytes,`,
      `  coalesce(requester, ip) AS requester, error`,
      `FROM r ORDER BY request_time DESC, requester LIMIT 20`,
    ].join('\n'),
  );
}

/** The oldest and newest record of the buckets (and key), in every day of the table. */
export function athenaLogExtentQuery(scope: Omit<AthenaLogScope, 'from' | 'to'>): AthenaStatement {
  return statement('access-log oldest and newest record', (b) =>
    [
      records(b, { buckets: scope.buckets, key: scope.key }),
      `SELECT CAST(to_unixtime(min(request_time)) * 1000 AS double) AS oldest, CAST(to_unixtime(max(request_time)) * 1000 AS double) AS newest FROM r`,
    ].join('\n'),
  );
}

/** Runs one Athena statement and returns its rows. */
export type AthenaRows = (statement: AthenaStatement) => Promise<Row[]>;

/** The rows of each top list, by kind. */
function byKind(rows: readonly Row[]): Map<string, Row[]> {
  const lists = new Map<string, Row[]>();
  for (const row of rows) {
    const kind = String(row.kind);
    lists.set(kind, [...(lists.get(kind) ?? []), row]);
  }
  return lists;
}

const total = (rows: readonly Row[], column: string) =>
  rows.reduce((sum, r) => sum + (num(r[column]) ?? 0), 0);

/** The overview of a period on Athena, in the shape of the Postgres one. */
export async function athenaAccessLogOverview(
  rows: AthenaRows,
  f: AccessLogFilter & { readonly buckets: readonly string[] },
): Promise<AccessLogAnswer<AccessLogOverview>> {
  const scope: AthenaLogScope = { buckets: f.buckets, from: f.from, to: f.to };
  const range = answerRange(f, 'athena');
  const traffic = await rows(athenaTrafficQuery(scope, range.unit));
  const lists = byKind(await rows(athenaListsQuery(scope, OVERVIEW_LISTS)));
  const list = (kind: string) => counted(lists.get(kind) ?? [], 'label');
  const points = trafficPoints(traffic);
  const totals = trafficTotals(points);
  return {
    ...range,
    totals,
    series: points,
    buckets: list('bucket').map((r) => ({ bucket: r.label, requests: r.requests })),
    topKeys: list('key'),
    topRequesters: list('requester'),
    topIps: list('ip'),
    statuses: list('status'),
    operations: list('operation'),
    downloads: {
      full: total(traffic, 'full_downloads'),
      partial: total(traffic, 'partial_downloads'),
      invalid: totals.errors,
    },
    errorCodes: list('error'),
  };
}

/** One key's page of a period on Athena, in the shape of the Postgres one. */
export async function athenaAccessLogKey(
  rows: AthenaRows,
  f: AccessLogFilter & { readonly buckets: readonly string[]; readonly key: string },
): Promise<AccessLogAnswer<AccessLogKeyResponse>> {
  const scope: AthenaLogScope = { buckets: f.buckets, from: f.from, to: f.to, key: f.key };
  const range = answerRange(f, 'athena');
  const traffic = await rows(athenaTrafficQuery(scope, range.unit));
  const lists = byKind(await rows(athenaListsQuery(scope, KEY_LISTS)));
  const recent = await rows(athenaRecentQuery(scope));
  return {
    key: f.key,
    ...range,
    series: trafficPoints(traffic),
    statuses: counted(lists.get('status') ?? [], 'label'),
    requesters: counted(lists.get('requester') ?? [], 'label'),
    recent: recentRequests(recent),
  };
}
