import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import { startLocalIngestion, type LocalIngestion } from '../../local/ingestion';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { testIngestionOptions } from '../support/local-platform';

/**
 * Every local endpoint refuses what a web page could send it (a foreign Origin, a cross-site fetch,
 * a DNS-rebound Host, a form-encodable body where the API speaks JSON), and still serves the SDK.
 */

let t: TestDatabase;
let local: LocalIngestion;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'request-guard-'));

beforeAll(async () => {
  t = await startTestDatabase();
  local = await startLocalIngestion(testIngestionOptions(t.endpoint, dataDir));
});
afterAll(async () => {
  await local?.close();
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A raw request, so that Host, Origin and Sec-Fetch-Site can be set as a browser would. */
function request(
  base: string,
  pathName: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const url = new URL(pathName, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: {
          ...(init.body !== undefined ? { 'content-length': Buffer.byteLength(init.body) } : {}),
          ...init.headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const execute = {
  resourceArn: LOCAL_CLUSTER_ARN,
  secretArn: LOCAL_SECRET_ARN,
  database: LOCAL_DATABASE,
  sql: 'SELECT 1 AS one',
};
const executeBody = JSON.stringify(execute);

describe('the local Data API endpoint', () => {
  it('runs SQL for the SDK and for a same-origin JSON request', async () => {
    const sdk = await t.client.send(new ExecuteStatementCommand(execute));
    expect(sdk.records).toEqual([[{ longValue: 1 }]]);
    const host = new URL(t.endpoint).host;
    const sameOrigin = await request(t.endpoint, '/Execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://${host}` },
      body: executeBody,
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('refuses a text/plain body (a cross-site form post needs no preflight)', async () => {
    const response = await request(t.endpoint, '/Execute', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: executeBody,
    });
    expect(response.status).toBe(415);
    expect(response.body).toContain('Content-Type');
  });

  it('refuses a foreign Origin and a DNS-rebound Host', async () => {
    const foreign = await request(t.endpoint, '/Execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: executeBody,
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('Origin');
    const rebound = await request(t.endpoint, '/Execute', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: `evil.example:${new URL(t.endpoint).port}` },
      body: executeBody,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('Host');
  });
});

describe('the local ingest endpoint', () => {
  const record = JSON.stringify([
    { trade_id: 'guard-1', symbol: 'X', price: '1', volume: '1', traded_at: '2024-03-01T00:00:00Z' },
  ]);

  it('refuses a foreign Origin and a DNS-rebound Host, and writes nothing', async () => {
    const foreign = await request(local.ingestUrl, '/trades', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: record,
    });
    expect(foreign.status).toBe(403);
    const rebound = await request(local.ingestUrl, '/trades', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: 'attacker.example' },
      body: record,
    });
    expect(rebound.status).toBe(403);
    expect(fs.existsSync(path.join(local.s3.root, local.lakeBucket, 'raw', 'trades'))).toBe(false);
  });

  it('accepts the same request from a local program', async () => {
    const response = await request(local.ingestUrl, '/trades', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: record,
    });
    expect(response.status).toBe(200);
  });
});

describe('the local S3 stand-in', () => {
  const s3 = () =>
    new S3Client({
      endpoint: local.s3Url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

  it('serves the SDK', async () => {
    const client = s3();
    try {
      await client.send(new PutObjectCommand({ Bucket: local.logBucket, Key: 'guard/ok.txt', Body: 'ok' }));
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: local.logBucket, Prefix: 'guard/' }),
      );
      expect(listed.Contents?.map((o) => o.Key)).toEqual(['guard/ok.txt']);
    } finally {
      client.destroy();
    }
  });

  it('refuses cross-site reads, a foreign Origin and a DNS-rebound Host', async () => {
    const crossSite = await request(local.s3Url, `/${local.logBucket}/guard/ok.txt`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain('AccessDenied');
    const foreign = await request(local.s3Url, `/${local.logBucket}/guard/evil.txt`, {
      method: 'PUT',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: 'evil',
    });
    expect(foreign.status).toBe(403);
    const rebound = await request(local.s3Url, `/${local.logBucket}?list-type=2`, {
      headers: { host: 'rebind.example' },
    });
    expect(rebound.status).toBe(403);
    expect(fs.existsSync(path.join(local.s3.root, local.logBucket, 'guard', 'evil.txt'))).toBe(false);
  });
});

describe('the local loader queue', () => {
  it('refuses a text/plain body and a foreign Origin', async () => {
    const body = JSON.stringify({ QueueUrl: local.queueUrl, MessageBody: '{"Event":"s3:TestEvent"}' });
    const plain = await request(local.queueUrl, '/', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body,
    });
    expect(plain.status).toBe(415);
    const foreign = await request(local.queueUrl, '/', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessage',
        origin: 'http://localhost:3000',
      },
      body,
    });
    expect(foreign.status).toBe(403);
  });
});
