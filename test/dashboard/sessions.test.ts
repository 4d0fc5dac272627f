/**
 * Logging out ends the session: the cookie is refused afterwards by this instance and by every
 * other one (the revocation is kept in Postgres), and checking for revocations never wakes a
 * paused database for a request that would not otherwise query it. The dashboards sign in as the
 * dashboard's database role, as in AWS: recording, checking and purging logouts is within its grants.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../db/database';
import { startDashboardServer, type RunningDashboard } from '../../dashboard-app/src/server';
import { loginCookie } from '../support/dashboard-login';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { recording } from '../support/recording-database';

const PASSWORD = 'sessions-test-password-123';
let t: TestDatabase;

async function start(db: Database): Promise<RunningDashboard> {
  return startDashboardServer({ db, password: PASSWORD, athena: { unavailable: 'x' }, log: () => {} });
}

const login = (url: string) => loginCookie(url, PASSWORD);

async function logout(url: string, cookie: string): Promise<Response> {
  return fetch(`${url}/logout`, { method: 'POST', redirect: 'manual', headers: { origin: url, cookie } });
}

const get = (url: string, path: string, cookie: string) =>
  fetch(`${url}${path}`, { headers: { cookie }, redirect: 'manual' });

beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());

describe('logout', () => {
  test('the cookie of a session that logged out is refused afterwards', async () => {
    const a = await start(t.dashboard);
    try {
      const cookie = await login(a.url);
      expect((await get(a.url, '/api/charts', cookie)).status).toBe(200);
      const res = await logout(a.url, cookie);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/login');
      expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
      for (const path of ['/api/charts', '/api/datasets', '/api/database', '/api/access-logs']) {
        expect((await get(a.url, path, cookie)).status, path).toBe(401);
      }
      expect((await get(a.url, '/', cookie)).headers.get('location')).toBe('/login');
      // Another session of the same password is not affected.
      expect((await get(a.url, '/api/charts', await login(a.url))).status).toBe(200);
    } finally {
      await a.close();
    }
  });

  test('holds across instances: a session ended on one is refused by another', async () => {
    const a = await start(t.dashboard);
    const b = await start(t.dashboard);
    try {
      const cookie = await login(a.url);
      expect((await get(b.url, '/api/charts', cookie)).status).toBe(200);
      await logout(a.url, cookie);
      expect((await get(b.url, '/api/charts', cookie)).status).toBe(401);
      expect((await get(b.url, '/api/access-logs/key?key=x', cookie)).status).toBe(401);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('stores the session id with its expiry and purges expired rows', async () => {
    await t.db.execute(
      `INSERT INTO revoked_sessions (id, expires_at) VALUES ('long-gone', now() - interval '1 hour')`,
    );
    const a = await start(t.dashboard);
    try {
      const cookie = await login(a.url);
      const [expires, id] = cookie.split('=')[1].split('.');
      await logout(a.url, cookie);
      const rows = await t.db.query<{ id: string; expires_ms: number }>(
        `SELECT id, date_part('epoch', expires_at) * 1000 AS expires_ms FROM revoked_sessions ORDER BY id`,
      );
      expect(rows.map((r) => r.id)).toContain(id);
      expect(rows.map((r) => r.id)).not.toContain('long-gone');
      expect(rows.find((r) => r.id === id)!.expires_ms).toBe(Number(expires));
    } finally {
      await a.close();
    }
  });

  test('a second logout of the same session, or one without a session, still clears the cookie', async () => {
    const a = await start(t.dashboard);
    try {
      const cookie = await login(a.url);
      expect((await logout(a.url, cookie)).status).toBe(303);
      expect((await logout(a.url, cookie)).status).toBe(303);
      const none = await fetch(`${a.url}/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: a.url },
      });
      expect(none.status).toBe(303);
      expect(none.headers.get('set-cookie')).toContain('Max-Age=0');
    } finally {
      await a.close();
    }
  });
});

describe('the revocation check and a paused database', () => {
  test('requests that do not query Postgres do not query it for the check while it may be paused', async () => {
    const db = recording(t.dashboard);
    const b = await start(db);
    try {
      const cookie = await login(b.url);
      db.statements.length = 0;
      for (const path of ['/', '/api/datasets', '/static/app.js', '/health']) {
        expect((await get(b.url, path, cookie)).status, path).toBe(200);
      }
      expect(db.statements).toEqual([]);
    } finally {
      await b.close();
    }
  });

  test('requests that query Postgres check first, with one statement', async () => {
    const db = recording(t.dashboard);
    const b = await start(db);
    try {
      const cookie = await login(b.url);
      db.statements.length = 0;
      expect((await get(b.url, '/api/database', cookie)).status).toBe(200);
      expect(db.statements[0]).toMatch(/FROM revoked_sessions WHERE id/);
      expect(db.statements.filter((s) => /FROM revoked_sessions WHERE id/.test(s))).toHaveLength(1);
    } finally {
      await b.close();
    }
  });

  test('while Postgres is awake (it answered this instance within the last minute), every request checks', async () => {
    const a = await start(t.dashboard);
    const db = recording(t.dashboard);
    const b = await start(db);
    try {
      const cookie = await login(a.url);
      expect((await get(b.url, '/api/charts', cookie)).status).toBe(200);
      await logout(a.url, cookie);
      db.statements.length = 0;
      expect((await get(b.url, '/api/datasets', cookie)).status).toBe(401);
      expect(db.statements).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a database waking up during the check is a 503 "resuming", not a 401 or a 500', async () => {
    const a = await start(t.dashboard);
    try {
      const cookie = await login(a.url);
      t.server.simulateResuming(1_000);
      try {
        const res = await get(a.url, '/api/database', cookie);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ state: 'resuming' });
      } finally {
        t.server.simulateResuming(0);
      }
    } finally {
      await a.close();
    }
  });
});
