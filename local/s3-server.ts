import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/**
 * A local stand-in for the parts of Amazon S3 the platform uses, backed by a folder:
 * CreateBucket, PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2, path-style
 * (`http://127.0.0.1:<port>/<bucket>/<key>`), so the real `@aws-sdk/client-s3` works against it
 * through `AWS_ENDPOINT_URL_S3`. Every PutObject emits `object-created`, like S3 event
 * notifications. No authentication: it listens on the loopback interface only.
 */

export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  /** Bare ETag (MD5 hex, no quotes), as in S3 event notifications. */
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
  /** Emits `object-created` with an `ObjectCreated` after each successful PutObject. */
  readonly events: EventEmitter<{ 'object-created': [ObjectCreated] }>;
  close(): Promise<void>;
}

const META_DIR = '.s3-meta';

interface ObjectMeta {
  etag: string;
  contentType: string;
  size: number;
  lastModified: string;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xmlEscape = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

function safeJoin(root: string, ...parts: string[]): string {
  const full = path.resolve(root, ...parts);
  if (!full.startsWith(path.resolve(root) + path.sep))
    throw new S3Error(400, 'InvalidArgument', 'Key escapes the store.');
  return full;
}

/** Decodes an `aws-chunked` body (streaming uploads with trailing checksums). */
function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) throw new S3Error(400, 'IncompleteBody', 'Malformed aws-chunked body.');
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size)) throw new S3Error(400, 'IncompleteBody', 'Malformed aws-chunked chunk size.');
    offset = lineEnd + 2;
    if (size === 0) break;
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  return Buffer.concat(parts);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const root = path.resolve(options.root);
  await fs.mkdir(root, { recursive: true });
  const events = new EventEmitter<{ 'object-created': [ObjectCreated] }>();

  const objectPath = (bucket: string, key: string) => safeJoin(root, bucket, key);
  const metaPath = (bucket: string, key: string) => safeJoin(root, META_DIR, bucket, `${key}.json`);

  async function bucketExists(bucket: string): Promise<boolean> {
    return fs
      .stat(safeJoin(root, bucket))
      .then((s) => s.isDirectory())
      .catch(() => false);
  }

  async function requireBucket(bucket: string): Promise<void> {
    if (!(await bucketExists(bucket)))
      throw new S3Error(404, 'NoSuchBucket', `The bucket ${bucket} does not exist.`);
  }

  async function readMeta(bucket: string, key: string): Promise<ObjectMeta> {
    const file = objectPath(bucket, key);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new S3Error(404, 'NoSuchKey', `The key ${key} does not exist.`);
    try {
      return JSON.parse(await fs.readFile(metaPath(bucket, key), 'utf8')) as ObjectMeta;
    } catch {
      // A file dropped into the folder by hand: derive its metadata.
      const data = await fs.readFile(file);
      return {
        etag: createHash('md5').update(data).digest('hex'),
        contentType: 'application/octet-stream',
        size: data.length,
        lastModified: stat.mtime.toISOString(),
      };
    }
  }

  async function list(bucket: string, prefix: string): Promise<{ key: string; meta: ObjectMeta }[]> {
    const base = safeJoin(root, bucket);
    const out: { key: string; meta: ObjectMeta }[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) {
          const key = path.relative(base, full).split(path.sep).join('/');
          if (key.startsWith(prefix)) out.push({ key, meta: await readMeta(bucket, key) });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [bucketPart, ...keyParts] = url.pathname.slice(1).split('/');
    const bucket = decodeURIComponent(bucketPart ?? '');
    const key = keyParts.map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';
    if (!bucket) throw new S3Error(400, 'InvalidRequest', 'Path-style requests only: /<bucket>/<key>.');

    if (key === '') {
      if (method === 'PUT') {
        await fs.mkdir(safeJoin(root, bucket), { recursive: true });
        res.writeHead(200, { Location: `/${bucket}` }).end();
        return;
      }
      if (method === 'HEAD') {
        await requireBucket(bucket);
        res.writeHead(200).end();
        return;
      }
      if (method === 'GET' && url.searchParams.get('list-type') === '2') {
        await requireBucket(bucket);
        const prefix = url.searchParams.get('prefix') ?? '';
        const maxKeys = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
        const after = url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after') ?? '';
        const encode = url.searchParams.get('encoding-type') === 'url';
        const all = (await list(bucket, prefix)).filter((o) => o.key > after);
        const page = all.slice(0, maxKeys);
        const truncated = all.length > page.length;
        const k = (s: string) => xmlEscape(encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Name>${xmlEscape(bucket)}</Name><Prefix>${k(prefix)}</Prefix><KeyCount>${page.length}</KeyCount>` +
          `<MaxKeys>${maxKeys}</MaxKeys>${encode ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>` +
          (truncated
            ? `<NextContinuationToken>${xmlEscape(page[page.length - 1].key)}</NextContinuationToken>`
            : '') +
          page
            .map(
              (o) =>
                `<Contents><Key>${k(o.key)}</Key><LastModified>${o.meta.lastModified}</LastModified>` +
                `<ETag>&quot;${o.meta.etag}&quot;</ETag><Size>${o.meta.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
            )
            .join('') +
          '</ListBucketResult>';
        res.writeHead(200, { 'Content-Type': 'application/xml' }).end(xml);
        return;
      }
      throw new S3Error(
        501,
        'NotImplemented',
        `${method} on a bucket is not supported by the local S3 stand-in.`,
      );
    }

    if (method === 'PUT') {
      if (req.headers['x-amz-copy-source'])
        throw new S3Error(501, 'NotImplemented', 'CopyObject is not supported locally.');
      await requireBucket(bucket);
      let body = await readBody(req);
      const encoding = String(req.headers['content-encoding'] ?? '');
      if (
        encoding.includes('aws-chunked') ||
        String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
      ) {
        body = decodeAwsChunked(body);
      }
      const etag = createHash('md5').update(body).digest('hex');
      const meta: ObjectMeta = {
        etag,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        size: body.length,
        lastModified: new Date().toISOString(),
      };
      const file = objectPath(bucket, key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const meta_ = metaPath(bucket, key);
      await fs.mkdir(path.dirname(meta_), { recursive: true });
      // Write to a temporary name and rename, so a reader never sees a half-written object.
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(tmp, body);
      await fs.writeFile(meta_, JSON.stringify(meta));
      await fs.rename(tmp, file);
      res.writeHead(200, { ETag: `"${etag}"` }).end();
      events.emit('object-created', { bucket, key, etag, size: body.length });
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const meta = await readMeta(bucket, key);
      const headers = {
        'Content-Type': meta.contentType,
        'Content-Length': String(meta.size),
        ETag: `"${meta.etag}"`,
        'Last-Modified': new Date(meta.lastModified).toUTCString(),
      };
      if (method === 'HEAD') {
        res.writeHead(200, headers).end();
        return;
      }
      res.writeHead(200, headers).end(await fs.readFile(objectPath(bucket, key)));
      return;
    }
    if (method === 'DELETE') {
      await fs.rm(objectPath(bucket, key), { force: true });
      await fs.rm(metaPath(bucket, key), { force: true });
      res.writeHead(204).end();
      return;
    }
    throw new S3Error(501, 'NotImplemented', `${method} is not supported by the local S3 stand-in.`);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', (err as Error).message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body =
        req.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>`;
      res.writeHead(e.status, { 'Content-Type': 'application/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    root,
    events,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
