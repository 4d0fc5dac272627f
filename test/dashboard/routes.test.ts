/**
 * Every route of the dashboard over HTTP, against the real local database: login, sessions,
 * headers, each API route, and each 400 a bad parameter gets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LoginRateLimiter, SessionSigner } from '../../dashboard-app/src/auth';
import { startDashboardServer, type RunningDashboard } from '../../dashboard-app/src/server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const PASSWORD = 'a-test-password-of-some-length';
let t: TestDatabase;
let dashboard: RunningDashboard;
let cookie: string;

async function login(
  url: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ password }).toString(),
  });
}

const get = (path: string, headers: Record<string, string> = { cookie }) =>
  fetch(`${dashboard.url}${path}`, { headers, redirect: 'manual' });

async function error(path: string): Promise<{ status: number; message: string }> {
  const res = await get(path);
  const body = (await res.json()) as { error: string };
  return { status: res.status, message: body.error };
}

beforeAll(async () => {
  t = await startTestDatabase();
  dashboard = await startDashboardServer({
    db: t.db,
    password: PASSWORD,
    athena: { unavailable: 'Athena is not configured here.' },
    log: () => {},
    // A generous limit here; the rate limit has its own server below.
    loginLimiter: new LoginRateLimiter(1000),
  });
  const res = await login(dashboard.url);
  cookie = res.headers.get('set-cookie')!.split(';')[0];
});
afterAll(async () => {
  await dashboard?.close();
  await t?.close();
});

describe('public routes', () => {
  test('GET /health answers without a session and without the database', async () => {
    const res = await get('/health', {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('GET / without a session redirects to the login page', async () => {
    const res = await get('/', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });

  test('GET /login is a form without scripts', async () => {
    const res = await get('/login', {});
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).not.toContain('<script');
  });

  test('static files: the page script, styles and the ECharts bundle from this server', async () => {
    for (const [path, type] of [
      ['/static/app.js', 'text/javascript'],
      ['/static/styles.css', 'text/css'],
      ['/static/echarts.min.js', 'text/javascript'],
    ]) {
      const res = await get(path, {});
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
    }
    expect((await (await get('/static/echarts.min.js', {})).text()).length).toBeGreaterThan(500_000);
  });

  test('every response carries the security headers', async () => {
    const res = await get('/health', {});
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  test('unknown paths are 404, wrong methods 405 with Allow', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/api/nope')).status).toBe(404);
    const res = await fetch(`${dashboard.url}/health`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('login and sessions', () => {
  test('a right password sets a signed, HttpOnly, Secure, SameSite=Strict session cookie for 12 hours', async () => {
    const res = await login(dashboard.url);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^dashboard_session=\d{13}\.[\w-]+\.[\w-]+; /);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('Secure');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).toContain('Max-Age=43200');
  });

  test('a wrong password is 401 with a message and no cookie', async () => {
    const res = await login(dashboard.url, 'wrong');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('That password is not right.');
  });

  test('a login from another origin, or without Origin, is refused (CSRF)', async () => {
    expect((await login(dashboard.url, PASSWORD, { origin: 'https://evil.example' })).status).toBe(403);
    const res = await fetch(`${dashboard.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=${PASSWORD}`,
    });
    expect(res.status).toBe(403);
  });

  test('a login body of another type is 415; broken JSON is 400; JSON logins work', async () => {
    expect((await login(dashboard.url, PASSWORD, { 'content-type': 'text/plain' })).status).toBe(415);
    const bad = await fetch(`${dashboard.url}/login`, {
      method: 'POST',
      headers: { origin: dashboard.url, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${dashboard.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: dashboard.url, 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(ok.status).toBe(303);
  });

  test('the API needs a session: none, a tampered one or an expired one is 401', async () => {
    expect((await get('/api/datasets', {})).status).toBe(401);
    const [expires, id] = cookie.split('=')[1].split('.');
    expect((await get('/api/datasets', { cookie: `dashboard_session=${expires}.${id}.forged` })).status).toBe(
      401,
    );
    const later = `dashboard_session=${Number(expires) + 1000}.${id}.${cookie.split('.')[2]}`;
    expect((await get('/api/datasets', { cookie: later })).status).toBe(401);
    const signer = new SessionSigner(PASSWORD);
    const old = signer.issue(Date.now() - 13 * 3_600_000).token;
    expect((await get('/api/datasets', { cookie: `dashboard_session=${old}` })).status).toBe(401);
  });

  test('a session signed with another password is refused', async () => {
    const other = new SessionSigner('another-password-entirely').issue().token;
    expect((await get('/api/datasets', { cookie: `dashboard_session=${other}` })).status).toBe(401);
  });

  test('logout clears the cookie (same origin only)', async () => {
    // A session of its own: logging out ends it, and the other tests use `cookie`.
    const own = (await login(dashboard.url)).headers.get('set-cookie')!.split(';')[0];
    const res = await fetch(`${dashboard.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: dashboard.url, cookie: own },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    const foreign = await fetch(`${dashboard.url}/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
  });

  test('login attempts are limited to 5 per client per minute: then 429 with Retry-After', async () => {
    const limited = await startDashboardServer({
      db: t.db,
      password: PASSWORD,
      athena: { unavailable: 'x' },
      log: () => {},
    });
    try {
      for (let i = 0; i < 5; i++) expect((await login(limited.url, 'wrong')).status).toBe(401);
      const res = await login(limited.url);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('set-cookie')).toBeNull();
    } finally {
      await limited.close();
    }
  });

  test('behind App Runner the limit keys on the last X-Forwarded-For entry, which a client cannot forge', async () => {
    const proxied = await startDashboardServer({
      db: t.db,
      password: PASSWORD,
      athena: { unavailable: 'x' },
      clientAddress: 'x-forwarded-for-rightmost',
      log: () => {},
    });
    try {
      for (let i = 0; i < 5; i++) {
        // A client varying the first entry stays the same client.
        const res = await login(proxied.url, 'wrong', { 'x-forwarded-for': `10.0.0.${i}, 198.51.100.7` });
        expect(res.status).toBe(401);
      }
      expect(
        (await login(proxied.url, 'wrong', { 'x-forwarded-for': '10.9.9.9, 198.51.100.7' })).status,
      ).toBe(429);
      expect((await login(proxied.url, PASSWORD, { 'x-forwarded-for': '198.51.100.8' })).status).toBe(303);
    } finally {
      await proxied.close();
    }
  });
});

describe('API routes', () => {
  test('GET / with a session serves the page', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/static/echarts.min.js"');
    expect(html).not.toMatch(/<script>[^<]/);
  });

  test('GET /api/datasets lists chartable datasets with their measures and why Athena is off', async () => {
    const body = (await (await get('/api/datasets')).json()) as {
      athena: { available: boolean; reason: string };
      datasets: { name: string; measures: { name: string; label: string }[]; share: string }[];
    };
    expect(body.athena).toEqual({ available: false, reason: 'Athena is not configured here.' });
    const usage = body.datasets.find((d) => d.name === 'usage')!;
    expect(usage.measures.map((m) => m.label)).toEqual([
      'Session duration',
      'Download speed',
      'Upload speed',
      'Consumed traffic',
    ]);
    expect(usage.share).toBe('age');
  });

  test('GET /api/charts returns the six charts for a selection', async () => {
    const res = await get('/api/charts?dataset=usage&measure=upload_speed&from=2025-01-01&to=2025-01-08');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      charts: Record<string, unknown>;
      measure: { name: string };
      empty: boolean;
    };
    expect(Object.keys(body.charts)).toEqual(['scatter', 'top', 'series', 'box', 'histogram', 'share']);
    expect(body.measure.name).toBe('upload_speed');
    expect(body.empty).toBe(true);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test('GET /api/charts defaults to the first dataset, its first measure and the last 7 days', async () => {
    const body = (await (await get('/api/charts')).json()) as {
      dataset: string;
      measure: { name: string };
      from: string;
      to: string;
    };
    expect(body.dataset).toBe('usage');
    expect(body.measure.name).toBe('session_duration');
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(7 * 86_400_000);
  });

  test('GET /api/access-logs and /api/access-logs/key answer from the access log tables', async () => {
    const overview = await get('/api/access-logs?from=2025-01-01&to=2025-01-02&bucket=my-bucket');
    expect(overview.status).toBe(200);
    expect(await overview.json()).toMatchObject({
      bucket: 'my-bucket',
      totals: { requests: 0 },
      unit: 'hour',
    });
    const key = await get('/api/access-logs/key?key=a%2Fb.txt');
    expect(key.status).toBe(200);
    expect(await key.json()).toMatchObject({ key: 'a/b.txt', series: [] });
  });

  test('GET /api/database lists tables, ingestion and active queries', async () => {
    const body = (await (await get('/api/database')).json()) as {
      tables: { name: string }[];
      loaderInstalled: boolean;
      activeQueries: unknown[];
    };
    expect(body.tables.map((x) => x.name)).toEqual(expect.arrayContaining(['usage', 'loaded_objects']));
    expect(body.loaderInstalled).toBe(true);
    expect(Array.isArray(body.activeQueries)).toBe(true);
  });
});

describe('bad input is a 400 that names the parameter and what is accepted', () => {
  test.each([
    ['/api/charts?dataset=nope', /Unknown dataset "nope"\. Known datasets: usage, trades, samples/],
    [
      '/api/charts?dataset=usage&measure=person_name',
      /Column "person_name" of dataset "usage" is a dimension, not a measure\. Measures of "usage": session_duration/,
    ],
    ['/api/charts?dataset=usage&measure=accessed_at', /is a time, not a measure/],
    ['/api/charts?dataset=usage&measure=price', /Dataset "usage" has no column "price"/],
    [
      '/api/charts?dataset=usage&measure=download_speed%3B%20DROP%20TABLE%20usage',
      /has no column "download_speed; DROP TABLE usage"/,
    ],
    [
      '/api/charts?time=person_name',
      /"person_name" is not a time column of dataset "usage"; its time column is "accessed_at"/,
    ],
    ['/api/charts?from=yesterday', /Parameter "from" is "yesterday", which is not an ISO 8601 date or time/],
    ['/api/charts?to=2025-02-30', /day 30 does not exist in 2025-02/],
    ['/api/charts?from=2025-13-01', /not a valid date or time/],
    ['/api/charts?from=2025-01-08&to=2025-01-01', /"from" \(2025-01-08T00:00:00\.000Z\) must be before "to"/],
    ['/api/charts?from=2025-01-01&to=2025-01-01', /The time range is empty/],
    ['/api/charts?period=week', /Parameter "period" is "week"; the only named period is "all"/],
    [
      '/api/charts?period=all&from=2023-01-01',
      /"period" is "all", which spans every record, and "from" is given too/,
    ],
    ['/api/access-logs?engine=athena', /Athena is not available here/],
    ['/api/access-logs/key?key=a&engine=spark', /Unknown engine "spark"/],
    ['/api/charts?engine=spark', /Unknown engine "spark"\. Use one of: postgres, athena/],
    ['/api/charts?engine=athena', /Athena is not available here: Athena is not configured here\./],
    [
      '/api/charts?dataset=s3_access_logs&engine=athena',
      /dataset "s3_access_logs" is not one of the lake's NDJSON tables/,
    ],
    ['/api/charts?sort=asc', /Unknown query parameter "sort"\. This endpoint accepts: "dataset", "measure"/],
    [
      '/api/charts?measure=upload_speed&measure=download_speed',
      /Query parameter "measure" is given more than once/,
    ],
    ['/api/datasets?x=1', /Unknown query parameter "x"/],
    ['/api/database?verbose=1', /Unknown query parameter "verbose"/],
    [
      '/api/access-logs?bucket=Not_A_Bucket',
      /Parameter "bucket" is "Not_A_Bucket", which is not an S3 bucket name/,
    ],
    ['/api/access-logs?from=2025-01-02&to=2025-01-01', /must be before "to"/],
    ['/api/access-logs?limit=5', /Unknown query parameter "limit"/],
    ['/api/access-logs/key', /Parameter "key" is required/],
    [`/api/access-logs/key?key=${'k'.repeat(1025)}`, /S3 keys have at most 1024/],
  ])('%s', async (path, message) => {
    const res = await error(path);
    expect(res.status).toBe(400);
    expect(res.message).toMatch(message);
  });

  test('nothing from the request reaches the SQL text: the table is still there', async () => {
    const [row] = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM usage');
    expect(typeof row.n).toBe('number');
  });
});

describe('a database waking up from zero capacity', () => {
  test('answers 503 {"state":"resuming"} with Retry-After instead of an error, then recovers', async () => {
    t.server.simulateResuming(1000);
    try {
      const res = await get('/api/charts?dataset=usage');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ state: 'resuming', retryAfter: 5 });
    } finally {
      t.server.simulateResuming(0);
    }
    expect((await get('/api/charts?dataset=usage')).status).toBe(200);
  });

  test('another database error is a 500 with a request id; what failed goes to the log, not the client', async () => {
    await t.pg.exec('ALTER TABLE s3_access_log_hourly RENAME TO s3_access_log_hourly_moved');
    try {
      const res = await error('/api/access-logs');
      expect(res.status).toBe(500);
      expect(res.message).toMatch(/^Something went wrong on the server\. .* request id [0-9a-f-]{36}\.$/);
      expect(res.message).not.toMatch(/s3_access_log_hourly/);
    } finally {
      await t.pg.exec('ALTER TABLE s3_access_log_hourly_moved RENAME TO s3_access_log_hourly');
    }
  });
});
