/**
 * The dashboard's request handler: the route table, and the one dispatcher that applies to every
 * route what it needs: the method, the same-origin check of requests that change state, the session
 * (signature, then revocation: ./sessions.ts), the query check of API routes, and the error
 * answers (./error-response.ts). Each route's work lives in the module named beside it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../../db/database';
import { apiRoutes, type ApiRoute, type AthenaOption } from './api';
import type { ApiPath } from './contract';
import { LoginRateLimiter, SessionSigner } from './auth';
import type { ClientAddressSource } from './client-address';
import { sendError } from './error-response';
import { HttpError } from './http-error';
import { assertSameOrigin, redirect, sendEmpty, sendJson } from './http';
import { jsonLog, type Log } from './log';
import { loginFlow, signedSession } from './login';
import { parseQuery, quote } from './params';
import { SessionRevocations } from './sessions';
import { StaticFiles } from './static-files';

export interface DashboardOptions {
  readonly db: Database;
  /** The login password; the session signing key is derived from it. At least 12 characters. */
  readonly password: string;
  /** The full-history engine, or why it is unavailable. */
  readonly athena: AthenaOption;
  /**
   * Which address the login rate limit counts attempts against (./client-address.ts).
   * @default 'socket': the TCP peer (local, and the Lambda Function URL adapter)
   */
  readonly clientAddress?: ClientAddressSource;
  /** How often the page refreshes its charts, in seconds. @default 5 */
  readonly refreshSeconds?: number;
  /** Where index.html and styles.css live. @default dashboard-app/public */
  readonly publicDir?: string;
  /** The page script built by esbuild. @default dashboard-app/dist/page/app.js */
  readonly pageScript?: string;
  /** The ECharts browser bundle. @default public/vendor/echarts.min.js, else node_modules */
  readonly echartsFile?: string;
  /** @default 5 attempts per client per minute, 10,000 clients remembered */
  readonly loginLimiter?: LoginRateLimiter;
  /** @default one JSON line per message on stdout */
  readonly log?: Log;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly url: URL;
}

/** A route served as it is: pages, files and the login flow. */
interface PageRoute {
  readonly kind: 'page';
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** `session`: only with a valid session; without one, a redirect to the login page. */
  readonly access: 'public' | 'session';
  handle(request: Request): Promise<void> | void;
}

/** A JSON route of the page's API: always behind a session, its query checked before it runs. */
interface JsonRoute {
  readonly kind: 'api';
  readonly method: 'GET';
  readonly path: ApiPath;
  readonly access: 'session';
  readonly api: ApiRoute;
}

type Route = PageRoute | JsonRoute;

const page = (
  method: PageRoute['method'],
  path: string,
  access: PageRoute['access'],
  handle: PageRoute['handle'],
): PageRoute => ({ kind: 'page', method, path, access, handle });

export function createDashboardHandler(options: DashboardOptions): RequestHandler {
  const signer = new SessionSigner(options.password);
  const log = options.log ?? jsonLog;
  const revocations = new SessionRevocations(options.db);
  const files = new StaticFiles(options);
  const login = loginFlow({
    signer,
    limiter: options.loginLimiter ?? new LoginRateLimiter(),
    revocations,
    clientAddress: options.clientAddress ?? 'socket',
    log,
  });
  const api = apiRoutes({
    db: revocations.observed(),
    athena: options.athena,
    refreshSeconds: options.refreshSeconds ?? 5,
  });
  const json = (path: ApiPath): JsonRoute => ({
    kind: 'api',
    method: 'GET',
    path,
    access: 'session',
    api: api[path],
  });

  const routes: readonly Route[] = [
    // Answers without touching the database, so health checks never keep Aurora awake.
    page('GET', '/health', 'public', ({ res }) => sendJson(res, 200, { status: 'ok' })),
    page('GET', '/login', 'public', ({ req, res }) => login.form(req, res)),
    page('POST', '/login', 'public', ({ req, res }) => login.submit(req, res)),
    page('POST', '/logout', 'public', ({ req, res }) => login.logout(req, res)),
    page('GET', '/favicon.ico', 'public', ({ res }) =>
      sendEmpty(res, 204, { 'Cache-Control': 'max-age=86400' }),
    ),
    ...[...files.assets.keys()].map((path) =>
      page('GET', path, 'public', ({ res, method }) => files.sendAsset(res, method, path)),
    ),
    page('GET', '/', 'session', ({ res, method }) => files.sendPage(res, method)),
    json('/api/datasets'),
    json('/api/charts'),
    json('/api/access-logs'),
    json('/api/access-logs/key'),
    json('/api/database'),
  ];

  const byPath = new Map<string, Route[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);

  /** The route for the method; HEAD is served by a page's GET. Throws 405 with the allowed methods. */
  function select(candidates: Route[], method: string): Route {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const route = candidates.find((r) => r.method === wanted && (method !== 'HEAD' || r.kind === 'page'));
    if (route) return route;
    const allowed = candidates.flatMap((r) =>
      r.kind === 'page' && r.method === 'GET' ? ['GET', 'HEAD'] : [r.method],
    );
    throw new HttpError(405, `Method ${quote(method)} is not allowed here; use ${allowed.join(' or ')}.`, {
      Allow: allowed.join(', '),
    });
  }

  async function dispatch(request: Request): Promise<void> {
    const { req, res, method, url } = request;
    const candidates = byPath.get(url.pathname);
    if (!candidates) {
      if (url.pathname.startsWith('/api/') && !signedSession(signer, req)) {
        throw new HttpError(401, 'Log in first: this endpoint needs a session.');
      }
      throw new HttpError(404, `Nothing here: ${quote(url.pathname)}.`);
    }
    const route = select(candidates, method);
    if (route.method !== 'GET') assertSameOrigin(req);

    // A session counts when its signature holds and it was not ended (./sessions.ts).
    if (route.kind === 'page') {
      if (route.access === 'session') {
        const session = signedSession(signer, req);
        if (!session || (await revocations.isRevoked(session, false))) return redirect(res, '/login');
      }
      return route.handle(request);
    }
    // API: the signature first, so nobody without a session learns which parameters exist.
    const session = signedSession(signer, req);
    if (!session) throw new HttpError(401, 'Log in first: this endpoint needs a session.');
    const prepared = route.api.prepare(parseQuery(url.search));
    if (await revocations.isRevoked(session, prepared.queriesDatabase)) {
      throw new HttpError(401, 'This session has ended; log in again.');
    }
    sendJson(res, 200, await prepared.answer());
  }

  return async (req, res) => {
    const started = Date.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    res.setHeader('X-Request-Id', requestId);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      return sendJson(res, 400, { error: 'The request URL cannot be parsed.', requestId });
    }
    try {
      await dispatch({ req, res, method, url });
    } catch (err) {
      sendError(res, err, { requestId, method, path: url.pathname }, log);
    } finally {
      if (url.pathname !== '/health') {
        log('request', {
          level: 'info',
          requestId,
          method,
          path: url.pathname,
          status: res.statusCode,
          ms: Date.now() - started,
        });
      }
    }
  };
}
