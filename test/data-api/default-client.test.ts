import { afterEach, describe, expect, it } from 'vitest';
import { databaseFromEnv } from '../../db/data-api';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const saved = { ...process.env };
const opened: TestDatabase[] = [];
afterEach(async () => {
  process.env = { ...saved };
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

describe('databaseFromEnv', () => {
  it('follows a changed AWS_ENDPOINT_URL_RDS_DATA (one process, several local platforms in turn)', async () => {
    const env = {
      DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
      DB_SECRET_ARN: LOCAL_SECRET_ARN,
      DB_NAME: LOCAL_DATABASE,
    };
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const first = await startTestDatabase({ migrations: [] });
    const second = await startTestDatabase({ migrations: [] });
    opened.push(first, second);
    await second.pg.exec('CREATE TABLE marker (name text); INSERT INTO marker VALUES ($$second$$)');

    process.env.AWS_ENDPOINT_URL_RDS_DATA = first.endpoint;
    expect(await databaseFromEnv(env).query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    process.env.AWS_ENDPOINT_URL_RDS_DATA = second.endpoint;
    expect(await databaseFromEnv(env).query('SELECT name FROM marker')).toEqual([{ name: 'second' }]);
  });
});
