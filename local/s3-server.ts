import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BodyTooLargeError, closeServer, listen, readBody } from './http';
import { refuseForeignRequest } from './request-guard';
import { decodeAwsChunked, isAwsChunked } from './s3/aws-chunked';
import { listPage, listRequest, listXml } from './s3/listing';
import { ObjectStore, S3Error, type ObjectMeta } from './s3/store';
import { childTexts, element, xmlDocument, xmlEscape } from './s3/xml';

/**
 * A local stand-in for the parts of Amazon S3 the platform and the AWS CLI's `aws s3` commands use,
 * backed by a folder, path-style (`http://127.0.0.1:<port>/<bucket>/<key>`), so the real
 * `@aws-sdk/client-s3` (and `aws --endpoint-url`) work against it through `AWS_ENDPOINT_URL_S3`:
 * ListBuckets, CreateBucket, HeadBucket, ListObjectsV2, PutObject, GetObject (with Range),
 * HeadObject, DeleteObject, DeleteObjects and multipart uploads (Create, UploadPart, Complete,
 * Abort). Every new object emits `object-created`, like S3 event notifications. No authentication:
 * it listens on the loopback interface only and refuses requests from web pages
 * (`request-guard.ts`). Differences from S3 are listed in `local/README.md`.
 */

export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  /** Bare ETag (no quotes), as in S3 event notifications. */
  readonly etag: string;
  readonly size: number;
}

export interface S3ServerOptions {
  /** Folder holding `<bucket>/<key>` files. */
  readonly root: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface S3Server {
  readonly url: string;
  readonly root: string;
  /** Emits `object-created` with an `ObjectCreated` after each PutObject and CompleteMultipartUpload. */
  readonly events: EventEmitter<{ 'object-created': [ObjectCreated] }>;
  /** Every object of `bucket` under `prefix`, in key order. */
  listObjects(bucket: string, prefix?: string): Promise<{ key: string; etag: string; size: number }[]>;
  close(): Promise<void>;
}

/** Largest single PutObject or part, as on S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
const MAX_OBJECT_BYTES = 5 * 1024 * 1024 * 1024;
/** Largest XML request body (CompleteMultipartUpload with 10,000 parts, DeleteObjects with 1,000 keys). */
const MAX_XML_BYTES = 2 * 1024 * 1024;

/** The byte range of a `Range: bytes=...` header, undefined to send the whole object. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  // Several ranges, or a malformed header: S3 answers with the whole object.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const range =
    m[1] === ''
      ? { start: Math.max(0, size - Number(m[2])), end: size - 1 }
      : { start: Number(m[1]), end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
  if (range.start >= size || range.start > range.end) {
    throw new S3Error(416, 'InvalidRange', `The requested range is not satisfiable (object size ${size}).`);
  }
  return range;
}

function objectHeaders(meta: ObjectMeta): Record<string, string> {
  return {
    'Content-Type': meta.contentType,
    'Content-Length': String(meta.size),
    ETag: `"${meta.etag}"`,
    'Last-Modified': new Date(meta.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
}

function sendXml(res: http.ServerResponse, xml: string, status = 200): void {
  res
    .writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) })
    .end(xml);
}

export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const store = new ObjectStore(options.root);
  await store.open();
  const events = new EventEmitter<{ 'object-created': [ObjectCreated] }>();

  const body = async (req: http.IncomingMessage, limit: number): Promise<Buffer> => {
    const raw = await readBody(req, limit);
    return isAwsChunked(req) ? decodeAwsChunked(raw) : raw;
  };

  async function bucketOperation(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    query: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'PUT') {
      await store.createBucket(bucket);
      res.writeHead(200, { Location: `/${bucket}` }).end();
      return;
    }
    await store.requireBucket(bucket);
    if (method === 'HEAD') {
      res.writeHead(200).end();
      return;
    }
    if (method === 'GET' && query.get('list-type') === '2') {
      const request = listRequest(query);
      const page = listPage(await store.list(bucket, request.prefix), request);
      sendXml(res, listXml(bucket, request, page));
      return;
    }
    if (method === 'POST' && query.has('delete')) {
      const xml = (await body(req, MAX_XML_BYTES)).toString('utf8');
      const keys = childTexts(xml, 'Object', ['Key']).map((o) => o.Key ?? '');
      const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
      const deleted: string[] = [];
      const errors: string[] = [];
      for (const key of keys) {
        try {
          await store.delete(bucket, key);
          deleted.push(key);
        } catch (err) {
          const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', (err as Error).message);
          errors.push(
            `<Error>${element('Key', key)}${element('Code', e.code)}${element('Message', e.message)}</Error>`,
          );
        }
      }
      sendXml(
        res,
        xmlDocument(
          'DeleteResult',
          (quiet ? '' : deleted.map((key) => `<Deleted>${element('Key', key)}</Deleted>`).join('')) +
            errors.join(''),
        ),
      );
      return;
    }
    if (method === 'GET') {
      throw new S3Error(
        501,
        'NotImplemented',
        'Only ListObjectsV2 (list-type=2) lists objects in the local S3 stand-in; ListObjects (v1) is not supported.',
      );
    }
    throw new S3Error(
      501,
      'NotImplemented',
      `${method} on a bucket is not supported by the local S3 stand-in.`,
    );
  }

  async function objectOperation(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    key: string,
    query: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const uploadId = query.get('uploadId');
    if (req.headers['x-amz-copy-source']) {
      throw new S3Error(501, 'NotImplemented', 'CopyObject and UploadPartCopy are not supported locally.');
    }
    const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
    const created = (meta: ObjectMeta) =>
      events.emit('object-created', { bucket, key, etag: meta.etag, size: meta.size });

    if (method === 'POST' && query.has('uploads')) {
      await store.requireBucket(bucket);
      const id = await store.createUpload(bucket, key, contentType);
      sendXml(
        res,
        xmlDocument(
          'InitiateMultipartUploadResult',
          element('Bucket', bucket) + element('Key', key) + element('UploadId', id),
        ),
      );
      return;
    }
    if (method === 'PUT' && uploadId !== null) {
      const etag = await store.putPart(
        bucket,
        key,
        uploadId,
        Number(query.get('partNumber')),
        await body(req, MAX_OBJECT_BYTES),
      );
      res.writeHead(200, { ETag: `"${etag}"` }).end();
      return;
    }
    if (method === 'POST' && uploadId !== null) {
      const xml = (await body(req, MAX_XML_BYTES)).toString('utf8');
      const parts = childTexts(xml, 'Part', ['PartNumber', 'ETag']).map((p) => ({
        partNumber: Number(p.PartNumber),
        etag: p.ETag ?? '',
      }));
      const meta = await store.completeUpload(bucket, key, uploadId, parts);
      sendXml(
        res,
        xmlDocument(
          'CompleteMultipartUploadResult',
          element('Location', `/${bucket}/${key}`) +
            element('Bucket', bucket) +
            element('Key', key) +
            element('ETag', `"${meta.etag}"`),
        ),
      );
      created(meta);
      return;
    }
    if (method === 'DELETE' && uploadId !== null) {
      await store.abortUpload(bucket, key, uploadId);
      res.writeHead(204).end();
      return;
    }
    if (method === 'PUT') {
      await store.requireBucket(bucket);
      const meta = await store.put(bucket, key, await body(req, MAX_OBJECT_BYTES), contentType);
      res.writeHead(200, { ETag: `"${meta.etag}"` }).end();
      created(meta);
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      await store.requireBucket(bucket);
      const meta = await store.head(bucket, key);
      const range = method === 'GET' ? byteRange(req.headers.range, meta.size) : undefined;
      if (method === 'HEAD') {
        res.writeHead(200, objectHeaders(meta)).end();
        return;
      }
      if (range) {
        res.writeHead(206, {
          ...objectHeaders(meta),
          'Content-Length': String(range.end - range.start + 1),
          'Content-Range': `bytes ${range.start}-${range.end}/${meta.size}`,
        });
      } else {
        res.writeHead(200, objectHeaders(meta));
      }
      // A file removed while it is sent ends the response early, as a reset connection.
      await pipeline(store.read(bucket, key, range), res).catch(() => res.destroy());
      return;
    }
    if (method === 'DELETE') {
      await store.delete(bucket, key);
      res.writeHead(204).end();
      return;
    }
    throw new S3Error(501, 'NotImplemented', `${method} is not supported by the local S3 stand-in.`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refusal = refuseForeignRequest(req);
    if (refusal) throw new S3Error(refusal.status, 'AccessDenied', refusal.message);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [bucketPart, ...keyParts] = url.pathname.slice(1).split('/');
    let bucket: string;
    let key: string;
    try {
      bucket = decodeURIComponent(bucketPart ?? '');
      key = keyParts.map(decodeURIComponent).join('/');
    } catch {
      throw new S3Error(
        400,
        'InvalidURI',
        `Couldn't parse the specified URI: ${url.pathname.slice(0, 200)}.`,
      );
    }
    if (!bucket) {
      if (req.method !== 'GET')
        throw new S3Error(400, 'InvalidRequest', 'Path-style requests only: /<bucket>/<key>.');
      const buckets = await store.listBuckets();
      sendXml(
        res,
        xmlDocument(
          'ListAllMyBucketsResult',
          `<Owner>${element('ID', 'local')}${element('DisplayName', 'local')}</Owner><Buckets>` +
            buckets
              .map(
                (b) =>
                  `<Bucket>${element('Name', b.name)}${element('CreationDate', b.created.toISOString())}</Bucket>`,
              )
              .join('') +
            '</Buckets>',
        ),
      );
      return;
    }
    if (key === '') await bucketOperation(req, res, bucket, url.searchParams);
    else await objectOperation(req, res, bucket, key, url.searchParams);
  }

  const server = http.createServer((req, res) => {
    res.setHeader('x-amz-request-id', randomBytes(8).toString('hex').toUpperCase());
    handle(req, res).catch((err: unknown) => {
      const e =
        err instanceof S3Error
          ? err
          : err instanceof BodyTooLargeError
            ? new S3Error(400, 'EntityTooLarge', `${err.message} Use a multipart upload.`)
            : new S3Error(500, 'InternalError', (err as Error).message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const xml =
        req.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>`;
      res.writeHead(e.status, { 'Content-Type': 'application/xml' }).end(xml);
    });
  });
  const { url } = await listen(server, { port: options.port ?? 0, host: options.host, flag: '--s3-port' });
  return {
    url,
    root: store.root,
    events,
    async listObjects(bucket, prefix = '') {
      if (!(await store.bucketExists(bucket))) return [];
      return (await store.list(bucket, prefix)).map((o) => ({
        key: o.key,
        etag: o.meta.etag,
        size: o.meta.size,
      }));
    },
    close: () => closeServer(server),
  };
}
