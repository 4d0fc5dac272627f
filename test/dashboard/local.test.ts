import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLocalDashboard, LOCAL_ATHENA_UNAVAILABLE } from '../../local/dashboard';
import { loginCookie } from '../support/dashboard-login';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

describe('local dashboard service', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await startTestDatabase();
  });
  afterAll(() => t?.close());

  test('serves the dashboard over the local Data API endpoint and prints its URL and password', async () => {
    const dashboard = await startLocalDashboard({ dataApiUrl: t.endpoint, port: 0 });
    try {
      expect(dashboard.lines).toEqual([`dashboard: ${dashboard.url}`, `password: ${dashboard.password}`]);
      expect(dashboard.password.length).toBeGreaterThanOrEqual(20);
      const cookie = await loginCookie(dashboard.url, dashboard.password);
      const body = (await (await fetch(`${dashboard.url}/api/datasets`, { headers: { cookie } })).json()) as {
        athena: { available: boolean; reason: string };
      };
      expect(body.athena).toEqual({ available: false, reason: LOCAL_ATHENA_UNAVAILABLE });
      expect((await fetch(`${dashboard.url}/api/charts`, { headers: { cookie } })).status).toBe(200);
    } finally {
      await dashboard.close();
    }
  });

  test('the password can be chosen; a busy port says how to pick another', async () => {
    const first = await startLocalDashboard({
      dataApiUrl: t.endpoint,
      port: 0,
      password: 'chosen-password-1234',
    });
    try {
      expect(first.password).toBe('chosen-password-1234');
      const port = Number(new URL(first.url).port);
      await expect(startLocalDashboard({ dataApiUrl: t.endpoint, port })).rejects.toThrow(
        `port ${port} is already in use: choose another with --dashboard-port <port> (0 picks a free port).`,
      );
    } finally {
      await first.close();
    }
  });
});
