import { spawn, spawnSync } from 'node:child_process';
import {
  BeginTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import { startPostgresServer, type PostgresServer } from '../../local/postgres';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const HAS_PSQL = spawnSync('psql', ['--version']).status === 0;
const target = { resourceArn: LOCAL_CLUSTER_ARN, secretArn: LOCAL_SECRET_ARN, database: LOCAL_DATABASE };

function psql(url: string, sql: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('psql', [url, '-tAc', sql]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout: stdout.trim(), stderr }));
  });
}

describe.runIf(HAS_PSQL)('Postgres wire endpoint (psql)', () => {
  let t: TestDatabase;
  let server: PostgresServer;
  beforeAll(async () => {
    t = await startTestDatabase();
    server = await startPostgresServer({ pg: t.pg });
  });
  afterAll(async () => {
    await server.close();
    await t.close();
  });

  it('shows the migrated tables and the rows written through the Data API', async () => {
    await t.db.execute("INSERT INTO trades VALUES ('t1', 'AAPL', 1.5, 2, now())");
    const tables = await psql(
      server.url,
      "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(tables.stdout.split(',')).toEqual(
      expect.arrayContaining(['schema_migrations', 'trades', 'usage', 'samples']),
    );
    expect((await psql(server.url, 'SELECT symbol FROM trades')).stdout).toBe('AAPL');
  });

  it('waits for an open Data API transaction instead of running inside it', async () => {
    const { transactionId } = await t.client.send(new BeginTransactionCommand(target));
    await t.client.send(
      new ExecuteStatementCommand({
        ...target,
        sql: "INSERT INTO trades VALUES ('t2', 'MSFT', 1, 1, now())",
        transactionId,
      }),
    );
    const reading = psql(server.url, "SELECT count(*) FROM trades WHERE trade_id = 't2'");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.client.send(
      new RollbackTransactionCommand({
        resourceArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        transactionId,
      }),
    );
    const result = await reading;
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0');
  });
});
