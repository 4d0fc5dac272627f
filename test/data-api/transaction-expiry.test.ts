import { PGlite } from '@electric-sql/pglite';
import { BeginTransactionCommand, ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  startDataApiServer,
  type DataApiServer,
} from '../../local/data-api-server';
import { localDataApiClient } from '../support/local-database';

const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };

describe('local Data API endpoint: idle transactions', () => {
  let pg: PGlite;
  let server: DataApiServer;
  beforeAll(async () => {
    pg = await PGlite.create();
    server = await startDataApiServer({ pg, transactionTimeoutMs: 100 });
    await pg.exec('CREATE TABLE t (id int)');
  });
  afterAll(async () => {
    await server.close();
    await pg.close();
  });

  it('rolls back a transaction left idle past the timeout and frees the session', async () => {
    const client = localDataApiClient(server.url);
    const { transactionId } = await client.send(new BeginTransactionCommand(target));
    await client.send(
      new ExecuteStatementCommand({ ...target, sql: 'INSERT INTO t VALUES (1)', transactionId }),
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(
      client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1', transactionId })),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/is not found: .*expired/),
    });
    const out = await client.send(
      new ExecuteStatementCommand({ ...target, sql: 'SELECT count(*) AS n FROM t', formatRecordsAs: 'JSON' }),
    );
    expect(JSON.parse(out.formattedRecords!)).toEqual([{ n: 0 }]);
    client.destroy();
  });
});
