import { describe, expect, it } from 'vitest';
import { getDataset } from '../../datasets';
import { recordValidator } from '../../datasets/validate';
import {
  generateSamples,
  generateTrades,
  generateUsage,
  population,
} from '../../lambda/generator/generators';
import { Random } from '../../lambda/generator/random';
import { datasetUrl, sendGeneratedBatches } from '../../lambda/generator/send-batches';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { regionOfFunctionUrl, signedPost } from '../../lambda/generator/sigv4';

const now = new Date('2024-06-01T12:00:00Z');

describe('generators', () => {
  it.each([
    ['usage', generateUsage],
    ['trades', generateTrades],
    ['samples', generateSamples],
  ] as const)('every generated %s record passes validation', (name, generate) => {
    const validate = recordValidator(getDataset(name));
    for (const record of generate({ count: 2000, now, random: new Random(1) })) {
      const result = validate(record);
      if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
    }
  });

  it('is deterministic for a seed', () => {
    const a = generateUsage({ count: 20, now, random: new Random(42) });
    const b = generateUsage({ count: 20, now, random: new Random(42) });
    expect(a).toEqual(b);
  });

  it('usage has believable names, ages and speeds', () => {
    const records = generateUsage({ count: 5000, now, random: new Random(3) });
    for (const r of records) expect(r.person_name).toMatch(/^\S+ \S+$/);
    const ages = population(60).map((p) => 2024 - Number(p.birthDate.slice(0, 4)));
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...ages)).toBeLessThanOrEqual(86);
    const speeds = records.map((r) => r.download_speed as number).sort((x, y) => x - y);
    const median = speeds[Math.floor(speeds.length / 2)];
    expect(median).toBeGreaterThan(20);
    expect(median).toBeLessThan(200);
    for (const r of records) expect(r.upload_speed as number).toBeLessThanOrEqual(r.download_speed as number);
  });

  it('samples: normal(100, 15), a random walk, weighted categories, a 7:3 flag ratio, offsets kept', () => {
    const records = generateSamples({ count: 20000, now, random: new Random(9), walkStart: 100 });
    const normals = records.map((r) => r.normal as number);
    const mean = normals.reduce((s, x) => s + x, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((s, x) => s + (x - mean) ** 2, 0) / normals.length);
    expect(mean).toBeGreaterThan(99);
    expect(mean).toBeLessThan(101);
    expect(sd).toBeGreaterThan(14);
    expect(sd).toBeLessThan(16);
    const trueShare = records.filter((r) => r.flag === true).length / records.length;
    expect(trueShare).toBeGreaterThan(0.68);
    expect(trueShare).toBeLessThan(0.72);
    const alpha = records.filter((r) => r.category === 'alpha').length / records.length;
    expect(alpha).toBeGreaterThan(0.37);
    expect(alpha).toBeLessThan(0.43);
    // A walk moves by small steps.
    for (let i = 1; i < records.length; i++) {
      expect(Math.abs((records[i].walk as number) - (records[i - 1].walk as number))).toBeLessThan(6);
    }
    expect(
      records.some(
        (r) =>
          /[+-]\d{2}:\d{2}$/.test(r.sampled_at as string) && !(r.sampled_at as string).endsWith('+00:00'),
      ),
    ).toBe(true);
  });

  it('trades have ascending times and decimal strings', () => {
    const records = generateTrades({ count: 100, now, random: new Random(5) });
    for (let i = 1; i < records.length; i++)
      expect(records[i].traded_at! >= records[i - 1].traded_at!).toBe(true);
    for (const r of records) expect(r.price).toMatch(/^\d+\.\d+$/);
  });
});

describe('sendGeneratedBatches', () => {
  it('POSTs one NDJSON batch per dataset to <url>/<dataset> and reports each answer', async () => {
    const posts: { url: string; lines: number; type: string }[] = [];
    const results = await sendGeneratedBatches({
      ingestUrl: 'http://127.0.0.1:9/',
      count: 5,
      now,
      random: new Random(1),
      post: async (url, body, headers) => {
        posts.push({
          url,
          lines: Buffer.from(body).toString().trim().split('\n').length,
          type: headers['content-type'],
        });
        return url.endsWith('/trades')
          ? { status: 500, body: '{"message":"boom"}' }
          : { status: 200, body: '{"accepted":5,"rejected":0}' };
      },
    });
    expect(posts.map((p) => p.url)).toEqual([
      'http://127.0.0.1:9/usage',
      'http://127.0.0.1:9/trades',
      'http://127.0.0.1:9/samples',
    ]);
    expect(posts.every((p) => p.lines === 5 && p.type === 'application/x-ndjson')).toBe(true);
    expect(results.find((r) => r.dataset === 'trades')).toMatchObject({ status: 500, error: 'boom' });
    expect(results.find((r) => r.dataset === 'usage')).toMatchObject({ status: 200, accepted: 5 });
  });

  it('builds dataset URLs and finds the region of Function URLs', () => {
    expect(datasetUrl('https://abc.lambda-url.eu-west-1.on.aws/', 'usage')).toBe(
      'https://abc.lambda-url.eu-west-1.on.aws/usage',
    );
    expect(regionOfFunctionUrl(new URL('https://abc.lambda-url.eu-west-1.on.aws/'))).toBe('eu-west-1');
    expect(regionOfFunctionUrl(new URL('http://127.0.0.1:4010/'))).toBeUndefined();
  });
});

describe('signedPost', () => {
  it('signs the request with SigV4 for the lambda service, with the body hash', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200).end('{"accepted":1}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      const port = (server.address() as AddressInfo).port;
      const result = await signedPost(`http://127.0.0.1:${port}/usage`, Buffer.from('{}\n'), {
        'content-type': 'application/x-ndjson',
      });
      expect(result).toEqual({ status: 200, body: '{"accepted":1}' });
      expect(seen[0].authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      );
      expect(seen[0]['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    } finally {
      process.env = saved;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
