import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };

/** The real SDK client against the local endpoint: request and response shapes as the AWS docs give them. */
describe('local Data API endpoint with the unmodified SDK client', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await startTestDatabase({ migrations: [] });
    await t.pg.exec(`CREATE TABLE kinds (
      id int8 PRIMARY KEY, small int2, n int4, big int8, real4 float4, dbl float8, amount numeric(12,4),
      flag bool, label text, code varchar(10), day date, at time, ts timestamp, tstz timestamptz,
      doc jsonb, uid uuid, bytes bytea, tags text[], nums int4[])`);
  });
  afterAll(() => t.close());

  const exec = (sql: string, extra: Record<string, unknown> = {}) =>
    t.client.send(new ExecuteStatementCommand({ ...target, sql, ...extra }));

  it('inserts every type through parameters with type hints and reads them back as Field records', async () => {
    const inserted = await exec(
      `INSERT INTO kinds VALUES (:id, :small, :n, :big, :real4, :dbl, :amount, :flag, :label, :code, :day, :at,
        :ts, :tstz, :doc, :uid, :bytes, ARRAY['a', NULL, 'c'], ARRAY[1, 2])`,
      {
        parameters: [
          { name: 'id', value: { longValue: 1 } },
          { name: 'small', value: { longValue: 7 } },
          { name: 'n', value: { longValue: -5 } },
          { name: 'big', value: { longValue: 9_007_199_254_740_991 } },
          { name: 'real4', value: { doubleValue: 1.5 } },
          { name: 'dbl', value: { doubleValue: 2.25 } },
          { name: 'amount', value: { stringValue: '12.3400' }, typeHint: 'DECIMAL' },
          { name: 'flag', value: { booleanValue: true } },
          { name: 'label', value: { stringValue: 'héllo "quoted"' } },
          { name: 'code', value: { stringValue: 'AB' } },
          { name: 'day', value: { stringValue: '2024-02-29' }, typeHint: 'DATE' },
          { name: 'at', value: { stringValue: '12:34:56' }, typeHint: 'TIME' },
          { name: 'ts', value: { stringValue: '2024-05-01 12:00:00.123' }, typeHint: 'TIMESTAMP' },
          { name: 'tstz', value: { stringValue: '2024-05-01 12:00:00' }, typeHint: 'TIMESTAMP' },
          { name: 'doc', value: { stringValue: '{"a":[1,2]}' }, typeHint: 'JSON' },
          { name: 'uid', value: { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }, typeHint: 'UUID' },
          { name: 'bytes', value: { blobValue: new Uint8Array([0xde, 0xad]) } },
        ],
      },
    );
    expect(inserted.numberOfRecordsUpdated).toBe(1);
    expect(inserted.records).toBeUndefined();

    const out = await exec('SELECT * FROM kinds WHERE id = 1', { includeResultMetadata: true });
    expect(out.records).toHaveLength(1);
    const [row] = out.records!;
    expect(row).toEqual([
      { longValue: 1 },
      { longValue: 7 },
      { longValue: -5 },
      { longValue: 9_007_199_254_740_991 },
      { doubleValue: 1.5 },
      { doubleValue: 2.25 },
      { stringValue: '12.3400' },
      { booleanValue: true },
      { stringValue: 'héllo "quoted"' },
      { stringValue: 'AB' },
      { stringValue: '2024-02-29' },
      { stringValue: '12:34:56' },
      { stringValue: '2024-05-01 12:00:00.123' },
      { stringValue: '2024-05-01 12:00:00' },
      { stringValue: '{"a": [1, 2]}' },
      { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      { blobValue: new Uint8Array([0xde, 0xad]) },
      { arrayValue: { stringValues: ['a', '', 'c'] } },
      { arrayValue: { longValues: [1, 2] } },
    ]);
    expect(out.columnMetadata!.map((c) => c.typeName)).toEqual([
      'int8',
      'int2',
      'int4',
      'int8',
      'float4',
      'float8',
      'numeric',
      'bool',
      'text',
      'varchar',
      'date',
      'time',
      'timestamp',
      'timestamptz',
      'jsonb',
      'uuid',
      'bytea',
      '_text',
      '_int4',
    ]);
    expect(out.columnMetadata![0]).toMatchObject({ name: 'id', label: 'id', type: -5 });
  });

  it("returns JSON records with formatRecordsAs 'JSON': numbers, strings for numeric and timestamps, arrays, null", async () => {
    await exec(
      'INSERT INTO kinds (id, amount, tstz, flag, nums) VALUES (2, NULL, :t, false, :nums::int4[])',
      {
        parameters: [
          { name: 't', value: { stringValue: '2024-05-01 23:59:59.999' }, typeHint: 'TIMESTAMP' },
          { name: 'nums', value: { stringValue: '{3,4}' } },
        ],
      },
    );
    const out = await exec('SELECT id, amount, tstz, flag, nums, label, big FROM kinds ORDER BY id', {
      formatRecordsAs: 'JSON',
    });
    expect(out.records).toBeUndefined();
    expect(typeof out.formattedRecords).toBe('string');
    expect(JSON.parse(out.formattedRecords!)).toEqual([
      {
        id: 1,
        amount: '12.3400',
        tstz: '2024-05-01 12:00:00',
        flag: true,
        nums: [1, 2],
        label: 'héllo "quoted"',
        big: 9_007_199_254_740_991,
      },
      {
        id: 2,
        amount: null,
        tstz: '2024-05-01 23:59:59.999',
        flag: false,
        nums: [3, 4],
        label: null,
        big: null,
      },
    ]);
  });

  it('honours resultSetOptions (decimal and long return types)', async () => {
    const out = await exec('SELECT 12.5::numeric AS d, 3::numeric AS i, 42::int8 AS l', {
      resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG', longReturnType: 'STRING' },
    });
    expect(out.records![0]).toEqual([{ doubleValue: 12.5 }, { longValue: 3 }, { stringValue: '42' }]);
  });

  it('reports NULL as isNull and an empty result as an empty list', async () => {
    const nulls = await exec('SELECT NULL::int AS a, NULL::text AS b');
    expect(nulls.records).toEqual([[{ isNull: true }, { isNull: true }]]);
    const none = await exec('SELECT * FROM kinds WHERE false', { formatRecordsAs: 'JSON' });
    expect(none.formattedRecords).toBe('[]');
  });

  it('sends strings without a type hint as varchar, so a missing hint fails as on Aurora', async () => {
    await expect(
      exec('UPDATE kinds SET tstz = :t WHERE id = 1', {
        parameters: [{ name: 't', value: { stringValue: '2024-05-01 12:00:00' } }],
      }),
    ).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringMatching(/timestamp with time zone but expression is of type character varying/),
    });
  });

  it('rejects a hinted value in the wrong format as a BadRequestException naming the parameter', async () => {
    await expect(
      exec('SELECT :t::timestamp', {
        parameters: [{ name: 't', value: { stringValue: '2024-05-01T12:00:00Z' }, typeHint: 'TIMESTAMP' }],
      }),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/Parameter t: .*TIMESTAMP/),
    });
  });

  it('reports a missing parameter, bad SQL and constraint violations with the AWS error types', async () => {
    await expect(exec('SELECT :nope')).rejects.toMatchObject({
      name: 'BadRequestException',
      message: 'No value specified for parameter: nope',
    });
    await expect(exec('SELEC 1')).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringMatching(/^ERROR: syntax error at or near "SELEC".*SQLState: 42601$/s),
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
    await expect(exec('INSERT INTO kinds (id) VALUES (1)')).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringMatching(
        /duplicate key value violates unique constraint "kinds_pkey"[\s\S]*SQLState: 23505/,
      ),
    });
  });

  it('refuses a request for another cluster, secret or database', async () => {
    await expect(
      t.client.send(
        new ExecuteStatementCommand({
          ...target,
          resourceArn: 'arn:aws:rds:us-east-1:1:cluster:x',
          sql: 'SELECT 1',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/Invalid resourceArn/),
    });
    await expect(
      t.client.send(
        new ExecuteStatementCommand({ ...target, secretArn: 'arn:aws:secretsmanager:x', sql: 'SELECT 1' }),
      ),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/Invalid secretArn/),
    });
    await expect(
      t.client.send(new ExecuteStatementCommand({ ...target, database: 'other', sql: 'SELECT 1' })),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/"other" does not exist/),
    });
  });

  it('runs a batch as one implicit transaction: all parameter sets or none', async () => {
    const sets = (ids: number[]) => ids.map((id) => [{ name: 'id', value: { longValue: id } }]);
    const ok = await t.client.send(
      new BatchExecuteStatementCommand({
        ...target,
        sql: 'INSERT INTO kinds (id) VALUES (:id)',
        parameterSets: sets([10, 11, 12]),
      }),
    );
    expect(ok.updateResults).toEqual([
      { generatedFields: [] },
      { generatedFields: [] },
      { generatedFields: [] },
    ]);
    await expect(
      t.client.send(
        new BatchExecuteStatementCommand({
          ...target,
          sql: 'INSERT INTO kinds (id) VALUES (:id)',
          parameterSets: sets([20, 21, 10]),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringMatching(/parameter set 2/),
    });
    const count = await exec('SELECT count(*) AS c FROM kinds WHERE id >= 10', { formatRecordsAs: 'JSON' });
    expect(JSON.parse(count.formattedRecords!)).toEqual([{ c: 3 }]);
  });

  it('commits and rolls back transactions with the documented statuses', async () => {
    const { transactionId } = await t.client.send(new BeginTransactionCommand(target));
    expect(transactionId).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    await exec('INSERT INTO kinds (id) VALUES (100)', { transactionId });
    const commit = await t.client.send(
      new CommitTransactionCommand({
        resourceArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        transactionId,
      }),
    );
    expect(commit.transactionStatus).toBe('Transaction Committed');

    const second = await t.client.send(new BeginTransactionCommand(target));
    await exec('DELETE FROM kinds WHERE id = 100', { transactionId: second.transactionId });
    const rollback = await t.client.send(
      new RollbackTransactionCommand({
        resourceArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        transactionId: second.transactionId,
      }),
    );
    expect(rollback.transactionStatus).toBe('Rollback Complete');
    const rows = await exec('SELECT id FROM kinds WHERE id = 100', { formatRecordsAs: 'JSON' });
    expect(JSON.parse(rows.formattedRecords!)).toEqual([{ id: 100 }]);

    await expect(exec('SELECT 1', { transactionId: second.transactionId })).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/Transaction .* is not found/),
    });
  });

  it('keeps other requests out of an open transaction until it ends', async () => {
    const { transactionId } = await t.client.send(new BeginTransactionCommand(target));
    await exec('INSERT INTO kinds (id) VALUES (200)', { transactionId });
    // Sent while the transaction is open: must not see (or join) the uncommitted row.
    const outside = exec('SELECT count(*) AS c FROM kinds WHERE id = 200', { formatRecordsAs: 'JSON' });
    await t.client.send(
      new RollbackTransactionCommand({
        resourceArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        transactionId,
      }),
    );
    expect(JSON.parse((await outside).formattedRecords!)).toEqual([{ c: 0 }]);
  });

  it('refuses array parameters, as the Data API does for PostgreSQL', async () => {
    await expect(
      exec('SELECT :a', { parameters: [{ name: 'a', value: { arrayValue: { longValues: [1] } } }] }),
    ).rejects.toMatchObject({ name: 'BadRequestException', message: 'Array parameters are not supported.' });
  });

  it('refuses a response larger than 1 MiB', async () => {
    await expect(exec("SELECT repeat('x', 1100000) AS big")).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/response size limit/),
    });
  });

  it('treats :: casts, quoted text and comments as SQL, not parameters', async () => {
    const out = await exec("SELECT ':x' AS a, 1::text AS b, $$:y$$ AS c, :z::int AS d -- :w\n/* :v */", {
      parameters: [{ name: 'z', value: { longValue: 5 } }],
      formatRecordsAs: 'JSON',
    });
    expect(JSON.parse(out.formattedRecords!)).toEqual([{ a: ':x', b: '1', c: ':y', d: 5 }]);
  });
});
