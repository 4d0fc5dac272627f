import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type ObjectCreated, type S3Server } from '../../local/s3-server';

/**
 * The S3 stand-in driven by the real SDK client the way the AWS CLI drives S3 (`aws s3 ls`, `cp`,
 * `sync`, `rm`): ListObjectsV2 with a delimiter, `encoding-type=url` and pages, multipart uploads
 * above the CLI's 8 MiB threshold, HeadObject, ranged GetObject. The CLI itself is not installed
 * here; these are the requests it sends.
 */

let server: S3Server;
let s3: S3Client;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 's3-stand-in-'));
const created: ObjectCreated[] = [];
const BUCKET = 'lake';

beforeAll(async () => {
  server = await startS3Server({ root });
  server.events.on('object-created', (e) => created.push(e));
  s3 = new S3Client({
    endpoint: server.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const key of [
    'cli-test.ndjson.gz',
    'raw/usage/dt=2024-01-01/a.ndjson.gz',
    'raw/usage/dt=2024-01-01/b.ndjson.gz',
    'raw/usage/dt=2024-01-02/c.ndjson.gz',
    'raw/trades/dt=2024-01-01/d.ndjson.gz',
    'rejected/usage/x.json',
    'with space/and+plus é.txt',
  ]) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
  }
});

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('ListObjectsV2 as `aws s3 ls` and `aws s3 sync` send it', () => {
  it('groups keys under CommonPrefixes with a delimiter (aws s3 ls s3://lake/ shows PRE raw/)', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/', Prefix: '' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['raw/', 'rejected/', 'with space/']);
    expect(top.Contents?.map((o) => o.Key)).toEqual(['cli-test.ndjson.gz']);
    expect(top.KeyCount).toBe(4);
    expect(top.Delimiter).toBe('/');

    const usage = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/', Prefix: 'raw/usage/' }),
    );
    expect(usage.CommonPrefixes?.map((p) => p.Prefix)).toEqual([
      'raw/usage/dt=2024-01-01/',
      'raw/usage/dt=2024-01-02/',
    ]);
    expect(usage.Contents).toBeUndefined();
  });

  it('URL-encodes keys and prefixes with encoding-type=url, as the CLI asks', async () => {
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Delimiter: '/',
        Prefix: 'with space/',
        EncodingType: 'url',
      }),
    );
    expect(listed.EncodingType).toBe('url');
    expect(listed.Prefix).toBe('with%20space/');
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['with%20space/and%2Bplus%20%C3%A9.txt']);
    expect(decodeURIComponent(listed.Contents![0].Key!)).toBe('with space/and+plus é.txt');
  });

  it('honours max-keys and continuation tokens, counting common prefixes as entries', async () => {
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: BUCKET })) {
      pages++;
      expect(page.MaxKeys).toBe(2);
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(pages).toBe(4);
    expect(keys).toEqual([
      'cli-test.ndjson.gz',
      'raw/trades/dt=2024-01-01/d.ndjson.gz',
      'raw/usage/dt=2024-01-01/a.ndjson.gz',
      'raw/usage/dt=2024-01-01/b.ndjson.gz',
      'raw/usage/dt=2024-01-02/c.ndjson.gz',
      'rejected/usage/x.json',
      'with space/and+plus é.txt',
    ]);

    const entries: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 1 },
      { Bucket: BUCKET, Delimiter: '/' },
    )) {
      expect(page.KeyCount).toBe(1);
      entries.push(
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
        ...(page.Contents ?? []).map((o) => o.Key!),
      );
    }
    expect(entries).toEqual(['cli-test.ndjson.gz', 'raw/', 'rejected/', 'with space/']);
  });

  it('starts after StartAfter, and reports Size, ETag and LastModified for sync to compare', async () => {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: 'raw/usage/dt=2024-01-02/c.ndjson.gz' }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toEqual([
      'rejected/usage/x.json',
      'with space/and+plus é.txt',
    ]);
    const [first] = listed.Contents!;
    expect(first.Size).toBe('body of rejected/usage/x.json'.length);
    expect(first.ETag).toBe(`"${createHash('md5').update('body of rejected/usage/x.json').digest('hex')}"`);
    expect(first.LastModified).toBeInstanceOf(Date);
  });

  it('refuses a malformed percent-encoding in the path with InvalidURI', async () => {
    const response = await fetch(`${server.url}/${BUCKET}/raw/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidURI</Code>');
  });

  it('refuses a max-keys that is not a number with InvalidArgument', async () => {
    const response = await fetch(`${server.url}/${BUCKET}?list-type=2&max-keys=lots`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidArgument</Code>');
  });
});

describe('buckets', () => {
  it('lists buckets (aws s3 ls) and answers HeadBucket', async () => {
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual([BUCKET]);
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'nope' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('multipart upload above the CLI threshold (8 MiB parts), HeadObject and ranged GetObject', () => {
  const MiB = 1024 * 1024;
  const data = randomBytes(8 * MiB + 123_457);
  const key = 'raw/usage/dt=2024-02-01/big.ndjson.gz';

  it('assembles the parts, reports the multipart ETag and emits one object-created event', async () => {
    created.length = 0;
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ContentType: 'application/gzip' }),
    );
    expect(UploadId).toBeTruthy();
    const chunks = [data.subarray(0, 8 * MiB), data.subarray(8 * MiB)];
    const parts = [];
    for (const [i, chunk] of chunks.entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body: chunk }),
      );
      expect(ETag).toBe(`"${createHash('md5').update(chunk).digest('hex')}"`);
      parts.push({ ETag, PartNumber: i + 1 });
    }
    expect(created).toEqual([]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const expectedEtag = `${createHash('md5')
      .update(Buffer.concat(chunks.map((c) => createHash('md5').update(c).digest())))
      .digest('hex')}-2`;
    expect(done.ETag).toBe(`"${expectedEtag}"`);
    expect(created).toEqual([{ bucket: BUCKET, key, etag: expectedEtag, size: data.length }]);

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ETag).toBe(`"${expectedEtag}"`);
    expect(head.ContentType).toBe('application/gzip');
    expect(head.AcceptRanges).toBe('bytes');

    const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('answers byte ranges with 206 and Content-Range, as the CLI downloads large objects', async () => {
    const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: 'bytes=100-199' }));
    expect(ranged.$metadata.httpStatusCode).toBe(206);
    expect(ranged.ContentRange).toBe(`bytes 100-199/${data.length}`);
    expect(ranged.ContentLength).toBe(100);
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(data.subarray(100, 200))).toBe(true);

    const open = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=${8 * 1024 * 1024}-` }),
    );
    expect(Buffer.from(await open.Body!.transformToByteArray()).equals(data.subarray(8 * 1024 * 1024))).toBe(
      true,
    );
    const suffix = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: 'bytes=-10' }));
    expect(
      Buffer.from(await suffix.Body!.transformToByteArray()).equals(data.subarray(data.length - 10)),
    ).toBe(true);
    await expect(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=${data.length + 5}-` })),
    ).rejects.toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  });

  it('refuses a part below 5 MiB that is not the last, and forgets an aborted upload', async () => {
    const small = 'raw/usage/dt=2024-02-01/small.ndjson.gz';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: small }));
    const one = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: small, UploadId, PartNumber: 1, Body: 'tiny' }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: small, UploadId, PartNumber: 2, Body: 'tiny too' }),
    );
    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: small,
          UploadId,
          MultipartUpload: {
            Parts: [
              { ETag: one.ETag, PartNumber: 1 },
              { ETag: two.ETag, PartNumber: 2 },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: small, UploadId }));
    await expect(
      s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: small, UploadId, PartNumber: 3, Body: 'x' })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: small }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('deleting many objects (aws s3 rm --recursive)', () => {
  it('deletes the listed keys and reports each', async () => {
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'rejected/usage/x.json' }, { Key: 'with space/and+plus é.txt' }] },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key).sort()).toEqual([
      'rejected/usage/x.json',
      'with space/and+plus é.txt',
    ]);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'rejected/' }));
    expect(rest.KeyCount).toBe(0);
  });
});
