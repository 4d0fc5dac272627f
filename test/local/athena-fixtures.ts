/**
 * Helpers for the local Athena tests: a temporary S3 stand-in folder holding lake batches written
 * exactly as the ingest function writes them, access-log objects in the delivery layout, the local
 * Athena over it, and a query runner through the real `@aws-sdk/client-athena`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { getDataset } from '../../datasets';
import { prepareBatch } from '../../lambda/ingest/ingest';
import { LOCAL_ACCOUNT_ID, startLocalAthena, type LocalAthena } from '../../local/athena/service';
import type { LocalAthenaSettings } from '../../local/athena/settings';
import { LOCAL_LAKE_BUCKET, LOCAL_LOG_BUCKET } from '../../local/ingestion';

export const DATABASE = 'analytics_lake';
export const WORKGROUP = 'analytics';

/** A temporary folder laid out as the S3 stand-in keeps buckets. */
export function tempS3Root(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'athena-local-'));
  fs.mkdirSync(path.join(root, LOCAL_LAKE_BUCKET), { recursive: true });
  fs.mkdirSync(path.join(root, LOCAL_LOG_BUCKET), { recursive: true });
  return root;
}

/** Writes one batch of records to the lake as the ingest function does; returns its key and size. */
export function writeBatch(
  s3Root: string,
  datasetName: string,
  records: readonly Record<string, unknown>[],
): { key: string; size: number } {
  const batch = prepareBatch(getDataset(datasetName), records, new Date());
  if (!batch.raw) throw new Error(`no record of the batch is valid: ${JSON.stringify(batch.results)}`);
  return writeObject(s3Root, LOCAL_LAKE_BUCKET, batch.raw.key, batch.raw.body);
}

/** Writes an object into the stand-in's folder; returns its key and size. */
export function writeObject(s3Root: string, bucket: string, key: string, body: string | Uint8Array) {
  const file = path.join(s3Root, bucket, ...key.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
  return { key, size: fs.statSync(file).size };
}

/** The log bucket key of an access-log object for `sourceBucket` on `day` (YYYY-MM-DD). */
export function accessLogKey(sourceBucket: string, day: string, name: string, region = 'us-east-1'): string {
  return `s3-access-logs/${LOCAL_ACCOUNT_ID}/${region}/${sourceBucket}/${day.replaceAll('-', '/')}/${name}`;
}

export interface TestAthena {
  readonly athena: LocalAthena;
  readonly client: AthenaClient;
  readonly s3Root: string;
  close(): Promise<void>;
}

/** The local Athena on a free port over a temporary folder, and an SDK client pointed at it. */
export async function startTestAthena(
  options: { s3Root?: string; scanLimitMb?: number; now?: () => Date } = {},
): Promise<TestAthena> {
  const s3Root = options.s3Root ?? tempS3Root();
  const settings: LocalAthenaSettings = {
    workgroup: WORKGROUP,
    database: DATABASE,
    scanLimitMb: options.scanLimitMb ?? 1024,
  };
  const athena = await startLocalAthena({ s3Root, settings, port: 0, region: 'us-east-1', now: options.now });
  const client = new AthenaClient({
    endpoint: athena.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    athena,
    client,
    s3Root,
    async close() {
      client.destroy();
      await athena.close();
      fs.rmSync(s3Root, { recursive: true, force: true });
    },
  };
}

/** Polls an execution until it leaves QUEUED and RUNNING. */
export async function waitForQuery(client: AthenaClient, id: string): Promise<QueryExecution> {
  for (;;) {
    const { QueryExecution: e } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = e?.Status?.State;
    if (state !== 'QUEUED' && state !== 'RUNNING') return e!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface QueryAnswer {
  readonly execution: QueryExecution;
  /** Column names, from the header row. */
  readonly header: string[];
  /** Values (null for SQL NULL), without the header row. */
  readonly rows: (string | null)[][];
  readonly types: string[];
}

const values = (row: Row) => (row.Data ?? []).map((d) => d.VarCharValue ?? null);

/** Runs a query through the SDK; reads every page of a successful result. */
export async function runQuery(
  client: AthenaClient,
  sql: string,
  options: { parameters?: string[]; workgroup?: string; database?: string; pageSize?: number } = {},
): Promise<QueryAnswer> {
  const { QueryExecutionId: id } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: options.workgroup ?? WORKGROUP,
      QueryExecutionContext: { Database: options.database ?? DATABASE },
      ExecutionParameters: options.parameters,
    }),
  );
  const execution = await waitForQuery(client, id!);
  if (execution.Status?.State !== 'SUCCEEDED') return { execution, header: [], rows: [], types: [] };
  const all: (string | null)[][] = [];
  let types: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetQueryResultsCommand({
        QueryExecutionId: id,
        NextToken: token,
        MaxResults: options.pageSize ?? 1000,
      }),
    );
    all.push(...(page.ResultSet?.Rows ?? []).map(values));
    types = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Type ?? '');
    token = page.NextToken;
  } while (token);
  return { execution, header: all[0] as string[], rows: all.slice(1), types };
}
