/**
 * The local platform signs each service in as its own database role, as in AWS: `npm start` prints
 * each secret ARN, the local Data API maps each secret to its role on the one PGlite session, the
 * dashboard and the loader use their own secrets, a write through the dashboard's secret fails as it
 * would on Aurora, and a role never outlives its request (the master and `psql` keep the session's
 * own user).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DASHBOARD_SECRET_ARN,
  LOCAL_DATABASE,
  LOCAL_LOADER_SECRET_ARN,
  LOCAL_SECRET_ARN,
  localDatabase,
} from '../../local/data-api-server';
import { startLocalPlatform, type LocalPlatform } from '../../local/start';
import { DATABASE_ROLES } from '../../migrations/roles';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { loginCookie } from '../support/dashboard-login';
import { FREE_PORTS } from '../support/local-platform';

const target = (secretArn: string) => ({
  resourceArn: LOCAL_CLUSTER_ARN,
  secretArn,
  database: LOCAL_DATABASE,
});

describe('the local Data API signs each secret in as its role', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await startTestDatabase();
  });
  afterAll(() => t?.close());

  test('each secret is its role, and the session is its own user again after every request', async () => {
    expect(await t.dashboard.query('SELECT current_user AS u')).toEqual([{ u: DATABASE_ROLES.dashboard }]);
    expect(await t.loader.query('SELECT current_user AS u')).toEqual([{ u: DATABASE_ROLES.loader }]);
    expect(await t.db.query('SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
    const [row] = (await t.pg.query<{ u: string }>('SELECT current_user AS u')).rows;
    expect(row!.u).toBe('postgres');
    expect(t.pg.isInTransaction()).toBe(false);
  });

  test('an unknown secret is refused, naming the ones the endpoint accepts', async () => {
    const err = await t.client
      .send(new ExecuteStatementCommand({ ...target(`${LOCAL_SECRET_ARN}x`), sql: 'SELECT 1' }))
      .catch((e: Error) => e);
    expect((err as Error).name).toBe('BadRequestException');
    for (const arn of [LOCAL_SECRET_ARN, LOCAL_DASHBOARD_SECRET_ARN, LOCAL_LOADER_SECRET_ARN]) {
      expect((err as Error).message).toContain(arn);
    }
  });

  test("a transaction keeps its secret's role to the end, and belongs to that secret", async () => {
    const { transactionId } = await t.client.send(
      new BeginTransactionCommand(target(LOCAL_LOADER_SECRET_ARN)),
    );
    const run = (secretArn: string, sql: string) =>
      t.client.send(
        new ExecuteStatementCommand({ ...target(secretArn), sql, transactionId, formatRecordsAs: 'JSON' }),
      );
    expect(
      JSON.parse((await run(LOCAL_LOADER_SECRET_ARN, 'SELECT current_user AS u')).formattedRecords!),
    ).toEqual([{ u: DATABASE_ROLES.loader }]);
    const other = await run(LOCAL_SECRET_ARN, 'SELECT 1').catch((e: Error) => e);
    expect((other as Error).message).toMatch(
      /was begun with secret .*loader.*send its statements with the same secretArn/,
    );
    await t.client.send(
      new RollbackTransactionCommand({ ...target(LOCAL_LOADER_SECRET_ARN), transactionId }),
    );
    expect(await t.db.query('SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
  });

  test('BatchExecuteStatement runs as the role too: refused for the dashboard, all or nothing', async () => {
    const sql =
      'INSERT INTO revoked_sessions (id, expires_at) VALUES (:id, now()) ON CONFLICT (id) DO NOTHING';
    const sets = [
      [{ name: 'id', value: { stringValue: 'a' } }],
      [{ name: 'id', value: { stringValue: 'b' } }],
    ];
    await t.client.send(
      new BatchExecuteStatementCommand({ ...target(LOCAL_DASHBOARD_SECRET_ARN), sql, parameterSets: sets }),
    );
    const refused = await t.client
      .send(
        new BatchExecuteStatementCommand({ ...target(LOCAL_LOADER_SECRET_ARN), sql, parameterSets: sets }),
      )
      .catch((e: Error) => e);
    expect((refused as Error).message).toMatch(
      /permission denied for table revoked_sessions; SQLState: 42501/,
    );
    expect(await t.db.query('SELECT id FROM revoked_sessions ORDER BY id')).toEqual([
      { id: 'a' },
      { id: 'b' },
    ]);
  });
});

describe('npm start', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-roles-'));
  let platform: LocalPlatform;
  beforeAll(async () => {
    platform = await startLocalPlatform(
      ['--data-dir', dataDir, ...FREE_PORTS, '--no-generator'],
      () => undefined,
      {},
    );
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const line = (name: string) =>
    platform.lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);

  test('prints each service secret ARN beside the master secret ARN', () => {
    expect(line('secret arn')).toBe(LOCAL_SECRET_ARN);
    expect(line('dashboard secret arn')).toBe(LOCAL_DASHBOARD_SECRET_ARN);
    expect(line('loader secret arn')).toBe(LOCAL_LOADER_SECRET_ARN);
    expect(platform.context.dataApi).toMatchObject({
      secretArn: LOCAL_SECRET_ARN,
      dashboardSecretArn: LOCAL_DASHBOARD_SECRET_ARN,
      loaderSecretArn: LOCAL_LOADER_SECRET_ARN,
    });
  });

  test("a write through the dashboard's secret fails as it would on Aurora; the loader's lands", async () => {
    const dashboard = localDatabase(
      platform.context.dataApi.endpoint,
      undefined,
      line('dashboard secret arn'),
    );
    const loader = localDatabase(platform.context.dataApi.endpoint, undefined, line('loader secret arn'));
    try {
      const insert = `INSERT INTO usage (person_name, birth_date, accessed_at, session_duration, download_speed, upload_speed, consumed_traffic)
        VALUES ('Ada', DATE '1990-01-01', TIMESTAMPTZ '2024-05-01 12:00:00Z', 60, 10.5, 2.5, 100)`;
      await expect(dashboard.db.execute(insert)).rejects.toMatchObject({ sqlState: '42501' });
      await loader.db.execute(insert);
      expect(await dashboard.db.query('SELECT person_name FROM usage')).toEqual([{ person_name: 'Ada' }]);
    } finally {
      dashboard.client.destroy();
      loader.client.destroy();
    }
  });

  test('the running dashboard and loader use their own secrets', async () => {
    // The loader handler reads its secret from the environment, as in Lambda.
    expect(process.env.DB_SECRET_ARN).toBe(LOCAL_LOADER_SECRET_ARN);
    // The dashboard's database view lists only the tables its role may read: not schema_migrations.
    const url = line('dashboard')!;
    const cookie = await loginCookie(url, line('password')!);
    const status = (await (await fetch(`${url}/api/database`, { headers: { cookie } })).json()) as {
      tables: { name: string }[];
    };
    const names = status.tables.map((table) => table.name);
    expect(names).toContain('usage');
    expect(names).toContain('revoked_sessions');
    expect(names).not.toContain('schema_migrations');
  });
});
