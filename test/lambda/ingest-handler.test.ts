import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../lambda/ingest/handler';
import { startS3Server, type ObjectCreated, type S3Server } from '../../local/s3-server';

let s3: S3Server;
let handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;
const created: ObjectCreated[] = [];

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-handler-'));
  fs.mkdirSync(path.join(root, 'lake'));
  s3 = await startS3Server({ root });
  s3.events.on('object-created', (e) => created.push(e));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LAKE_BUCKET: 'lake',
  });
  ({ handler } = await import('../../lambda/ingest/handler'));
});

afterAll(async () => {
  await s3?.close();
});

function event(
  pathName: string,
  body: Buffer | string | undefined,
  headers: Record<string, string> = {},
  method = 'POST',
) {
  const binary = Buffer.isBuffer(body);
  return {
    rawPath: pathName,
    headers,
    body: body === undefined ? undefined : binary ? body.toString('base64') : body,
    isBase64Encoded: binary,
    requestContext: { http: { method }, requestId: 'test' },
  } satisfies FunctionUrlEvent;
}

const record = {
  symbol: 'AAPL',
  trade_id: 'T-1',
  price: '190.1200',
  volume: '10',
  traded_at: '2024-05-01T09:30:00Z',
};

describe('ingest handler (Function URL events, local S3 stand-in)', () => {
  it('writes a gzip base64 body to the lake and answers 200 with the report', async () => {
    const result = await handler(
      event('/trades', gzipSync(JSON.stringify([record])), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      }),
    );
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as { accepted: number; objectKey: string };
    expect(body.accepted).toBe(1);
    expect(created.map((c) => c.key)).toContain(body.objectKey);
    expect(fs.existsSync(path.join(s3.root, 'lake', body.objectKey))).toBe(true);
  });

  it('answers 422 when every record is rejected', async () => {
    const result = await handler(event('/trades', JSON.stringify([{ ...record, price: 'free' }])));
    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body).results[0].errors[0].field).toBe('price');
  });

  it('answers 404 for an unknown dataset and lists the known ones', async () => {
    const result = await handler(event('/nope', '[]'));
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).knownDatasets).toEqual(
      expect.arrayContaining(['usage', 'trades', 'samples']),
    );
  });

  it('answers 405 for a GET and 400 for a missing body', async () => {
    expect((await handler(event('/usage', undefined, {}, 'GET'))).statusCode).toBe(405);
    const empty = await handler(event('/usage', undefined));
    expect([empty.statusCode, JSON.parse(empty.body).error]).toEqual([400, 'EmptyBody']);
  });
});

/** The structured lines the handler logged through `console`, parsed. */
function loggedLines(spies: ReturnType<typeof vi.spyOn>[]): Record<string, unknown>[] {
  return spies.flatMap((spy) =>
    spy.mock.calls.map((call: unknown[]) => {
      const [first] = call as unknown[];
      return (typeof first === 'string' ? JSON.parse(first) : first) as Record<string, unknown>;
    }),
  );
}

describe('requests refused as a whole', () => {
  let spies: ReturnType<typeof vi.spyOn>[];
  const silence = () => {
    spies = (['info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => undefined),
    );
  };
  afterEach(() => {
    for (const spy of spies ?? []) spy.mockRestore();
    process.env.LAKE_BUCKET = 'lake';
  });

  it('answers a deeply nested body with a 4xx naming the problem, not a 500 "retry"', async () => {
    silence();
    const deep = `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`;
    const result = await handler(event('/samples', deep, { 'content-type': 'application/json' }));
    expect(result.statusCode).toBe(422);
    expect(result.body).toMatch(/nested more than \d+ levels/);
    expect(result.body).not.toMatch(/retry/i);
  });

  it('answers 415 for a body that is not JSON or NDJSON', async () => {
    silence();
    const result = await handler(event('/trades', JSON.stringify([record]), { 'content-type': 'image/png' }));
    expect(result.statusCode).toBe(415);
  });

  it('leaves one structured log line with the dataset for each request refused as a whole', async () => {
    silence();
    await handler(event('/trades', '{"not":', { 'content-type': 'application/json' }));
    const lines = loggedLines(spies);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      message: 'ingest request refused',
      dataset: 'trades',
      status: 400,
      error: 'MalformedJson',
      requestId: 'test',
    });
  });

  it('answers 503 "retry" only when the lake could not be written, logging the dataset and object key', async () => {
    silence();
    process.env.LAKE_BUCKET = 'no-such-bucket';
    const result = await handler(
      event('/trades', JSON.stringify([record]), { 'content-type': 'application/json' }),
    );
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).message).toMatch(/retry the same request/);
    const lines = loggedLines(spies);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      message: 'ingest request failed',
      dataset: 'trades',
      status: 503,
      objectKey: expect.stringMatching(/^raw\/trades\/dt=2024-05-01\/[0-9a-f]{64}\.ndjson\.gz$/),
    });
  });
});
