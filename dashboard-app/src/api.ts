/**
 * The page's API, one entry per route of `ApiRoutes` (./contract.ts): how the route reads and checks
 * its query (a bad parameter is a 400 before anything runs), whether answering queries Postgres
 * (the session check uses that, see ./sessions.ts), and the answer.
 */
import { DATASETS } from '../../datasets';
import { timeColumn } from '../../datasets/sql';
import type { Database } from '../../db/database';
import {
  accessLogKey,
  accessLogOverview,
  postgresAccessLogExtent,
  readAccessLogKeyRequest,
  readAccessLogRequest,
  type AccessLogAnswer,
  type AccessLogRequest,
} from './access-logs';
import { athenaAccessLogKey, athenaAccessLogOverview, athenaLogExtentQuery } from './access-logs-athena';
import { AthenaMeter, AthenaRunner } from './athena';
import { loadCharts } from './charts';
import type {
  AccessLogKeyResponse,
  AccessLogOverview,
  ApiPath,
  ApiRoutes,
  AthenaStatus,
  ChartsApiResponse,
  DatasetsResponse,
} from './contract';
import {
  answerOverPeriod,
  athenaDatasetExtent,
  extentOf,
  postgresDatasetExtent,
  type PostgresStatement,
} from './data-extent';
import { databaseStatus } from './database-status';
import { badRequest } from './http-error';
import {
  chartableDatasets,
  readChartRequest,
  readParams,
  type ChartRequest,
  type QueryParams,
} from './params';
import { chartPlan, measuresOf } from './queries';

/** The full-history engine, or why it is unavailable. */
export type AthenaOption = AthenaRunner | { readonly unavailable: string };

export interface ApiDependencies {
  readonly db: Database;
  readonly athena: AthenaOption;
  readonly refreshSeconds: number;
}

/** A checked request, ready to answer. */
export interface PreparedRequest {
  /** Whether answering it queries Postgres. */
  readonly queriesDatabase: boolean;
  answer(): Promise<unknown>;
}

export interface ApiRoute {
  /** Reads and checks the query; throws a 400 naming the bad parameter. */
  prepare(query: QueryParams): PreparedRequest;
}

/** An API route; `_path` ties the answer to the type the contract gives that path. */
function route<P extends ApiPath, R>(
  _path: P,
  read: (query: QueryParams) => R,
  queriesDatabase: (request: R) => boolean,
  answer: (request: R) => Promise<ApiRoutes[P]['response']>,
): ApiRoute {
  return {
    prepare(query) {
      const request = read(query);
      return { queriesDatabase: queriesDatabase(request), answer: () => answer(request) };
    },
  };
}

const noParams = (query: QueryParams) => void readParams(query, []);
const now = () => new Date().toISOString();

function athenaStatus(athena: AthenaOption): AthenaStatus {
  return athena instanceof AthenaRunner
    ? { available: true }
    : { available: false, reason: athena.unavailable };
}

function datasets(deps: ApiDependencies): DatasetsResponse {
  return {
    refreshSeconds: deps.refreshSeconds,
    athena: athenaStatus(deps.athena),
    datasets: chartableDatasets().map((d) => {
      const measures = measuresOf(d);
      const plan = chartPlan(d, measures[0]);
      const time = timeColumn(d);
      return {
        name: d.name,
        label: d.label,
        description: d.description,
        time: { name: time.name, label: time.label },
        measures: measures.map((m) => ({ name: m.name, label: m.label, unit: m.unit ?? null })),
        share: plan.share.kind,
        shareColumn:
          plan.share.kind === 'none'
            ? null
            : { name: plan.share.column.name, label: plan.share.column.label },
        // Athena charts read the lake's NDJSON tables; other formats have tables of their own shape.
        athena: d.format === 'ndjson',
      };
    }),
    accessLogs: DATASETS.some((d) => d.name === 's3_access_logs'),
  };
}

/** The runner, or a 400 saying why Athena cannot answer here. */
function athenaRunner(athena: AthenaOption): AthenaRunner {
  if (!(athena instanceof AthenaRunner)) {
    throw badRequest(
      `Parameter "engine" is "athena", but Athena is not available here: ${athena.unavailable}`,
    );
  }
  return athena;
}

/**
 * The page asks for "until now" on every refresh: widened to whole minutes, repeated refreshes
 * share Athena's cache instead of paying for new scans each time.
 */
function wholeMinutes(range: { from: Date; to: Date }): { from: Date; to: Date } {
  const floor = (ms: number) => ms - (((ms % 60_000) + 60_000) % 60_000);
  const to = range.to.getTime();
  return {
    from: new Date(floor(range.from.getTime())),
    to: new Date(floor(to) === to ? to : floor(to) + 60_000),
  };
}

async function charts(deps: ApiDependencies, request: ChartRequest): Promise<ChartsApiResponse> {
  const { db } = deps;
  const pg = (q: PostgresStatement) => db.query(q.sql, q.params);
  if (request.engine === 'postgres') {
    const answer = await answerOverPeriod({
      period: request.period,
      extent: async () => extentOf(await pg(postgresDatasetExtent(request.dataset))),
      answer: (range) => loadCharts({ ...request, ...range }, 'postgres', pg),
      empty: (r) => r.empty,
    });
    return { ...answer, updatedAt: now() };
  }
  const meter = new AthenaMeter(athenaRunner(deps.athena));
  const answer = await answerOverPeriod({
    period: request.period,
    extent: async () => extentOf(await meter.rows(athenaDatasetExtent(request.dataset))),
    answer: (range) => loadCharts({ ...request, ...wholeMinutes(range) }, 'athena', meter.rows),
    empty: (r) => r.empty,
  });
  return { ...answer, athena: meter.usage(), updatedAt: now() };
}

/**
 * The logged buckets Athena reads: the one asked for, or every bucket the loader has seen (the
 * table's `source_bucket` is injected: Athena reads only the buckets a query names).
 */
async function loggedBuckets(db: Database, bucket: string | undefined): Promise<string[]> {
  if (bucket) return [bucket];
  const rows = await db.query(
    'SELECT bucket FROM s3_access_log_hourly GROUP BY bucket ORDER BY bucket LIMIT 100',
    {},
  );
  return rows.map((r) => String(r.bucket));
}

/** The access logs' overview or one key's page, on either engine, over the request's period. */
async function accessLogs<R extends AccessLogOverview | AccessLogKeyResponse>(
  deps: ApiDependencies,
  request: AccessLogRequest & { readonly key?: string },
  postgres: (range: { from: Date; to: Date }) => Promise<AccessLogAnswer<R>>,
  athena: (
    rows: AthenaMeter['rows'],
    range: { from: Date; to: Date; buckets: string[] },
  ) => Promise<AccessLogAnswer<R>>,
  empty: (answer: AccessLogAnswer<R>) => boolean,
): Promise<R> {
  const { db } = deps;
  if (request.engine === 'postgres') {
    const answer = await answerOverPeriod({
      period: request.period,
      extent: async () => {
        const q = postgresAccessLogExtent({ bucket: request.bucket, key: request.key });
        return extentOf(await db.query(q.sql, q.params));
      },
      answer: postgres,
      empty,
    });
    return { ...answer, updatedAt: now() } as R;
  }
  const meter = new AthenaMeter(athenaRunner(deps.athena));
  const buckets = await loggedBuckets(db, request.bucket);
  const answer = await answerOverPeriod({
    period: request.period,
    extent: async () =>
      buckets.length === 0
        ? null
        : extentOf(await meter.rows(athenaLogExtentQuery({ buckets, key: request.key }))),
    answer: (range) => {
      const minutes = wholeMinutes(range);
      // No logged bucket yet: nothing for Athena to read, the Postgres answer is as empty.
      return buckets.length === 0 ? postgres(minutes) : athena(meter.rows, { ...minutes, buckets });
    },
    empty,
  });
  return { ...answer, engine: 'athena', athena: { ...meter.usage(), buckets }, updatedAt: now() } as R;
}

/** Every API route of the contract; a path without its entry here fails the type check. */
export function apiRoutes(deps: ApiDependencies): { readonly [P in ApiPath]: ApiRoute } {
  const { db } = deps;
  return {
    '/api/datasets': route(
      '/api/datasets',
      noParams,
      () => false,
      async () => datasets(deps),
    ),
    '/api/charts': route(
      '/api/charts',
      (query) => readChartRequest(query),
      (request) => request.engine === 'postgres',
      (request) => charts(deps, request),
    ),
    '/api/access-logs': route(
      '/api/access-logs',
      (query) => readAccessLogRequest(query),
      () => true,
      (request) =>
        accessLogs<AccessLogOverview>(
          deps,
          request,
          (range) => accessLogOverview(db, { ...range, bucket: request.bucket }),
          (rows, range) => athenaAccessLogOverview(rows, { ...range, bucket: request.bucket }),
          (answer) => answer.totals.requests === 0,
        ),
    ),
    '/api/access-logs/key': route(
      '/api/access-logs/key',
      (query) => readAccessLogKeyRequest(query),
      () => true,
      (request) =>
        accessLogs<AccessLogKeyResponse>(
          deps,
          request,
          (range) => accessLogKey(db, { ...range, bucket: request.bucket, key: request.key }),
          (rows, range) => athenaAccessLogKey(rows, { ...range, bucket: request.bucket, key: request.key }),
          (answer) => answer.series.length === 0,
        ),
    ),
    '/api/database': route(
      '/api/database',
      noParams,
      () => true,
      async () => ({ ...(await databaseStatus(db)), updatedAt: now() }),
    ),
  };
}
