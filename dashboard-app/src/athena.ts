/**
 * Runs chart statements on Athena: start the query on the workgroup, poll until it finishes,
 * read the (small) result and report the bytes scanned and what the query cost. Identical
 * statements are answered from a short-lived cache, so a refreshing page does not pay twice.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import type { Row } from '../../db/database';
import type { AthenaUsage } from './contract';

/** A statement for Athena: its SQL, its execution parameters, and what it is for (named in errors). */
export interface AthenaStatement {
  /** What the statement computes, e.g. `series` (a chart's name) or `access-log lists`. */
  readonly chart: string;
  readonly sql: string;
  /** In the order of the `?` placeholders, as SQL literals. */
  readonly executionParameters: readonly string[];
}

/** Athena bills $5 per TB scanned, rounded up to the megabyte, with a 10 MB minimum per query. */
export const USD_PER_TB = 5;
export const MIN_BILLED_MB = 10;
const MB = 1024 * 1024;
const TB = 1024 * 1024 * MB;

/** The cost in US dollars of a query that scanned `bytes`. */
export function athenaCostUsd(bytes: number): number {
  const billedMb = Math.max(MIN_BILLED_MB, Math.ceil(bytes / MB));
  return (billedMb * MB * USD_PER_TB) / TB;
}

export interface AthenaTarget {
  readonly workgroup: string;
  readonly database: string;
}

export interface AthenaResult {
  readonly rows: Row[];
  readonly bytesScanned: number;
  readonly costUsd: number;
  readonly queryExecutionId: string;
  readonly cached: boolean;
}

export interface AthenaRunnerOptions {
  readonly client: Pick<AthenaClient, 'send'>;
  readonly target: AthenaTarget;
  /** How long an identical statement is answered from the cache. @default 5 minutes */
  readonly cacheTtlMs?: number;
  /** Gives up waiting for a query after this long. @default 60 s */
  readonly timeoutMs?: number;
  /** Waits between polls; replaced in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** A query that Athena failed or cancelled; the message is Athena's reason. */
export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly queryExecutionId?: string,
  ) {
    super(message);
    this.name = 'AthenaQueryError';
  }
}

export class AthenaRunner {
  private readonly cache = new Map<string, { expires: number; result: AthenaResult }>();
  private readonly ttl: number;
  private readonly timeout: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: AthenaRunnerOptions) {
    this.ttl = options.cacheTtlMs ?? 5 * 60_000;
    this.timeout = options.timeoutMs ?? 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async run(query: AthenaStatement): Promise<AthenaResult> {
    const key = JSON.stringify([query.sql, query.executionParameters]);
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return { ...hit.result, cached: true };

    const { client, target } = this.options;
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: query.sql,
        WorkGroup: target.workgroup,
        QueryExecutionContext: { Database: target.database },
        ExecutionParameters:
          query.executionParameters.length > 0 ? [...query.executionParameters] : undefined,
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new AthenaQueryError('Athena accepted the query but returned no query execution ID.');

    const deadline = this.now() + this.timeout;
    let wait = 200;
    let bytesScanned = 0;
    for (;;) {
      const { QueryExecution: execution } = await client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State;
      bytesScanned = execution?.Statistics?.DataScannedInBytes ?? 0;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = execution?.Status?.StateChangeReason ?? 'no reason given';
        throw new AthenaQueryError(
          `Athena query ${id} (${query.chart} chart) ${state.toLowerCase()}: ${reason}`,
          id,
        );
      }
      if (this.now() > deadline) {
        throw new AthenaQueryError(
          `Athena query ${id} (${query.chart} chart) did not finish within ${this.timeout / 1000} s; ` +
            'choose a shorter time range.',
          id,
        );
      }
      await this.sleep(wait);
      wait = Math.min(wait * 2, 2000);
    }

    const rows: Row[] = [];
    let header: string[] | undefined;
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken, MaxResults: 1000 }),
      );
      for (const row of page.ResultSet?.Rows ?? []) {
        const values = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
        if (!header) {
          header = values.map((v) => v ?? '');
          continue;
        }
        rows.push(Object.fromEntries(header.map((name, i) => [name, values[i] ?? null])));
      }
      nextToken = page.NextToken;
    } while (nextToken);

    const result: AthenaResult = {
      rows,
      bytesScanned,
      costUsd: athenaCostUsd(bytesScanned),
      queryExecutionId: id,
      cached: false,
    };
    this.cache.set(key, { expires: this.now() + this.ttl, result });
    for (const [k, v] of this.cache) if (v.expires <= this.now()) this.cache.delete(k);
    return result;
  }
}

/** Runs the statements of one answer and adds up what they scanned and cost. */
export class AthenaMeter {
  private bytesScanned = 0;
  private costUsd = 0;
  private cachedQueries = 0;
  private readonly ids: string[] = [];

  constructor(private readonly runner: AthenaRunner) {}

  /** The rows of `statement`; an answer from the cache costs nothing. */
  readonly rows = async (statement: AthenaStatement): Promise<Row[]> => {
    const result = await this.runner.run(statement);
    if (result.cached) this.cachedQueries++;
    else {
      this.bytesScanned += result.bytesScanned;
      this.costUsd += result.costUsd;
    }
    this.ids.push(result.queryExecutionId);
    return result.rows;
  };

  usage(): AthenaUsage {
    return {
      bytesScanned: this.bytesScanned,
      costUsd: this.costUsd,
      queries: this.ids.length,
      cachedQueries: this.cachedQueries,
      queryExecutionIds: [...this.ids],
    };
  }
}
