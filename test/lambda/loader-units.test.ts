import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getDataset } from '../../datasets';
import { decodedChunks, splitLines } from '../../lambda/loader/lines';
import {
  decodeS3Key,
  encodeS3Key,
  objectsFromMessage,
  s3NotificationBody,
} from '../../lambda/loader/messages';
import { ndjsonParser } from '../../lambda/loader/ndjson-parser';
import { parserFor } from '../../lambda/loader/parsers';
import { routeObject, RoutingError } from '../../lambda/loader/route';
import type { ParseResult } from '../../lambda/loader/types';

async function* chunks(...parts: (string | Buffer)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('lines', () => {
  it('splits across chunk boundaries, handles CRLF, multi-byte characters and a last line without newline', async () => {
    const euro = Buffer.from('€');
    const lines = await collect(
      splitLines(chunks('a\r', '\nb', euro.subarray(0, 1), euro.subarray(1), '\n\nlast')),
    );
    expect(lines).toEqual(['a', 'b€', '', 'last']);
  });

  it('decompresses gzip bodies by their magic bytes, whatever the chunking', async () => {
    const gz = gzipSync('x\ny\n');
    const lines = await collect(
      splitLines(decodedChunks(chunks(gz.subarray(0, 1), gz.subarray(1, 5), gz.subarray(5)))),
    );
    expect(lines).toEqual(['x', 'y']);
    expect(await collect(splitLines(decodedChunks(chunks('plain\n'))))).toEqual(['plain']);
  });

  it('fails on a corrupt gzip body', async () => {
    const gz = gzipSync('x\n'.repeat(1000));
    await expect(
      collect(decodedChunks(chunks(gz.subarray(0, 20), Buffer.from('garbage')))),
    ).rejects.toThrow();
  });
});

describe('messages', () => {
  it('reads S3 event notifications, decoding keys', () => {
    const body = s3NotificationBody({
      bucket: 'lake',
      key: 'raw/usage/dt=2024-01-01/a b+c.ndjson.gz',
      etag: 'abc',
    });
    expect(objectsFromMessage(body)).toEqual([
      { bucket: 'lake', key: 'raw/usage/dt=2024-01-01/a b+c.ndjson.gz', etag: 'abc' },
    ]);
    expect(decodeS3Key(encodeS3Key('x y/ü+%.gz'))).toBe('x y/ü+%.gz');
  });

  it('reads EventBridge Object Created events', () => {
    const body = JSON.stringify({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: {
        bucket: { name: 'logs' },
        object: { key: 's3-access-logs/2024-01-01-00-00-00-ABC', etag: 'e1', size: 10 },
      },
    });
    expect(objectsFromMessage(body)).toEqual([
      { bucket: 'logs', key: 's3-access-logs/2024-01-01-00-00-00-ABC', etag: 'e1' },
    ]);
  });

  it('ignores the s3:TestEvent and non-create events', () => {
    expect(objectsFromMessage(JSON.stringify({ Event: 's3:TestEvent', Bucket: 'lake' }))).toEqual([]);
    const removed = JSON.parse(s3NotificationBody({ bucket: 'lake', key: 'k' })) as {
      Records: { eventName: string }[];
    };
    removed.Records[0].eventName = 'ObjectRemoved:Delete';
    expect(objectsFromMessage(JSON.stringify(removed))).toEqual([]);
  });

  it('throws on anything else (the message is poison)', () => {
    expect(() => objectsFromMessage('not json')).toThrow(/not JSON/);
    expect(() => objectsFromMessage('{"hello":1}')).toThrow(/neither an S3 event notification/);
  });
});

describe('route', () => {
  const config = { lakeBucket: 'lake', logBucket: 'logs', accessLogsPrefix: 's3-access-logs/' };

  it('routes raw/<dataset>/ keys in the lake to the dataset', () => {
    const route = routeObject(config, 'lake', 'raw/usage/dt=2024-01-01/x.ndjson.gz');
    expect(route.kind === 'load' && route.dataset.name).toBe('usage');
  });

  it('ignores other prefixes, other buckets and folder markers', () => {
    expect(routeObject(config, 'lake', 'rejected/usage/x.gz').kind).toBe('ignore');
    expect(routeObject(config, 'lake', 'raw/usage/').kind).toBe('ignore');
    expect(routeObject(config, 'elsewhere', 'raw/usage/x').kind).toBe('ignore');
    expect(routeObject(config, 'logs', 'other/x').kind).toBe('ignore');
  });

  it('routes access logs in the log bucket to s3_access_logs', () => {
    const route = routeObject(config, 'logs', 's3-access-logs/2024-01-01-00-00-00-ABC');
    expect(route.kind === 'load' && route.dataset.name).toBe('s3_access_logs');
  });

  it('throws for raw/ objects of an unknown dataset', () => {
    expect(() => routeObject(config, 'lake', 'raw/clicks/x.gz')).toThrow(RoutingError);
    expect(() => routeObject(config, 'lake', 'raw/clicks/x.gz')).toThrow(/no dataset "clicks"/);
  });
});

describe('ndjson parser', () => {
  it('yields rows, rejected lines with line numbers and reasons, and skipped blank lines', async () => {
    const parser = ndjsonParser(getDataset('trades'));
    const good = {
      trade_id: 't1',
      symbol: 'AAPL',
      price: 1.5,
      volume: '2',
      traded_at: '2024-01-01T00:00:00Z',
    };
    const results: ParseResult[] = await collect(
      parser.parse(chunksOf([JSON.stringify(good), '', '{bad json', JSON.stringify({ ...good, price: -1 })])),
    );
    expect(results.map((r) => r.kind)).toEqual(['row', 'skipped', 'rejected', 'rejected']);
    expect(results[0]).toEqual({
      kind: 'row',
      row: { ...good, price: '1.5', traded_at: '2024-01-01T00:00:00.000Z' },
      lineNumber: 1,
      raw: JSON.stringify(good),
    });
    expect(results[2]).toMatchObject({
      lineNumber: 3,
      raw: '{bad json',
      reason: expect.stringContaining('invalid JSON'),
    });
    expect(results[3]).toMatchObject({
      lineNumber: 4,
      reason: expect.stringContaining('below the minimum 0'),
    });
  });

  it('is the registered parser of ndjson datasets', () => {
    expect(() => parserFor(getDataset('usage'))).not.toThrow();
  });
});

async function* chunksOf(lines: string[]): AsyncIterable<string> {
  yield* lines;
}
