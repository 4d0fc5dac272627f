/**
 * The `lambda` hosting end to end, locally: the function bundle that `cdk synth` builds for
 * `dashboardHosting=lambda` (esbuild output plus the copied static files) serves the real dashboard to
 * headless Chromium through a tiny HTTP shim that turns each request into a Function URL event
 * (payload format 2.0), as the Function URL service does. The function reads the same local Postgres
 * (PGlite behind the local Data API endpoint) as the other dashboard tests, through the real SDK.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPage } from '../../dashboard-app/build-page';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../dashboard-app/src/lambda-adapter';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import { synthApp } from '../support/synth';
import type { TestDatabase } from '../support/local-database';
import { launchChromium } from '../support/chromium';
import { addRecentUsageRows, chartState, collectProblems, startBrowserTestDatabase } from './browser-harness';

const PASSWORD = 'lambda-browser-password-42';
const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'dashboard-lambda');

type FunctionUrlHandler = (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;

let t: TestDatabase;
let assetDir: string;
let shim: Server;
let url: string;
let browser: Browser;
let page: Page;
const events: FunctionUrlEvent[] = [];
const problems: string[] = [];
const savedEnv = { ...process.env };

/** The folder of the dashboard function's asset in a cloud assembly synthesized with bundling. */
function dashboardFunctionAsset(): string {
  const app = synthApp(
    { dashboardHosting: 'lambda', 'aws:cdk:bundling-stacks': ['Dashboard'] },
    { nag: false },
  );
  const functions = Object.values(app.templates.Dashboard!.findResources('AWS::Lambda::Function'));
  expect(functions).toHaveLength(1);
  const key = String((functions[0]!.Properties.Code as { S3Key: string }).S3Key);
  return path.join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

/** What the Function URL service does with an HTTP request: a payload format 2.0 event. */
async function toEvent(req: IncomingMessage): Promise<FunctionUrlEvent> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const target = new URL(req.url ?? '/', 'http://shim.invalid');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name !== 'cookie' && value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);
  return {
    version: '2.0',
    rawPath: target.pathname,
    rawQueryString: target.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    requestContext: {
      http: { method: req.method ?? 'GET', sourceIp: req.socket.remoteAddress ?? '', protocol: 'HTTP/1.1' },
      requestId: `local-${events.length}`,
    },
    ...(body.length ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  t = await startBrowserTestDatabase();
  await addRecentUsageRows(t.db, 300);
  assetDir = dashboardFunctionAsset();

  // The function's environment, as the stack sets it, pointed at the local Data API endpoint.
  Object.assign(process.env, {
    DB_CLUSTER_ARN: LOCAL_CLUSTER_ARN,
    DB_SECRET_ARN: LOCAL_SECRET_ARN,
    DB_NAME: LOCAL_DATABASE,
    AWS_ENDPOINT_URL_RDS_DATA: t.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DASHBOARD_PASSWORD: PASSWORD,
    DASHBOARD_CLIENT_ADDRESS: 'socket',
    DASHBOARD_REFRESH_SECONDS: '2',
  });
  const bundle = (await import(pathToFileURL(path.join(assetDir, 'index.mjs')).href)) as {
    handler: FunctionUrlHandler;
  };

  shim = createServer((req, res) => {
    void (async () => {
      const event = await toEvent(req);
      events.push(event);
      const result = await bundle.handler(event);
      // The Function URL service turns `cookies` into Set-Cookie headers and decodes a base64 body.
      res.writeHead(result.statusCode, {
        ...result.headers,
        ...(result.cookies?.length ? { 'set-cookie': result.cookies } : {}),
      });
      res.end(Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
    })().catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`shim: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve) => shim.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(shim.address() as AddressInfo).port}`;

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  collectProblems(page, problems);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (shim ? shim.close(() => resolve()) : resolve()));
  await t?.close();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('dashboard on Lambda behind a Function URL, in Chromium', () => {
  test('the function asset holds the bundle, the page and the ECharts bundle', () => {
    for (const file of [
      'index.mjs',
      'public/index.html',
      'public/styles.css',
      'public/vendor/echarts.min.js',
      'public/app.js',
    ]) {
      expect(fs.existsSync(path.join(assetDir, file)), file).toBe(true);
    }
  });

  test('the page script in the asset is the one npm start and the container build', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-bundle-'));
    try {
      await buildPage(path.join(dir, 'app.js'));
      expect(fs.readFileSync(path.join(assetDir, 'public', 'app.js'), 'utf8')).toBe(
        fs.readFileSync(path.join(dir, 'app.js'), 'utf8'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('logs in through the Function URL events', async () => {
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#password', 'not the password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/');
    const session = (await page.context().cookies()).find((c) => c.name === 'dashboard_session');
    expect(session).toMatchObject({ httpOnly: true, secure: true });
    const posted = events.find((e) => e.rawPath === '/login' && e.requestContext.http.method === 'POST');
    expect(posted?.requestContext.http.sourceIp).toBe('127.0.0.1');
  });

  test('shows six rendered charts, with ECharts served by the function', async () => {
    await page.waitForFunction(
      () => document.getElementById('updated')?.textContent?.startsWith('Updated'),
      undefined,
      {
        timeout: 30_000,
      },
    );
    const charts = await chartState(page);
    expect(charts).toHaveLength(6);
    for (const chart of charts) {
      expect(chart.canvas, chart.id).toBeGreaterThan(0);
      expect(chart.title, chart.id).not.toBe('');
    }
    expect(events.some((e) => e.rawPath === '/static/echarts.min.js')).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'metrics.png'), fullPage: true });
  });

  test('no script errors and no Content Security Policy violations', () => {
    const expected = /Failed to load resource: the server responded with a status of 401/;
    expect(problems.filter((p) => !expected.test(p))).toEqual([]);
  });
});
