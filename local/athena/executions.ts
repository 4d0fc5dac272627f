/**
 * The Athena API the dashboard uses, over the local engine: StartQueryExecution queues a query
 * and returns its ID at once; it runs in the background through QUEUED and RUNNING to SUCCEEDED,
 * FAILED or CANCELLED; GetQueryExecution reports its state, reason and statistics (bytes scanned);
 * GetQueryResults pages through the rows; StopQueryExecution cancels it.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatus.html
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
import { randomUUID } from 'node:crypto';
import { QueryError } from './dialect';
import { QueryCancelled, ScanLimitExceeded, type LocalAthenaEngine } from './engine';
import type { QueryResult } from './results';

/** A workgroup: its name, per-query scan cutoff and where Athena would write results. */
export interface LocalWorkGroup {
  readonly name: string;
  /** `BytesScannedCutoffPerQuery`. @default none */
  readonly scanLimitBytes?: number;
  readonly outputLocation: string;
}

/** An error the Athena API answers with (HTTP 400), named as in the API reference. */
export class AthenaApiError extends Error {
  constructor(
    readonly code: 'InvalidRequestException' | 'InternalServerException' | 'TooManyRequestsException',
    message: string,
    readonly athenaErrorCode?: string,
  ) {
    super(message);
    this.name = code;
  }
}

type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

interface Execution {
  readonly id: string;
  readonly query: string;
  readonly database: string;
  readonly workgroup: LocalWorkGroup;
  readonly parameters: readonly string[];
  readonly submitted: number;
  state: State;
  reason?: string;
  error?: { ErrorCategory: number; ErrorType: number; Retryable: boolean; ErrorMessage: string };
  started?: number;
  completed?: number;
  bytes: number;
  result?: QueryResult;
  readonly cancel: AbortController;
}

export interface StartQueryExecutionInput {
  readonly QueryString?: string;
  readonly ClientRequestToken?: string;
  readonly QueryExecutionContext?: { readonly Database?: string; readonly Catalog?: string };
  readonly WorkGroup?: string;
  readonly ExecutionParameters?: readonly string[];
}

export interface LocalExecutionsOptions {
  readonly engine: LocalAthenaEngine;
  readonly workgroups: readonly LocalWorkGroup[];
  /** Queries running at once; others wait in QUEUED. @default 2 */
  readonly concurrency?: number;
  /** Finished executions kept for GetQueryExecution and GetQueryResults. @default 1000 */
  readonly history?: number;
}

/** Athena's limit on a query string: 262144 bytes in UTF-8 (https://docs.aws.amazon.com/athena/latest/ug/service-limits.html). */
export const MAX_QUERY_BYTES = 262_144;
const MAX_RESULTS = 1000;

const invalid = (message: string) => new AthenaApiError('InvalidRequestException', message, 'INVALID_INPUT');
const seconds = (ms: number) => ms / 1000;

/** AthenaError categories (1 system, 2 user) and types (https://docs.aws.amazon.com/athena/latest/ug/error-reference.html). */
function athenaError(err: QueryError): NonNullable<Execution['error']> {
  const system = err.errorName === 'GENERIC_INTERNAL_ERROR';
  return {
    ErrorCategory: system ? 1 : 2,
    ErrorType: system ? 200 : err.errorName === 'HIVE_BAD_DATA' ? 1001 : 1000,
    Retryable: false,
    ErrorMessage: err.message,
  };
}

export class LocalQueryExecutions {
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, { id: string; fingerprint: string }>();
  private readonly queue: Execution[] = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly history: number;
  private idle: (() => void)[] = [];

  constructor(private readonly options: LocalExecutionsOptions) {
    this.concurrency = options.concurrency ?? 2;
    this.history = options.history ?? 1000;
  }

  startQueryExecution(input: StartQueryExecutionInput): { QueryExecutionId: string } {
    const query = input.QueryString;
    if (typeof query !== 'string' || query.length === 0) {
      throw invalid(
        "1 validation error detected: Value null at 'queryString' failed to satisfy constraint: Member must not be null",
      );
    }
    if (Buffer.byteLength(query, 'utf8') > MAX_QUERY_BYTES) {
      throw invalid(
        `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERY_BYTES}`,
      );
    }
    const parameters = input.ExecutionParameters ?? [];
    if (
      !Array.isArray(parameters) ||
      parameters.some((p) => typeof p !== 'string' || p.length < 1 || p.length > 1024)
    ) {
      throw invalid(
        "1 validation error detected: Value at 'executionParameters' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]",
      );
    }
    const workgroupName = input.WorkGroup ?? 'primary';
    const workgroup = this.options.workgroups.find((w) => w.name === workgroupName);
    if (!workgroup) throw invalid(`WorkGroup ${workgroupName} is not found.`);
    const database = input.QueryExecutionContext?.Database ?? 'default';

    const fingerprint = JSON.stringify([query, database, workgroupName, parameters]);
    const token = input.ClientRequestToken;
    if (token) {
      const seen = this.tokens.get(token);
      if (seen && seen.fingerprint !== fingerprint) {
        throw invalid(
          'Idempotent parameters do not match: the ClientRequestToken was used with another request.',
        );
      }
      if (seen && this.executions.has(seen.id)) return { QueryExecutionId: seen.id };
    }

    const execution: Execution = {
      id: randomUUID(),
      query,
      database,
      workgroup,
      parameters: [...parameters],
      submitted: Date.now(),
      state: 'QUEUED',
      bytes: 0,
      cancel: new AbortController(),
    };
    this.executions.set(execution.id, execution);
    if (token) this.tokens.set(token, { id: execution.id, fingerprint });
    this.queue.push(execution);
    this.forget();
    setImmediate(() => this.pump());
    return { QueryExecutionId: execution.id };
  }

  getQueryExecution(input: { QueryExecutionId?: string }): { QueryExecution: Record<string, unknown> } {
    const e = this.find(input.QueryExecutionId);
    const now = Date.now();
    const end = e.completed ?? now;
    const engineMs = e.started ? end - e.started : 0;
    return {
      QueryExecution: {
        QueryExecutionId: e.id,
        Query: e.query,
        StatementType: 'DML',
        SubstatementType: 'SELECT',
        ResultConfiguration: { OutputLocation: `${e.workgroup.outputLocation}${e.id}.csv` },
        ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
        QueryExecutionContext: { Database: e.database, Catalog: 'awsdatacatalog' },
        Status: {
          State: e.state,
          ...(e.reason ? { StateChangeReason: e.reason } : {}),
          SubmissionDateTime: seconds(e.submitted),
          ...(e.completed ? { CompletionDateTime: seconds(e.completed) } : {}),
          ...(e.error ? { AthenaError: e.error } : {}),
        },
        Statistics: {
          EngineExecutionTimeInMillis: engineMs,
          DataScannedInBytes: e.bytes,
          TotalExecutionTimeInMillis: end - e.submitted,
          QueryQueueTimeInMillis: (e.started ?? end) - e.submitted,
          QueryPlanningTimeInMillis: 0,
          ServicePreProcessingTimeInMillis: 0,
          ServiceProcessingTimeInMillis: 0,
          ResultReuseInformation: { ReusedPreviousResult: false },
        },
        WorkGroup: e.workgroup.name,
        EngineVersion: {
          SelectedEngineVersion: 'Athena engine version 3',
          EffectiveEngineVersion: 'Athena engine version 3',
        },
        ...(e.parameters.length > 0 ? { ExecutionParameters: e.parameters } : {}),
      },
    };
  }

  getQueryResults(input: {
    QueryExecutionId?: string;
    NextToken?: string;
    MaxResults?: number;
  }): Record<string, unknown> {
    const e = this.find(input.QueryExecutionId);
    const max = input.MaxResults ?? MAX_RESULTS;
    if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
      throw invalid(
        `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_RESULTS}`}`,
      );
    }
    if (e.state === 'QUEUED' || e.state === 'RUNNING') {
      throw invalid(`Query has not yet finished. Current state: ${e.state}`);
    }
    if (e.state !== 'SUCCEEDED' || !e.result) {
      throw invalid(
        `Query did not finish successfully. Final query state: ${e.state}${e.reason ? `\n${e.reason}` : ''}`,
      );
    }
    let offset = 0;
    if (input.NextToken) {
      const decoded = this.decodeToken(input.NextToken);
      if (!decoded || decoded.id !== e.id)
        throw invalid('The NextToken is not valid for this query execution.');
      offset = decoded.offset;
    }
    const { columns, rows } = e.result;
    // The first row of a SELECT's result holds the column names.
    const all = [columns.map((c) => c.Name), ...rows];
    const page = all.slice(offset, offset + max);
    const next = offset + page.length;
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: { ColumnInfo: columns },
      },
      ...(next < all.length
        ? { NextToken: Buffer.from(JSON.stringify({ id: e.id, offset: next })).toString('base64url') }
        : {}),
    };
  }

  stopQueryExecution(input: { QueryExecutionId?: string }): Record<string, never> {
    const e = this.find(input.QueryExecutionId);
    if (e.state === 'QUEUED') {
      this.queue.splice(this.queue.indexOf(e), 1);
      this.settle(e, 'CANCELLED', 'Query cancelled by user');
    } else if (e.state === 'RUNNING') {
      e.cancel.abort();
    }
    return {};
  }

  /** Cancels every queued and running query (the endpoint is closing). */
  stopAll(): void {
    for (const e of [...this.queue, ...this.executions.values()]) {
      if (e.state === 'QUEUED' || e.state === 'RUNNING') this.stopQueryExecution({ QueryExecutionId: e.id });
    }
  }

  /** Resolves once no query is queued or running. */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private decodeToken(token: string): { id: string; offset: number } | undefined {
    try {
      const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        id: unknown;
        offset: unknown;
      };
      return typeof value.id === 'string' && Number.isInteger(value.offset) && (value.offset as number) > 0
        ? { id: value.id, offset: value.offset as number }
        : undefined;
    } catch {
      return undefined;
    }
  }

  private find(id: string | undefined): Execution {
    const e = id ? this.executions.get(id) : undefined;
    if (!e) throw invalid(`QueryExecution ${id ?? '(none)'} was not found`);
    return e;
  }

  private settle(e: Execution, state: State, reason?: string, error?: Execution['error']): void {
    e.state = state;
    e.reason = reason;
    e.error = error;
    e.completed = Date.now();
  }

  /** Keeps the most recent executions; drops the oldest finished ones. */
  private forget(): void {
    if (this.executions.size <= this.history) return;
    for (const [id, e] of this.executions) {
      if (this.executions.size <= this.history) break;
      if (e.state !== 'QUEUED' && e.state !== 'RUNNING') this.executions.delete(id);
    }
    for (const [token, seen] of this.tokens) if (!this.executions.has(seen.id)) this.tokens.delete(token);
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const e = this.queue.shift()!;
      this.running++;
      void this.execute(e).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) {
          const waiting = this.idle;
          this.idle = [];
          waiting.forEach((resolve) => resolve());
        }
      });
    }
  }

  private async execute(e: Execution): Promise<void> {
    e.state = 'RUNNING';
    e.started = Date.now();
    try {
      const outcome = await this.options.engine.run({
        sql: e.query,
        executionParameters: e.parameters,
        database: e.database,
        scanLimitBytes: e.workgroup.scanLimitBytes,
        signal: e.cancel.signal,
      });
      if (e.cancel.signal.aborted) return this.settle(e, 'CANCELLED', 'Query cancelled by user');
      e.bytes = outcome.bytesScanned;
      e.result = outcome.result;
      this.settle(e, 'SUCCEEDED');
    } catch (err) {
      if (err instanceof QueryCancelled) return this.settle(e, 'CANCELLED', err.message);
      // Athena cancels a query that exceeds its workgroup's per-query data usage control:
      // https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html
      if (err instanceof ScanLimitExceeded) return this.settle(e, 'CANCELLED', err.message);
      const failure = err instanceof QueryError ? err : new QueryError('GENERIC_INTERNAL_ERROR', String(err));
      this.settle(e, 'FAILED', failure.message, athenaError(failure));
    }
  }
}
