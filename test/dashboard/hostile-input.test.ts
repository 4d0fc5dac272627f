/**
 * Every route of the dashboard fed NUL, control characters, invalid UTF-8, out-of-range years and
 * oversized values, and a database that fails: no answer is a 5xx caused by the input, no answer
 * carries SQL or a database message, a bad parameter is a 400 that names it, and a failure the
 * client cannot fix is a short 500 with a request id whose details are in one log line.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LoginRateLimiter } from '../../dashboard-app/src/auth';
import { startDashboardServer, type RunningDashboard } from '../../dashboard-app/src/server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { loginCookie } from '../support/dashboard-login';

const PASSWORD = 'hostile-input-password-123';
let t: TestDatabase;
let dashboard: RunningDashboard;
let cookie: string;
const logged: { message: string; fields?: Record<string, unknown> }[] = [];

/** Text that betrays internals: SQL, a database message or a stack trace. */
const INTERNALS = /\bSELECT |\bFROM |\bWHERE |invalid byte sequence|syntax error|relation "|\bat .*\.ts:\d+/;

/** The hostile values, as they appear in a query string. */
const HOSTILE: Record<string, string> = {
  NUL: 'a%00b',
  'a control character': 'a%01b',
  'a line feed': 'a%0Ab',
  'invalid UTF-8 (%C3%28)': '%C3%28',
  'invalid UTF-8 (%FF)': 'a%FFb',
  'a truncated UTF-8 sequence': 'a%E2%82',
  'an encoded surrogate': '%ED%A0%80',
  'an oversized value': 'k'.repeat(5000),
};

/** Each API route and the parameters it accepts. */
const API: Record<string, readonly string[]> = {
  '/api/datasets': [],
  '/api/charts': ['dataset', 'measure', 'time', 'from', 'to', 'engine'],
  '/api/access-logs': ['from', 'to', 'bucket'],
  '/api/access-logs/key': ['from', 'to', 'bucket', 'key'],
  '/api/database': [],
};

/** Routes that ignore their query string. */
const PLAIN = ['/health', '/login', '/', '/favicon.ico', '/static/app.js', '/static/styles.css'];

const get = (path: string, headers: Record<string, string> = { cookie }) =>
  fetch(`${dashboard.url}${path}`, { headers, redirect: 'manual' });

async function answer(res: Response): Promise<{ status: number; text: string; error?: string }> {
  const text = await res.text();
  let error: string | undefined;
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
    error = (JSON.parse(text) as { error?: string }).error;
  }
  return { status: res.status, text, error };
}

beforeAll(async () => {
  t = await startTestDatabase();
  dashboard = await startDashboardServer({
    db: t.db,
    password: PASSWORD,
    athena: { unavailable: 'Athena is not configured here.' },
    log: (message, fields) => logged.push({ message, fields }),
    loginLimiter: new LoginRateLimiter(1000),
  });
  cookie = await loginCookie(dashboard.url, PASSWORD);
});
afterAll(async () => {
  await dashboard?.close();
  await t?.close();
});

describe('a bad parameter value is a 400 that names the parameter, on every API route', () => {
  const cases = Object.entries(API).flatMap(([path, params]) =>
    params.flatMap((param) => Object.entries(HOSTILE).map(([what, value]) => [path, param, what, value])),
  );
  test.each(cases)('%s?%s= %s', async (path, param, _what, value) => {
    const res = await answer(await get(`${path}?${param}=${value}`));
    expect(res.status, res.text).toBe(400);
    expect(res.error).toContain(`"${param}"`);
    expect(res.error).not.toMatch(INTERNALS);
    // A hostile value is never echoed whole.
    expect(res.text.length).toBeLessThan(600);
  });

  test.each(Object.entries(HOSTILE))('an unknown parameter name with %s is a 400', async (_what, value) => {
    for (const path of Object.keys(API)) {
      const res = await answer(await get(`${path}?${value}=1`));
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.text.length).toBeLessThan(600);
    }
  });

  test('a control character in a parameter is named as such', async () => {
    const res = await answer(await get('/api/access-logs/key?key=a%00b'));
    expect(res.error).toMatch(/Parameter "key" contains a control character \(U\+0000\)/);
    const tab = await answer(await get('/api/charts?dataset=usage%09'));
    expect(tab.error).toMatch(/Parameter "dataset" contains a control character \(U\+0009\)/);
  });

  test('invalid UTF-8 is named as such', async () => {
    const res = await answer(await get('/api/access-logs/key?key=%C3%28'));
    expect(res.error).toMatch(/Parameter "key" is not valid UTF-8/);
    const bare = await answer(await get('/api/access-logs/key?key=100%'));
    expect(bare.error).toMatch(/Parameter "key" has a "%" that does not start a percent-encoded byte/);
  });

  test('valid UTF-8 and "+" for spaces still work', async () => {
    const res = await get('/api/access-logs/key?key=r%C3%A9sum%C3%A9+2025.pdf');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { key: string }).key).toBe('résumé 2025.pdf');
  });
});

describe('years outside 1..9999 are a 400 naming the parameter', () => {
  test.each([
    ['/api/charts?from=0000-01-01&to=0000-01-05', 'from'],
    ['/api/charts?from=0001-01-01T00:00:00%2B01:00&to=0001-01-05', 'from'],
    ['/api/charts?from=9999-12-30&to=9999-12-31T23:00:00-05:00', 'to'],
    ['/api/access-logs?from=0000-06-01&to=0000-06-02', 'from'],
    ['/api/access-logs/key?key=a&from=9999-12-31&to=9999-12-31T23:30:00-01:00', 'to'],
  ])('%s', async (path, param) => {
    const res = await answer(await get(path));
    expect(res.status, res.text).toBe(400);
    expect(res.error).toMatch(new RegExp(`Parameter "${param}" .*year`));
    expect(res.error).toMatch(/from 1 to 9999/);
  });

  test('a "to" so early that the default 7-day range starts before year 1 names "to"', async () => {
    const res = await answer(await get('/api/charts?to=0001-01-03'));
    expect(res.status, res.text).toBe(400);
    expect(res.error).toMatch(/Parameter "to" .*year 1/);
  });

  test('the first and last instants of the range are accepted', async () => {
    expect((await get('/api/charts?from=0001-01-01&to=0001-01-05')).status).toBe(200);
    expect((await get('/api/charts?from=9999-12-30&to=9999-12-31T23:59:59Z')).status).toBe(200);
  });
});

describe('routes that take no parameters shrug them off without a 5xx', () => {
  test.each(PLAIN.flatMap((path) => Object.entries(HOSTILE).map(([what, value]) => [path, what, value])))(
    '%s with %s',
    async (path, _what, value) => {
      for (const headers of [{ cookie }, {}] as Record<string, string>[]) {
        const res = await answer(await get(`${path}?x=${value}&${value}=1`, headers));
        expect(res.status, res.text).toBeLessThan(500);
        expect(res.text).not.toMatch(/invalid byte sequence|syntax error|relation "/);
      }
    },
  );

  test('a hostile path is a 404 without internals', async () => {
    for (const value of Object.values(HOSTILE)) {
      const res = await answer(await get(`/api/${value}`));
      expect(res.status).toBe(404);
      expect(res.text.length).toBeLessThan(600);
    }
  });
});

describe('login and logout bodies', () => {
  const post = (path: string, body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(`${dashboard.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: dashboard.url, 'content-type': type, cookie },
      body,
    });

  test.each(Object.entries(HOSTILE))(
    'a login password with %s is refused, never a 5xx',
    async (_w, value) => {
      const res = await post('/login', `password=${value}`);
      expect([401, 413]).toContain(res.status);
    },
  );

  test('a JSON login with NUL or a lone surrogate is a 401, an oversized body a 413', async () => {
    expect((await post('/login', '{"password":"a\\u0000b"}', 'application/json')).status).toBe(401);
    expect((await post('/login', '{"password":"\\udc00"}', 'application/json')).status).toBe(401);
    expect((await post('/login', `password=${'x'.repeat(10_000)}`)).status).toBe(413);
  });
});

describe('a failure the client cannot fix', () => {
  test('is a short 500 with a request id; the SQL and the database error go to one log line', async () => {
    await t.pg.exec('ALTER TABLE s3_access_log_hourly RENAME TO s3_access_log_hourly_moved');
    logged.length = 0;
    try {
      const res = await get('/api/access-logs');
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string; requestId: string };
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
      expect(body.error).toBe(
        `Something went wrong on the server. The details are in its log under request id ${body.requestId}.`,
      );
      expect(JSON.stringify(body)).not.toMatch(INTERNALS);
      const failures = logged.filter((l) => l.fields?.requestId === body.requestId && l.fields?.error);
      expect(failures).toHaveLength(1);
      expect(String(failures[0].fields!.error)).toMatch(/s3_access_log_hourly/);
      expect(failures[0].fields).toMatchObject({ level: 'error', method: 'GET', path: '/api/access-logs' });
    } finally {
      await t.pg.exec('ALTER TABLE s3_access_log_hourly_moved RENAME TO s3_access_log_hourly');
    }
  });

  test('the default log writes that failure as one JSON line', async () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: unknown) => void lines.push(String(line));
    const plain = await startDashboardServer({
      db: {
        ...t.db,
        query: () => Promise.reject(new Error('relation "secret_table" does not exist: SELECT 1')),
      },
      password: PASSWORD,
      athena: { unavailable: 'x' },
    });
    try {
      const login = await fetch(`${plain.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: plain.url, 'content-type': 'application/json' },
        body: JSON.stringify({ password: PASSWORD }),
      });
      const session = login.headers.get('set-cookie')!.split(';')[0];
      const res = await fetch(`${plain.url}/api/database`, { headers: { cookie: session } });
      expect(res.status).toBe(500);
      const { requestId } = (await res.json()) as { requestId: string };
      const failures = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.requestId === requestId && l.error);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ level: 'error', path: '/api/database' });
      expect(String(failures[0].error)).toContain('secret_table');
    } finally {
      console.log = original;
      await plain.close();
    }
  });
});
