/**
 * The local Athena endpoint through the unmodified `@aws-sdk/client-athena`: the round trip the
 * dashboard makes (start, poll, page through results), cancellation, the API's errors, and the
 * endpoint's refusal of foreign origins and hosts.
 */
import * as http from 'node:http';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE,
  WORKGROUP,
  runQuery,
  startTestAthena,
  waitForQuery,
  writeBatch,
  type TestAthena,
} from './athena-fixtures';

let t: TestAthena;

const people = Array.from({ length: 25 }, (_, i) => ({
  person_name: `person ${String(i).padStart(2, '0')}`,
  birth_date: '1990-01-01',
  accessed_at: `2025-03-0${1 + (i % 3)}T10:${String(i).padStart(2, '0')}:00.000Z`,
  session_duration: i * 60,
  download_speed: i / 4,
  upload_speed: 1,
  consumed_traffic: i * 10,
}));

beforeAll(async () => {
  t = await startTestAthena();
  writeBatch(t.s3Root, 'usage', people.slice(0, 10));
  writeBatch(t.s3Root, 'usage', people.slice(10));
});
afterAll(() => t?.close());

describe('local Athena API through @aws-sdk/client-athena', () => {
  it('runs a query: QUEUED/RUNNING to SUCCEEDED, statistics, then pages of results with the header row first', async () => {
    const started = await t.client.send(
      new StartQueryExecutionCommand({
        QueryString:
          'SELECT person_name, session_duration, download_speed, accessed_at, dt FROM usage WHERE dt >= ? ORDER BY person_name',
        WorkGroup: WORKGROUP,
        QueryExecutionContext: { Database: DATABASE },
        ExecutionParameters: ["'2025-03-01'"],
      }),
    );
    expect(started.QueryExecutionId).toMatch(/^[0-9a-f-]{36}$/);
    const execution = await waitForQuery(t.client, started.QueryExecutionId!);
    expect(execution.Status?.State).toBe('SUCCEEDED');
    expect(execution.Status?.SubmissionDateTime).toBeInstanceOf(Date);
    expect(execution.Status?.CompletionDateTime).toBeInstanceOf(Date);
    expect(execution.Statistics?.DataScannedInBytes).toBeGreaterThan(0);
    expect(execution.WorkGroup).toBe(WORKGROUP);
    expect(execution.QueryExecutionContext?.Database).toBe(DATABASE);
    expect(execution.ExecutionParameters).toEqual(["'2025-03-01'"]);

    const first = await t.client.send(
      new GetQueryResultsCommand({ QueryExecutionId: started.QueryExecutionId, MaxResults: 10 }),
    );
    const rows = first.ResultSet!.Rows!.map((r) => r.Data!.map((d) => d.VarCharValue));
    expect(rows[0]).toEqual(['person_name', 'session_duration', 'download_speed', 'accessed_at', 'dt']);
    expect(rows[1]).toEqual(['person 00', '0', '0.0', '2025-03-01 10:00:00.000', '2025-03-01']);
    expect(rows).toHaveLength(10);
    expect(first.NextToken).toBeDefined();
    expect(first.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((c) => c.Type)).toEqual([
      'varchar',
      'integer',
      'double',
      'timestamp',
      'varchar',
    ]);

    const all = await runQuery(t.client, 'SELECT person_name FROM usage ORDER BY person_name', {
      pageSize: 7,
    });
    expect(all.header).toEqual(['person_name']);
    expect(all.rows.map((r) => r[0])).toEqual(people.map((p) => p.person_name));
  });

  it('returns SQL NULL as a datum without a value, and names unnamed columns _col0, _col1', async () => {
    const answer = await runQuery(t.client, 'SELECT CAST(NULL AS varchar), 1 + 1, count(*) AS n FROM usage');
    expect(answer.header).toEqual(['_col0', '_col1', 'n']);
    expect(answer.rows).toEqual([[null, '2', '25']]);
  });

  it('fails a query Athena would fail, with the Trino error name in the reason and an AthenaError', async () => {
    const answer = await runQuery(t.client, 'SELECT no_such_column FROM usage');
    expect(answer.execution.Status?.State).toBe('FAILED');
    expect(answer.execution.Status?.StateChangeReason).toMatch(/^COLUMN_NOT_FOUND: .*no_such_column/);
    expect(answer.execution.Status?.AthenaError).toMatchObject({
      ErrorCategory: 2,
      ErrorType: 1000,
      Retryable: false,
    });
    const missing = await runQuery(t.client, 'SELECT * FROM no_such_table');
    expect(missing.execution.Status?.StateChangeReason).toBe(
      "TABLE_NOT_FOUND: Table 'awsdatacatalog.analytics_lake.no_such_table' does not exist",
    );
    const parameters = await runQuery(t.client, 'SELECT ? + ?', { parameters: ['1'] });
    expect(parameters.execution.Status?.StateChangeReason).toBe(
      'INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 2 but found 1',
    );
  });

  it('GetQueryResults refuses a query that has not succeeded; unknown IDs and workgroups are InvalidRequestException', async () => {
    const failed = await runQuery(t.client, 'SELEC 1');
    await expect(
      t.client.send(new GetQueryResultsCommand({ QueryExecutionId: failed.execution.QueryExecutionId })),
    ).rejects.toThrow(/Query did not finish successfully. Final query state: FAILED/);
    const unknown = t.client.send(new GetQueryExecutionCommand({ QueryExecutionId: 'no-such-id' }));
    await expect(unknown).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(
      t.client.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'nope' })),
    ).rejects.toThrow('WorkGroup nope is not found.');
    await expect(
      t.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: failed.execution.QueryExecutionId, MaxResults: 1001 }),
      ),
    ).rejects.toThrow(/Member must have value less than or equal to 1000/);
  });

  it('StopQueryExecution cancels a running query; stopping a finished one changes nothing', async () => {
    const { QueryExecutionId: id } = await t.client.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT count(*) FROM range(100000000000)',
        WorkGroup: WORKGROUP,
        QueryExecutionContext: { Database: DATABASE },
      }),
    );
    const runningOrQueued = await t.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    expect(['QUEUED', 'RUNNING']).toContain(runningOrQueued.QueryExecution?.Status?.State);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    const stopped = await waitForQuery(t.client, id!);
    expect(stopped.Status?.State).toBe('CANCELLED');

    const done = await runQuery(t.client, 'SELECT 1');
    await t.client.send(new StopQueryExecutionCommand({ QueryExecutionId: done.execution.QueryExecutionId }));
    const after = await t.client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: done.execution.QueryExecutionId }),
    );
    expect(after.QueryExecution?.Status?.State).toBe('SUCCEEDED');
  });

  it('the same ClientRequestToken returns the same execution; reused with another query it is refused', async () => {
    const input = {
      QueryString: 'SELECT 1',
      WorkGroup: WORKGROUP,
      ClientRequestToken: 'token-0123456789-abcdefghij-0123',
    };
    const a = await t.client.send(new StartQueryExecutionCommand(input));
    const b = await t.client.send(new StartQueryExecutionCommand(input));
    expect(b.QueryExecutionId).toBe(a.QueryExecutionId);
    await expect(
      t.client.send(new StartQueryExecutionCommand({ ...input, QueryString: 'SELECT 2' })),
    ).rejects.toThrow(/Idempotent parameters do not match/);
  });
});

describe('local Athena endpoint safety', () => {
  const post = (headers: Record<string, string>) =>
    fetch(t.athena.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonAthena.StartQueryExecution',
        ...headers,
      },
      body: JSON.stringify({ QueryString: 'SELECT 1', WorkGroup: WORKGROUP }),
    });

  it('refuses a request from a web page of another origin', async () => {
    const res = await post({ origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { __type: string }).__type).toBe('AccessDeniedException');
    expect((await post({ origin: t.athena.url })).status).toBe(200);
  });

  it('refuses a Host that is not a loopback name of the endpoint (DNS rebinding)', async () => {
    const port = new URL(t.athena.url).port;
    const raw = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/',
            headers: {
              host,
              'x-amz-target': 'AmazonAthena.GetQueryExecution',
              'content-type': 'application/x-amz-json-1.1',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('{"QueryExecutionId":"x"}');
      });
    expect(await raw(`attacker.example:${port}`)).toBe(403);
    expect(await raw(`localhost:${port}`)).toBe(400); // admitted; the unknown ID is the API's error
  });

  it('answers an operation it does not implement with a clear error', async () => {
    const res = await fetch(t.athena.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonAthena.ListWorkGroups',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Message: string }).Message).toMatch(/ListWorkGroups is not supported/);
  });
});
