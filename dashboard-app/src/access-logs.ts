/**
 * The access logs view: S3 server access log records (`s3_access_logs`) and their hourly
 * rollups (`s3_access_log_hourly`). Totals and the traffic chart read the rollups, so the
 * overview stays fast on tens of millions of records; the top lists read the time-indexed table.
 */
import type { Database, Row, SqlParams } from '../../db/database';
import { num } from './charts';
import {
  ACCESS_LOG_KEY_PARAMS,
  ACCESS_LOG_PARAMS,
  type AccessLogKeyResponse,
  type AccessLogOverview,
  type CountedRow,
  type Engine,
  type TrafficPoint,
  type TrafficUnit,
} from './contract';
import type { PostgresStatement } from './data-extent';
import { badRequest } from './http-error';
import { quote, readEngine, readParams, readPeriod, type Period, type QueryParams } from './params';
import { bucketFor } from './queries';

const TOP = 10;
/** S3 object keys are at most 1024 bytes of UTF-8 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). */
const MAX_KEY_BYTES = 1024;

/** A resolved period of the access logs, in one bucket or all. */
export interface AccessLogFilter {
  readonly from: Date;
  readonly to: Date;
  readonly bucket?: string;
}

/** An access-log request as asked: its period (still to resolve when "all"), bucket and engine. */
export interface AccessLogRequest {
  readonly period: Period;
  readonly bucket?: string;
  readonly engine: Engine;
}

/** What an answer holds before the route adds the period and the time of the answer. */
export type AccessLogAnswer<T> = Omit<T, 'updatedAt' | 'period' | 'dataExtent'>;

// S3 bucket naming rules: 3 to 63 lower-case letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function readBucket(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!BUCKET.test(raw)) {
    throw badRequest(
      `Parameter "bucket" is ${quote(raw)}, which is not an S3 bucket name (3 to 63 lower-case letters, digits, dots or hyphens).`,
    );
  }
  return raw;
}

export function readAccessLogRequest(query: QueryParams, now = new Date()): AccessLogRequest {
  const values = readParams(query, ACCESS_LOG_PARAMS);
  return {
    period: readPeriod(values, now),
    bucket: readBucket(values.get('bucket')),
    engine: readEngine(values.get('engine')),
  };
}

export function readAccessLogKeyRequest(
  query: QueryParams,
  now = new Date(),
): AccessLogRequest & { key: string } {
  const values = readParams(query, ACCESS_LOG_KEY_PARAMS);
  const key = values.get('key');
  if (key === undefined || key === '')
    throw badRequest('Parameter "key" is required: the object key to show.');
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES) {
    throw badRequest(`Parameter "key" is ${bytes} bytes of UTF-8; S3 keys have at most ${MAX_KEY_BYTES}.`);
  }
  return {
    period: readPeriod(values, now),
    bucket: readBucket(values.get('bucket')),
    engine: readEngine(values.get('engine')),
    key,
  };
}

/** The traffic chart's bucket: as the metrics' line chart, but hours at the finest (the rollups are hourly). */
function trafficUnit(from: Date, to: Date): TrafficUnit {
  const unit = bucketFor(from, to);
  return unit === 'minute' ? 'hour' : unit;
}

/** The oldest and newest access log record, of one bucket or key when given (Postgres). */
export function postgresAccessLogExtent(scope: { bucket?: string; key?: string }): PostgresStatement {
  const predicates: string[] = [];
  const params: Record<string, string> = {};
  if (scope.bucket) {
    predicates.push('bucket = :bucket');
    params.bucket = scope.bucket;
  }
  if (scope.key) {
    predicates.push('key = :key');
    params.key = scope.key;
  }
  return {
    sql:
      "SELECT date_part('epoch', min(request_time)) * 1000 AS oldest, date_part('epoch', max(request_time)) * 1000 AS newest " +
      `FROM s3_access_logs${predicates.length ? ` WHERE ${predicates.join(' AND ')}` : ''}`,
    params,
  };
}

/** What every access-log answer starts with: its range, bucket, traffic unit and engine. */
export function answerRange(
  f: AccessLogFilter,
  engine: Engine,
): Pick<AccessLogOverview, 'from' | 'to' | 'bucket' | 'unit' | 'engine'> {
  return {
    from: f.from.toISOString(),
    to: f.to.toISOString(),
    bucket: f.bucket ?? null,
    unit: trafficUnit(f.from, f.to),
    engine,
  };
}

/** Traffic points from rows with `t`, `requests`, `bytes` and `errors`. */
export function trafficPoints(rows: readonly Row[]): TrafficPoint[] {
  return rows.map((r) => ({
    t: num(r.t) ?? 0,
    requests: num(r.requests) ?? 0,
    bytes: num(r.bytes) ?? 0,
    errors: num(r.errors) ?? 0,
  }));
}

/** Requests, bytes and errors of a series, added up. */
export function trafficTotals(points: readonly TrafficPoint[]): AccessLogOverview['totals'] {
  return {
    requests: points.reduce((a, p) => a + p.requests, 0),
    bytes: points.reduce((a, p) => a + p.bytes, 0),
    errors: points.reduce((a, p) => a + p.errors, 0),
  };
}

function where(f: AccessLogFilter, time: string): { sql: string; params: Record<string, Date | string> } {
  const params: Record<string, Date | string> = { from: f.from, to: f.to };
  let sql = `${time} >= :from AND ${time} < :to`;
  if (f.bucket) {
    sql += ' AND bucket = :bucket';
    params.bucket = f.bucket;
  }
  return { sql, params };
}

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** A key's latest requests from rows with `at_ms`, `bucket`, `operation`, `status`, `bytes`, `requester`, `error`. */
export function recentRequests(rows: readonly Row[]): AccessLogKeyResponse['recent'] {
  return rows.map((r) => ({
    at: num(r.at_ms) ?? 0,
    bucket: String(r.bucket),
    operation: text(r.operation),
    status: num(r.status),
    bytes: num(r.bytes),
    requester: text(r.requester),
    errorCode: text(r.error),
  }));
}

export const counted = (rows: readonly Row[], label: string): CountedRow[] =>
  rows.map((r) => ({
    label: r[label] === null ? '(none)' : String(r[label]),
    requests: num(r.requests) ?? 0,
    bytes: num(r.bytes) ?? 0,
  }));

export async function accessLogOverview(
  db: Database,
  f: AccessLogFilter,
): Promise<AccessLogAnswer<AccessLogOverview>> {
  const raw = where(f, 'request_time');
  const hourly = where(f, 'hour');
  const range = answerRange(f, 'postgres');
  const group = async (expr: string, alias: string, extra = '', limit = TOP) =>
    counted(
      await db.query(
        `SELECT ${expr} AS ${alias}, count(*) AS requests, CAST(coalesce(sum(bytes_sent), 0) AS bigint) AS bytes
         FROM s3_access_logs WHERE ${raw.sql}${extra}
         GROUP BY 1 ORDER BY requests DESC, 1 ASC LIMIT ${limit}`,
        raw.params as SqlParams,
      ),
      alias,
    );

  const series = await db.query(
    `SELECT date_part('epoch', date_trunc('${range.unit}', hour AT TIME ZONE 'UTC')) * 1000 AS t,
            CAST(sum(requests) AS bigint) AS requests, CAST(sum(bytes_sent) AS bigint) AS bytes,
            CAST(sum(errors) AS bigint) AS errors
     FROM s3_access_log_hourly WHERE ${hourly.sql} GROUP BY 1 ORDER BY 1`,
    hourly.params as SqlParams,
  );
  const buckets = await db.query(
    `SELECT bucket, CAST(sum(requests) AS bigint) AS requests FROM s3_access_log_hourly
     WHERE hour >= :from AND hour < :to GROUP BY bucket ORDER BY requests DESC, bucket LIMIT 100`,
    { from: f.from, to: f.to },
  );
  const topKeys = await group('key', 'key', ' AND key IS NOT NULL');
  // Unauthenticated requests have no requester.
  const topRequesters = await group("coalesce(requester, '(anonymous)')", 'requester');
  const topIps = await group('remote_ip', 'remote_ip');
  const statuses = await group('http_status', 'http_status', '', 50);
  const operations = await group('operation', 'operation', '', 20);
  const downloads = await db.query(
    `SELECT count(*) FILTER (WHERE http_status = 200) AS full_downloads,
            count(*) FILTER (WHERE http_status = 206) AS partial_downloads,
            count(*) FILTER (WHERE http_status >= 400) AS invalid_requests
     FROM s3_access_logs WHERE ${raw.sql} AND (operation = 'REST.GET.OBJECT' OR http_status >= 400)`,
    raw.params as SqlParams,
  );
  const errorCodes = await group('error_code', 'error_code', ' AND http_status >= 400');
  const d = downloads[0] ?? {};
  const points = trafficPoints(series);
  return {
    ...range,
    totals: trafficTotals(points),
    series: points,
    buckets: buckets.map((b) => ({ bucket: String(b.bucket), requests: num(b.requests) ?? 0 })),
    topKeys,
    topRequesters,
    topIps,
    statuses,
    operations,
    downloads: {
      full: num(d.full_downloads) ?? 0,
      partial: num(d.partial_downloads) ?? 0,
      invalid: num(d.invalid_requests) ?? 0,
    },
    errorCodes,
  };
}

export async function accessLogKey(
  db: Database,
  f: AccessLogFilter & { key: string },
): Promise<AccessLogAnswer<AccessLogKeyResponse>> {
  const base = where(f, 'request_time');
  const sql = `${base.sql} AND key = :key`;
  const params = { ...base.params, key: f.key } as SqlParams;
  const range = answerRange(f, 'postgres');
  const unit = range.unit;
  const series = await db.query(
    `SELECT t, requests, bytes, errors FROM (
       SELECT date_trunc('${unit}', request_time AT TIME ZONE 'UTC') AS bucket_start,
              date_part('epoch', date_trunc('${unit}', request_time AT TIME ZONE 'UTC')) * 1000 AS t,
              count(*) AS requests, CAST(coalesce(sum(bytes_sent), 0) AS bigint) AS bytes,
              count(*) FILTER (WHERE http_status >= 400) AS errors
       FROM s3_access_logs WHERE ${sql} GROUP BY 1, 2) b ORDER BY bucket_start`,
    params,
  );
  const statuses = await db.query(
    `SELECT http_status, count(*) AS requests, CAST(coalesce(sum(bytes_sent), 0) AS bigint) AS bytes
     FROM s3_access_logs WHERE ${sql} GROUP BY 1 ORDER BY requests DESC, 1`,
    params,
  );
  const requesters = await db.query(
    `SELECT coalesce(requester, remote_ip) AS requester, count(*) AS requests,
            CAST(coalesce(sum(bytes_sent), 0) AS bigint) AS bytes
     FROM s3_access_logs WHERE ${sql} GROUP BY 1 ORDER BY requests DESC, 1 LIMIT ${TOP}`,
    params,
  );
  const recent = await db.query(
    `SELECT date_part('epoch', request_time) * 1000 AS at_ms, bucket, operation, http_status AS status,
            bytes_sent AS bytes, coalesce(requester, remote_ip) AS requester, error_code AS error
     FROM s3_access_logs WHERE ${sql} ORDER BY request_time DESC, record_id LIMIT 20`,
    params,
  );
  return {
    key: f.key,
    ...range,
    series: trafficPoints(series),
    statuses: counted(statuses, 'http_status'),
    requesters: counted(requesters, 'requester'),
    recent: recentRequests(recent),
  };
}
