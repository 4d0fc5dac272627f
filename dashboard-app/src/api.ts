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
  readAccessLogKeyRequest,
  readAccessLogRequest,
} from './access-logs';
import { AthenaRunner } from './athena';
import { loadCharts } from './charts';
import type { ApiPath, ApiRoutes, AthenaStatus, ChartsApiResponse, DatasetsResponse } from './contract';
import { databaseStatus } from './database-status';
import { badRequest } from './http-error';
import { chartableDatasets, readChartRequest, readParams, type QueryParams } from './params';
import { chartPlan, measuresOf, type ChartSelection } from './queries';

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

async function athenaCharts(athena: AthenaOption, request: ChartSelection): Promise<ChartsApiResponse> {
  if (!(athena instanceof AthenaRunner)) {
    throw badRequest(
      `Parameter "engine" is "athena", but Athena is not available here: ${athena.unavailable}`,
    );
  }
  let bytesScanned = 0;
  let costUsd = 0;
  let cached = 0;
  const ids: string[] = [];
  // The page asks for "until now" on every refresh: whole minutes let repeated refreshes share
  // the runner's cache instead of paying for six new scans each time.
  const toMinute = (d: Date) => new Date(d.getTime() - (d.getTime() % 60_000));
  const selection = { ...request, from: toMinute(request.from), to: toMinute(request.to) };
  const response = await loadCharts(selection, 'athena', async (q) => {
    const result = await athena.run(q);
    if (result.cached) cached++;
    else {
      bytesScanned += result.bytesScanned;
      costUsd += result.costUsd;
    }
    ids.push(result.queryExecutionId);
    return result.rows;
  });
  return {
    ...response,
    athena: { bytesScanned, costUsd, queries: ids.length, cachedQueries: cached, queryExecutionIds: ids },
    updatedAt: now(),
  };
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
      async (request) =>
        request.engine === 'athena'
          ? athenaCharts(deps.athena, request)
          : {
              ...(await loadCharts(request, 'postgres', (q) => db.query(q.sql, q.params))),
              updatedAt: now(),
            },
    ),
    '/api/access-logs': route(
      '/api/access-logs',
      (query) => readAccessLogRequest(query),
      () => true,
      async (request) => ({ ...(await accessLogOverview(db, request)), updatedAt: now() }),
    ),
    '/api/access-logs/key': route(
      '/api/access-logs/key',
      (query) => readAccessLogKeyRequest(query),
      () => true,
      async (request) => ({ ...(await accessLogKey(db, request)), updatedAt: now() }),
    ),
    '/api/database': route(
      '/api/database',
      noParams,
      () => true,
      async () => ({ ...(await databaseStatus(db)), updatedAt: now() }),
    ),
  };
}
