/**
 * Every route of the dashboard. Pages and static files are public only where they must be (the
 * login page and its assets); everything else needs a session. Each API route checks its query
 * parameters against the dataset definitions before any SQL runs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { DATASETS } from '../../datasets';
import type { Database } from '../../db/database';
import { isRetryableDataApiError } from '../../db/data-api';
import {
  accessLogKey,
  accessLogOverview,
  readAccessLogKeyRequest,
  readAccessLogRequest,
} from './access-logs';
import { AthenaRunner } from './athena';
import {
  LoginRateLimiter,
  SESSION_COOKIE,
  SessionSigner,
  clearedSessionCookie,
  readCookie,
  sessionCookie,
} from './auth';
import { loadCharts, type ChartsResponse } from './charts';
import { databaseStatus } from './database-status';
import { HttpError, badRequest } from './http-error';
import { chartableDatasets, readChartRequest, readParams } from './params';
import { chartPlan, measuresOf } from './queries';
import { timeColumn } from '../../datasets/sql';

/** Headers on every response. The page loads scripts and styles from this origin only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer, browsers send "Origin: null" on form posts,
  // which the login's same-origin check must refuse.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Seconds a client waits before asking again while the database resumes from zero capacity. */
export const RESUME_RETRY_SECONDS = 5;

export interface DashboardOptions {
  readonly db: Database;
  readonly password: string;
  /** The full-history engine, or why it is unavailable. */
  readonly athena: AthenaRunner | { readonly unavailable: string };
  /** Take the client address from the last `X-Forwarded-For` entry (App Runner appends it). */
  readonly trustProxy?: boolean;
  readonly refreshSeconds?: number;
  /** Where index.html, app.js and styles.css live. */
  readonly publicDir?: string;
  /** The ECharts browser bundle. */
  readonly echartsFile?: string;
  readonly loginLimiter?: LoginRateLimiter;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const DEFAULT_PUBLIC_DIR = path.resolve(import.meta.dirname, '..', 'public');

/** The ECharts bundle: copied next to the page in the container, read from node_modules otherwise. */
export function defaultEchartsFile(publicDir = DEFAULT_PUBLIC_DIR): string {
  const vendored = path.join(publicDir, 'vendor', 'echarts.min.js');
  if (existsSync(vendored)) return vendored;
  return createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
}

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/static/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/static/styles.css': { file: 'styles.css', type: 'text/css; charset=utf-8' },
  '/static/echarts.min.js': { file: '', type: 'text/javascript; charset=utf-8' },
};

export function createDashboardHandler(options: DashboardOptions): RequestHandler {
  const signer = new SessionSigner(options.password);
  const limiter = options.loginLimiter ?? new LoginRateLimiter();
  const publicDir = options.publicDir ?? DEFAULT_PUBLIC_DIR;
  const echartsFile = options.echartsFile ?? defaultEchartsFile(publicDir);
  const log = options.log ?? ((message, fields) => console.log(JSON.stringify({ message, ...fields })));
  const fileCache = new Map<string, Buffer>();

  const readPublic = async (file: string): Promise<Buffer> => {
    let body = fileCache.get(file);
    if (!body) {
      body = await readFile(file);
      fileCache.set(file, body);
    }
    return body;
  };

  const clientAddress = (req: IncomingMessage): string => {
    if (options.trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      const list = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
      const last = list
        .map((s) => s.trim())
        .filter(Boolean)
        .pop();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  };

  const authenticated = (req: IncomingMessage) =>
    signer.verify(readCookie(req.headers.cookie, SESSION_COOKIE));

  const athenaStatus = () =>
    options.athena instanceof AthenaRunner
      ? { available: true as const }
      : { available: false as const, reason: options.athena.unavailable };

  async function charts(url: URL): Promise<ChartsResponse & { athena?: unknown; updatedAt: string }> {
    const request = readChartRequest(url.searchParams);
    if (request.engine === 'athena') {
      const athena = options.athena;
      if (!(athena instanceof AthenaRunner)) {
        throw badRequest(
          `Parameter "engine" is "athena", but Athena is not available here: ${athena.unavailable}`,
        );
      }
      let bytesScanned = 0;
      let costUsd = 0;
      let cached = 0;
      const ids: string[] = [];
      // The page asks for "until now" on every refresh: whole minutes let repeated refreshes share
      // the runner's cache instead of paying for six new scans each time.
      const toMinute = (d: Date) => new Date(d.getTime() - (d.getTime() % 60_000));
      const athenaRequest = { ...request, from: toMinute(request.from), to: toMinute(request.to) };
      const response = await loadCharts(athenaRequest, 'athena', async (q) => {
        const result = await athena.run(q);
        if (result.cached) cached++;
        else {
          bytesScanned += result.bytesScanned;
          costUsd += result.costUsd;
        }
        ids.push(result.queryExecutionId);
        return result.rows;
      });
      return {
        ...response,
        athena: { bytesScanned, costUsd, queries: ids.length, cachedQueries: cached, queryExecutionIds: ids },
        updatedAt: new Date().toISOString(),
      };
    }
    const response = await loadCharts(request, 'postgres', (q) => options.db.query(q.sql, q.params));
    return { ...response, updatedAt: new Date().toISOString() };
  }

  function datasets(url: URL) {
    readParams(url.searchParams, []);
    return {
      refreshSeconds: options.refreshSeconds ?? 5,
      athena: athenaStatus(),
      datasets: chartableDatasets().map((d) => {
        const measures = measuresOf(d);
        const plan = chartPlan(d, measures[0]);
        const time = timeColumn(d);
        return {
          name: d.name,
          label: d.label,
          description: d.description,
          time: { name: time.name, label: time.label },
          measures: measures.map((m) => ({ name: m.name, label: m.label, unit: m.unit ?? null })),
          share: plan.share.kind,
          // Athena charts read the lake's NDJSON tables; other formats have tables of their own shape.
          athena: d.format === 'ndjson',
        };
      }),
      accessLogs: DATASETS.some((d) => d.name === 's3_access_logs'),
    };
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    const host = req.headers.host;
    if (!origin || !host || !sameHost(origin, host)) {
      throw new HttpError(
        403,
        'Login requests must come from this site (the Origin header is missing or foreign).',
      );
    }
    const wait = limiter.attempt(clientAddress(req));
    if (wait > 0) {
      log('login rate limited', { client: clientAddress(req) });
      return sendHtml(res, 429, loginPage(`Too many login attempts. Try again in ${wait} seconds.`), {
        'Retry-After': String(wait),
      });
    }
    const body = await readBody(req, 4096);
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    let password: unknown;
    if (type === 'application/x-www-form-urlencoded') password = new URLSearchParams(body).get('password');
    else if (type === 'application/json') {
      try {
        password = (JSON.parse(body) as { password?: unknown }).password;
      } catch {
        throw badRequest('The login body is not valid JSON; send {"password": "..."}.');
      }
    } else {
      throw new HttpError(
        415,
        'Send the login form as application/x-www-form-urlencoded or application/json.',
      );
    }
    if (typeof password !== 'string' || !signer.checkPassword(password)) {
      log('login failed', { client: clientAddress(req) });
      return sendHtml(res, 401, loginPage('That password is not right.'));
    }
    const { token, expires } = signer.issue();
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      Location: '/',
      'Set-Cookie': sessionCookie(token, expires),
      'Cache-Control': 'no-store',
    });
    res.end();
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const { pathname } = url;

    if (pathname === '/health') {
      // Answers without touching the database, so health checks never keep Aurora awake.
      assertMethod(method, ['GET', 'HEAD']);
      return sendJson(res, 200, { status: 'ok' });
    }
    if (pathname === '/login') {
      if (method === 'POST') return login(req, res);
      assertMethod(method, ['GET', 'HEAD']);
      if (authenticated(req)) return redirect(res, '/');
      return sendHtml(res, 200, loginPage());
    }
    if (pathname === '/logout') {
      assertMethod(method, ['POST']);
      const origin = req.headers.origin;
      if (!origin || !req.headers.host || !sameHost(origin, req.headers.host)) {
        throw new HttpError(403, 'Logout requests must come from this site.');
      }
      res.writeHead(303, { ...SECURITY_HEADERS, Location: '/login', 'Set-Cookie': clearedSessionCookie() });
      res.end();
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204, { ...SECURITY_HEADERS, 'Cache-Control': 'max-age=86400' });
      res.end();
      return;
    }
    const asset = STATIC[pathname];
    if (asset) {
      assertMethod(method, ['GET', 'HEAD']);
      const body = await readPublic(asset.file ? path.join(publicDir, asset.file) : echartsFile);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Cache-Control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }

    if (!authenticated(req)) {
      if (pathname.startsWith('/api/'))
        throw new HttpError(401, 'Log in first: this endpoint needs a session.');
      if (pathname === '/') return redirect(res, '/login');
      throw new HttpError(404, `Nothing here: ${pathname}.`);
    }

    if (pathname === '/') {
      assertMethod(method, ['GET', 'HEAD']);
      const body = await readPublic(path.join(publicDir, 'index.html'));
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    if (!pathname.startsWith('/api/')) throw new HttpError(404, `Nothing here: ${pathname}.`);
    assertMethod(method, ['GET']);
    switch (pathname) {
      case '/api/datasets':
        return sendJson(res, 200, datasets(url));
      case '/api/charts':
        return sendJson(res, 200, await charts(url));
      case '/api/access-logs':
        return sendJson(res, 200, {
          ...(await accessLogOverview(options.db, readAccessLogRequest(url.searchParams))),
          updatedAt: new Date().toISOString(),
        });
      case '/api/access-logs/key':
        return sendJson(res, 200, {
          ...(await accessLogKey(options.db, readAccessLogKeyRequest(url.searchParams))),
          updatedAt: new Date().toISOString(),
        });
      case '/api/database':
        readParams(url.searchParams, []);
        return sendJson(res, 200, {
          ...(await databaseStatus(options.db)),
          updatedAt: new Date().toISOString(),
        });
      default:
        throw new HttpError(404, `Unknown API endpoint ${pathname}.`);
    }
  }

  return async (req, res) => {
    const started = Date.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      return sendJson(res, 400, { error: 'The request URL cannot be parsed.' });
    }
    try {
      await route(req, res, url);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        sendJson(res, err.status, { error: err.message }, err.headers);
      } else if (isRetryableDataApiError(err)) {
        sendJson(
          res,
          503,
          {
            state: 'resuming',
            retryAfter: RESUME_RETRY_SECONDS,
            error: 'The database is waking up from zero capacity; this takes a few seconds. Retrying.',
          },
          { 'Retry-After': String(RESUME_RETRY_SECONDS) },
        );
      } else {
        const message = err instanceof Error ? err.message : String(err);
        log('request failed', { path: url.pathname, error: message });
        sendJson(res, 500, { error: `The query failed: ${message}` });
      }
    } finally {
      if (url.pathname !== '/health') {
        log('request', {
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Date.now() - started,
        });
      }
    }
  };
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function assertMethod(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpError(405, `Method ${method} is not allowed here; use ${allowed.join(' or ')}.`, {
      Allow: allowed.join(', '),
    });
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `The request body is larger than ${limit} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login page: a plain form, no script needed. */
export function loginPage(message?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Analytics dashboard</title>
<link rel="stylesheet" href="/static/styles.css">
</head>
<body class="login">
<main class="login-box">
<h1>Analytics dashboard</h1>
<form method="post" action="/login">
<input type="text" name="username" value="dashboard" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<p class="hint">The password is in AWS Secrets Manager (see the README); locally, <code>npm start</code> prints it.</p>
</main>
</body>
</html>
`;
}
