/**
 * The local Athena's settings in `npm start`: its port, the workgroup, database and cutoff from the
 * same `cdk.json` settings the Analytics stack uses, and the dashboard's switch pointed at it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStartOptions } from '../../local/args';
import { localAthenaSettings } from '../../local/athena/settings';
import { LOCAL_ATHENA_UNAVAILABLE, localAthenaEnvironment, startLocalDashboard } from '../../local/dashboard';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { startTestAthena, type TestAthena } from './athena-fixtures';

describe('local Athena settings', () => {
  it('takes its port from --athena-port, then LOCAL_ATHENA_PORT, then 4520', () => {
    const port = (argv: string[], env: NodeJS.ProcessEnv) => parseStartOptions(argv, env).athenaPort;
    expect(port(['--athena-port', '4600'], { LOCAL_ATHENA_PORT: '4700' })).toBe(4600);
    expect(port([], { LOCAL_ATHENA_PORT: '0' })).toBe(0);
    expect(port([], {})).toBe(4520);
    expect(() => port([], { LOCAL_ATHENA_PORT: 'x' })).toThrow(/LOCAL_ATHENA_PORT/);
  });

  it('names the workgroup and database as the Analytics stack does, with the cutoff of cdk.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'athena-settings-'));
    const cdkJson = path.join(dir, 'cdk.json');
    fs.writeFileSync(cdkJson, JSON.stringify({ context: { projectName: 'team-x', athenaScanLimitMb: 50 } }));
    expect(localAthenaSettings({}, cdkJson)).toEqual({
      workgroup: 'team-x',
      database: 'team_x_lake',
      scanLimitMb: 50,
    });
    expect(localAthenaSettings({ LOCAL_ATHENA_SCAN_LIMIT_MB: '20' }, cdkJson).scanLimitMb).toBe(20);
    expect(() => localAthenaSettings({ LOCAL_ATHENA_SCAN_LIMIT_MB: '5' }, cdkJson)).toThrow(
      /LOCAL_ATHENA_SCAN_LIMIT_MB is "5"; set a number of megabytes, at least 10/,
    );
    // The repository's own cdk.json: the defaults of lib/config.ts.
    expect(localAthenaSettings({})).toEqual({
      workgroup: 'analytics',
      database: 'analytics_lake',
      scanLimitMb: 1024,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('stopping the local Athena', () => {
  it('cancels the queries still running, so Ctrl-C does not wait for them', async () => {
    const local = await startTestAthena();
    const { QueryExecutionId: id } = await local.client.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT count(*) FROM range(100000000000)',
        WorkGroup: 'analytics',
      }),
    );
    let state = 'QUEUED';
    while (state === 'QUEUED') {
      const e = await local.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      state = e.QueryExecution?.Status?.State ?? '';
    }
    expect(state).toBe('RUNNING');
    await local.close();
    expect(
      local.athena.executions.getQueryExecution({ QueryExecutionId: id }).QueryExecution.Status,
    ).toMatchObject({
      State: 'CANCELLED',
    });
  });
});

describe('the local dashboard and the local Athena', () => {
  let t: TestDatabase;
  let athena: TestAthena;
  beforeAll(async () => {
    t = await startTestDatabase();
    athena = await startTestAthena();
  });
  afterAll(async () => {
    await athena?.close();
    await t?.close();
  });

  it('gives the dashboard the Athena settings the container gets in AWS', () => {
    expect(localAthenaEnvironment('http://127.0.0.1:4520', {})).toEqual({
      AWS_ENDPOINT_URL_ATHENA: 'http://127.0.0.1:4520',
      ATHENA_WORKGROUP: 'analytics',
      GLUE_DATABASE: 'analytics_lake',
    });
  });

  it('turns Full history on when the local Athena runs, and explains why it is off otherwise', async () => {
    const on = await startLocalDashboard({
      dataApiUrl: t.endpoint,
      port: 0,
      env: {},
      athenaEndpoint: athena.athena.url,
    });
    const off = await startLocalDashboard({ dataApiUrl: t.endpoint, port: 0, env: {} });
    try {
      const status = async (url: string, password: string) => {
        const login = await fetch(`${url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { origin: url, 'content-type': 'application/json' },
          body: JSON.stringify({ password }),
        });
        const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
        const res = await fetch(`${url}/api/datasets`, { headers: { cookie } });
        return ((await res.json()) as { athena: unknown }).athena;
      };
      expect(await status(on.url, on.password)).toEqual({ available: true });
      expect(await status(off.url, off.password)).toEqual({
        available: false,
        reason: LOCAL_ATHENA_UNAVAILABLE,
      });
    } finally {
      await on.close();
      await off.close();
    }
  });
});
