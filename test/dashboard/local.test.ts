import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dashboardPort, startLocalDashboard, LOCAL_ATHENA_UNAVAILABLE } from '../../local/dashboard';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

describe('local dashboard port', () => {
  test('8080 unless --dashboard-port or DASHBOARD_PORT says otherwise', () => {
    expect(dashboardPort([], {})).toBe(8080);
    expect(dashboardPort(['--dashboard-port', '8081'], {})).toBe(8081);
    expect(dashboardPort(['--dashboard-port=8082'], { DASHBOARD_PORT: '9000' })).toBe(8082);
    expect(dashboardPort([], { DASHBOARD_PORT: '9000' })).toBe(9000);
  });

  test('a bad port names the flag or variable and gives an example', () => {
    expect(() => dashboardPort(['--dashboard-port', 'x'], {})).toThrow(
      /--dashboard-port is "x"; give a port number from 1 to 65535, e\.g\. --dashboard-port 8081/,
    );
    expect(() => dashboardPort([], { DASHBOARD_PORT: '70000' })).toThrow(/DASHBOARD_PORT is "70000"/);
  });
});

describe('local dashboard service', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await startTestDatabase();
  });
  afterAll(() => t?.close());

  test('serves the dashboard over the local Data API endpoint and prints its URL and password', async () => {
    const dashboard = await startLocalDashboard({ dataApiUrl: t.endpoint, port: 0, env: {} });
    try {
      expect(dashboard.lines).toEqual([`dashboard: ${dashboard.url}`, `password: ${dashboard.password}`]);
      expect(dashboard.password.length).toBeGreaterThanOrEqual(20);
      const login = await fetch(`${dashboard.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: dashboard.url, 'content-type': 'application/json' },
        body: JSON.stringify({ password: dashboard.password }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      const body = (await (await fetch(`${dashboard.url}/api/datasets`, { headers: { cookie } })).json()) as {
        athena: { available: boolean; reason: string };
      };
      expect(body.athena).toEqual({ available: false, reason: LOCAL_ATHENA_UNAVAILABLE });
      expect((await fetch(`${dashboard.url}/api/charts`, { headers: { cookie } })).status).toBe(200);
    } finally {
      await dashboard.close();
    }
  });

  test('DASHBOARD_PASSWORD chooses the password; a busy port says how to pick another', async () => {
    const first = await startLocalDashboard({
      dataApiUrl: t.endpoint,
      port: 0,
      env: { DASHBOARD_PASSWORD: 'chosen-password-1234' },
    });
    try {
      expect(first.password).toBe('chosen-password-1234');
      const port = Number(new URL(first.url).port);
      await expect(startLocalDashboard({ dataApiUrl: t.endpoint, port, env: {} })).rejects.toThrow(
        new RegExp(`Port ${port} is in use; start the dashboard elsewhere with --dashboard-port 8081`),
      );
    } finally {
      await first.close();
    }
  });
});
