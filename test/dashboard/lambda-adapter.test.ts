/**
 * The Function URL adapter: events in the payload format 2.0 become Node requests for the app's own
 * handler, responses come back as Function URL results, the allowlist is checked on the request
 * context's source IP before anything runs, and a response over the limit becomes a clear 502.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDashboardHandler } from '../../dashboard-app/src/server';
import {
  createFunctionUrlHandler,
  type FunctionUrlEvent,
  type FunctionUrlResult,
  type NodeRequestHandler,
} from '../../dashboard-app/src/lambda-adapter';
import { AddressAllowlist, readAllowedCidrs } from '../../dashboard-app/src/lambda-allowlist';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const HOST = 'abc123.lambda-url.eu-west-1.on.aws';

function event(
  overrides: Partial<FunctionUrlEvent> & { method?: string; sourceIp?: string } = {},
): FunctionUrlEvent {
  const { method = 'GET', sourceIp = '198.51.100.7', ...rest } = overrides;
  return {
    version: '2.0',
    rawPath: '/',
    rawQueryString: '',
    headers: { host: HOST },
    requestContext: { http: { method, sourceIp, protocol: 'HTTP/1.1' }, requestId: 'r-1' },
    isBase64Encoded: false,
    ...rest,
  };
}

/** What the handler saw of the request. */
interface Seen {
  method?: string;
  url?: string;
  headers?: IncomingMessage['headers'];
  remoteAddress?: string;
  body?: string;
}

function recordingHandler(seen: Seen, respond: (res: ServerResponse) => void): NodeRequestHandler {
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    Object.assign(seen, {
      method: req.method,
      url: req.url,
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    respond(res);
  };
}

describe('Function URL adapter: request and response', () => {
  test('method, raw path and query, headers, cookies, a base64 body and the source IP reach the handler', async () => {
    const seen: Seen = {};
    const handle = createFunctionUrlHandler({
      createHandler: () => recordingHandler(seen, (res) => res.end('ok')),
      log: () => {},
    });
    await handle(
      event({
        method: 'post',
        rawPath: '/api/charts',
        rawQueryString: 'dataset=usage&measure=a%20b',
        headers: { host: HOST, 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' },
        cookies: ['dashboard_session=abc', 'other=1'],
        body: Buffer.from('{"password":"p"}').toString('base64'),
        isBase64Encoded: true,
        sourceIp: '203.0.113.9',
      }),
    );
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/api/charts?dataset=usage&measure=a%20b',
      remoteAddress: '203.0.113.9',
      body: '{"password":"p"}',
    });
    expect(seen.headers).toMatchObject({
      host: HOST,
      'content-type': 'application/json',
      cookie: 'dashboard_session=abc; other=1',
      'x-forwarded-for': '10.9.9.9',
    });
  });

  test('status, headers, every Set-Cookie (as cookies) and a text body come back', async () => {
    const handle = createFunctionUrlHandler({
      createHandler: () =>
        recordingHandler({}, (res) => {
          res.setHeader('X-Early', 'yes');
          res.writeHead(303, {
            Location: '/',
            'Set-Cookie': ['a=1; HttpOnly', 'b=2; Secure'],
            'Content-Type': 'text/plain; charset=utf-8',
            'Content-Length': '5',
          });
          res.write('he');
          res.end('llo');
        }),
      log: () => {},
    });
    const result = await handle(event());
    expect(result).toEqual({
      statusCode: 303,
      headers: { 'x-early': 'yes', location: '/', 'content-type': 'text/plain; charset=utf-8' },
      cookies: ['a=1; HttpOnly', 'b=2; Secure'],
      body: 'hello',
      isBase64Encoded: false,
    });
  });

  test('a binary body is base64; an empty body (HEAD) is empty text', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251]);
    const handle = createFunctionUrlHandler({
      createHandler: () => async (req, res) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(req.method === 'HEAD' ? undefined : bytes);
      },
      log: () => {},
    });
    const get = await handle(event());
    expect(get.isBase64Encoded).toBe(true);
    expect(Buffer.from(get.body, 'base64')).toEqual(bytes);
    expect(await handle(event({ method: 'HEAD' }))).toMatchObject({
      statusCode: 200,
      body: '',
      isBase64Encoded: false,
    });
  });

  test('writeHead with a flat [name, value, ...] array, as http.ServerResponse accepts', async () => {
    const handle = createFunctionUrlHandler({
      createHandler: () => async (_req, res) => {
        res.writeHead(200, ['Content-Type', 'application/json', 'Set-Cookie', 'x=1', 'Set-Cookie', 'y=2']);
        res.end('{}');
      },
      log: () => {},
    });
    expect(await handle(event())).toMatchObject({
      headers: { 'content-type': 'application/json' },
      cookies: ['x=1', 'y=2'],
      body: '{}',
    });
  });

  test('large text is gzipped for clients that accept gzip, and only for them', async () => {
    const text = 'chart data '.repeat(1000);
    const handle = createFunctionUrlHandler({
      createHandler: () => async (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'text/javascript; charset=utf-8',
          'Content-Length': String(text.length),
        });
        res.end(text);
      },
      log: () => {},
    });
    const gzipped = await handle(event({ headers: { host: HOST, 'accept-encoding': 'br, gzip, deflate' } }));
    expect(gzipped.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    expect(gzipped.headers['content-length']).toBeUndefined();
    expect(gzipped.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(gzipped.body, 'base64')).toString('utf8')).toBe(text);
    for (const acceptEncoding of ['', 'br', 'gzip;q=0']) {
      const plain = await handle(event({ headers: { host: HOST, 'accept-encoding': acceptEncoding } }));
      expect(plain.headers['content-encoding'], acceptEncoding).toBeUndefined();
      expect(plain.body).toBe(text);
    }
  });

  test('a response over the Function URL limit is a 502 that says so, and is logged', async () => {
    const logged: Array<[string, Record<string, unknown> | undefined]> = [];
    const handle = createFunctionUrlHandler({
      createHandler: () => async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ rows: 'x'.repeat(5000) }));
      },
      maxResponseBytes: 2000,
      log: (message, fields) => logged.push([message, fields]),
    });
    const result = await handle(event());
    expect(result.statusCode).toBe(502);
    expect(JSON.parse(result.body).error).toMatch(
      /more than the 2000 bytes a Lambda Function URL can return/,
    );
    expect(logged).toEqual([
      ['response too large for a Function URL', expect.objectContaining({ limit: 2000 })],
    ]);
  });

  test('a handler that throws, or that destroys the response, gives a 502 and a log line; the next request builds again', async () => {
    const logged: string[] = [];
    let builds = 0;
    const handle = createFunctionUrlHandler({
      createHandler: () => {
        builds++;
        if (builds === 1) throw new Error('secret unreadable');
        return async (req, res) => {
          if (req.url === '/throw') throw new Error('boom');
          res.destroy();
        };
      },
      log: (message) => logged.push(message),
    });
    expect((await handle(event())).statusCode).toBe(502);
    expect((await handle(event({ rawPath: '/throw' }))).statusCode).toBe(502);
    expect((await handle(event({ rawPath: '/destroyed' }))).statusCode).toBe(502);
    expect(builds).toBe(2);
    expect(logged.filter((m) => m === 'request failed in the Function URL adapter')).toHaveLength(2);
  });
});

describe('Function URL adapter: dashboardAllowedCidrs on the source IP', () => {
  test('refuses an address outside the networks with 403 before the app is even built', async () => {
    let builds = 0;
    const logged: unknown[] = [];
    const handle = createFunctionUrlHandler({
      allowedCidrs: ['203.0.113.0/24', '2001:db8:1234::/48'],
      createHandler: () => {
        builds++;
        return async (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('app');
        };
      },
      log: (message, fields) => logged.push({ message, ...fields }),
    });
    const refused = await handle(
      event({ sourceIp: '198.51.100.7', headers: { host: HOST, 'x-forwarded-for': '203.0.113.5' } }),
    );
    expect(refused.statusCode).toBe(403);
    expect(builds).toBe(0);
    expect(logged).toEqual([expect.objectContaining({ sourceIp: '198.51.100.7' })]);
    for (const sourceIp of ['203.0.113.200', '2001:db8:1234:5::1', '::ffff:203.0.113.4']) {
      const allowed = await handle(event({ sourceIp }));
      expect([sourceIp, allowed.statusCode, allowed.body]).toEqual([sourceIp, 200, 'app']);
    }
    for (const sourceIp of ['2001:db8:1235::1', '::ffff:198.51.100.7', '', 'not-an-address']) {
      expect((await handle(event({ sourceIp }))).statusCode, sourceIp).toBe(403);
    }
    expect(builds).toBe(1);
  });

  test('a broken allowlist stops the function with the setting named, instead of letting everyone in', () => {
    expect(() => new AddressAllowlist(['203.0.113.0/24', 'office'])).toThrow(
      /DASHBOARD_ALLOWED_CIDRS contains "office", which is not a CIDR/,
    );
    expect(() => new AddressAllowlist(['10.0.0.0/33'])).toThrow(/"10.0.0.0\/33"/);
    expect(readAllowedCidrs({ DASHBOARD_ALLOWED_CIDRS: ' 203.0.113.0/24, 2001:db8::/48 ' })).toEqual([
      '203.0.113.0/24',
      '2001:db8::/48',
    ]);
    expect(readAllowedCidrs({})).toBeUndefined();
  });
});

describe('Function URL adapter over the real dashboard handler (local Postgres)', () => {
  let t: TestDatabase;
  let handle: (e: FunctionUrlEvent) => Promise<FunctionUrlResult>;
  const PASSWORD = 'adapter-test-password';

  beforeAll(async () => {
    t = await startTestDatabase();
    handle = createFunctionUrlHandler({
      createHandler: () =>
        createDashboardHandler({
          db: t.db,
          password: PASSWORD,
          athena: { unavailable: 'not in this test' },
          log: () => {},
        }),
      log: () => {},
    });
  });
  afterAll(() => t?.close());

  const login = (password: string, sourceIp: string, forwardedFor?: string) =>
    handle(
      event({
        method: 'POST',
        rawPath: '/login',
        sourceIp,
        headers: {
          host: HOST,
          origin: `https://${HOST}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
        body: `password=${encodeURIComponent(password)}`,
      }),
    );

  test('logs in through the Function URL and reads the API with the session cookie', async () => {
    const result = await login(PASSWORD, '203.0.113.10');
    expect(result.statusCode).toBe(303);
    expect(result.cookies).toEqual([expect.stringMatching(/^dashboard_session=.+HttpOnly/)]);
    const cookie = result.cookies![0]!.split(';')[0]!;
    const api = await handle(event({ rawPath: '/api/datasets', cookies: [cookie] }));
    expect(api.statusCode).toBe(200);
    expect(JSON.parse(api.body).datasets.map((d: { name: string }) => d.name)).toContain('usage');
    expect((await handle(event({ rawPath: '/api/datasets' }))).statusCode).toBe(401);
  });

  test('the login rate limit keys on the source IP: a forged X-Forwarded-For does not reset it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await login('wrong', '198.51.100.20', `10.0.0.${i}`)).statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect((await login('wrong', '198.51.100.21')).statusCode).toBe(401);
  });
});
