import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * The S3 stand-in's storage: one folder per bucket, one file per object (`<root>/<bucket>/<key>`),
 * metadata beside them under `.s3-meta/`, multipart uploads under `.s3-uploads/`. Writes go to
 * `.s3-tmp/` first and are renamed into place, so a reader (or a crash) never sees half an object.
 */

/** An error S3 would answer: HTTP status, S3 error code, message. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ObjectMeta {
  /** Bare ETag: MD5 hex, or `<md5 of part md5s>-<parts>` for a multipart upload. */
  readonly etag: string;
  readonly contentType: string;
  readonly size: number;
  readonly lastModified: string;
}

export interface StoredObject {
  readonly key: string;
  readonly meta: ObjectMeta;
}

const META_DIR = '.s3-meta';
const UPLOADS_DIR = '.s3-uploads';
const TMP_DIR = '.s3-tmp';

/** Part sizes, from https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

/** S3 orders keys by their UTF-8 bytes (not by UTF-16 code units, as `<` on strings does). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Bucket names as S3 allows them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
export function checkBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new S3Error(400, 'InvalidBucketName', `The bucket name ${JSON.stringify(bucket)} is not valid.`);
  }
}

/**
 * Keys become file paths, so a few keys S3 allows cannot be stored here: empty segments (`a//b`,
 * a trailing `/` as in console "folders"), `.` and `..` segments, and NUL.
 */
function checkKey(key: string): void {
  const segments = key.split('/');
  if (key.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new S3Error(
      400,
      'InvalidArgument',
      `The local S3 stand-in stores keys as files and cannot store ${JSON.stringify(key)} ` +
        '(empty, "." or ".." path segments, a trailing "/", or NUL).',
    );
  }
}

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
}

export class ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Creates the folder and drops temporary files a crash left behind. */
  async open(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.rm(path.join(this.root, TMP_DIR), { recursive: true, force: true });
    await fs.mkdir(path.join(this.root, TMP_DIR), { recursive: true });
  }

  private inside(...parts: string[]): string {
    const full = path.resolve(this.root, ...parts);
    if (!full.startsWith(this.root + path.sep))
      throw new S3Error(400, 'InvalidArgument', 'Key escapes the store.');
    return full;
  }

  private objectPath(bucket: string, key: string): string {
    checkKey(key);
    return this.inside(bucket, ...key.split('/'));
  }

  private metaPath(bucket: string, key: string): string {
    return this.inside(META_DIR, bucket, ...`${key}.json`.split('/'));
  }

  private tmpPath(): string {
    return path.join(this.root, TMP_DIR, randomUUID());
  }

  async createBucket(bucket: string): Promise<void> {
    checkBucketName(bucket);
    await fs.mkdir(this.inside(bucket), { recursive: true });
  }

  async bucketExists(bucket: string): Promise<boolean> {
    if (!BUCKET_NAME.test(bucket)) return false;
    const stat = await fs.stat(this.inside(bucket)).catch(() => undefined);
    return stat?.isDirectory() ?? false;
  }

  async requireBucket(bucket: string): Promise<void> {
    if (!(await this.bucketExists(bucket)))
      throw new S3Error(404, 'NoSuchBucket', `The bucket ${bucket} does not exist.`);
  }

  async listBuckets(): Promise<{ name: string; created: Date }[]> {
    const entries = await fs.readdir(this.root, { withFileTypes: true });
    const buckets = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !BUCKET_NAME.test(entry.name)) continue;
      const stat = await fs.stat(path.join(this.root, entry.name));
      buckets.push({ name: entry.name, created: stat.birthtime });
    }
    return buckets.sort((a, b) => compareKeys(a.name, b.name));
  }

  async head(bucket: string, key: string): Promise<ObjectMeta> {
    const file = this.objectPath(bucket, key);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new S3Error(404, 'NoSuchKey', `The key ${key} does not exist.`);
    try {
      const meta = JSON.parse(await fs.readFile(this.metaPath(bucket, key), 'utf8')) as ObjectMeta;
      if (meta.size === stat.size) return meta;
    } catch {
      // No metadata: a file dropped into the folder by hand, or a crash between the two renames.
    }
    return {
      etag: await md5File(file),
      contentType: 'application/octet-stream',
      size: stat.size,
      lastModified: stat.mtime.toISOString(),
    };
  }

  /** A stream of the object's bytes `start..end` (inclusive), or all of them. */
  read(bucket: string, key: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.objectPath(bucket, key), range);
  }

  /** Stores `body` as the object, replacing any previous version atomically. */
  async put(bucket: string, key: string, body: Buffer, contentType: string): Promise<ObjectMeta> {
    const tmp = this.tmpPath();
    await fs.writeFile(tmp, body);
    return this.commit(bucket, key, tmp, {
      etag: createHash('md5').update(body).digest('hex'),
      contentType,
      size: body.length,
    });
  }

  /** Moves a finished temporary file into place and writes its metadata. */
  private async commit(
    bucket: string,
    key: string,
    tmp: string,
    meta: Omit<ObjectMeta, 'lastModified'>,
  ): Promise<ObjectMeta> {
    const file = this.objectPath(bucket, key);
    const metaFile = this.metaPath(bucket, key);
    const full: ObjectMeta = { ...meta, lastModified: new Date().toISOString() };
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.mkdir(path.dirname(metaFile), { recursive: true });
    // Old metadata goes first: a crash between the renames leaves an object whose metadata is
    // derived from its bytes, never the previous version's.
    await fs.rm(metaFile, { force: true });
    await fs.rename(tmp, file);
    const metaTmp = this.tmpPath();
    await fs.writeFile(metaTmp, JSON.stringify(full));
    await fs.rename(metaTmp, metaFile);
    return full;
  }

  async delete(bucket: string, key: string): Promise<void> {
    await fs.rm(this.objectPath(bucket, key), { force: true });
    await fs.rm(this.metaPath(bucket, key), { force: true });
  }

  /** Every object of `bucket` whose key starts with `prefix`, in S3 key order. */
  async list(bucket: string, prefix = ''): Promise<StoredObject[]> {
    const base = this.inside(bucket);
    const out: StoredObject[] = [];
    // Only folders that can hold keys under the prefix are walked.
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const key = `${keyPrefix}${entry.name}`;
        if (entry.isDirectory()) {
          const folder = `${key}/`;
          if (folder.startsWith(prefix) || prefix.startsWith(folder))
            await walk(path.join(dir, entry.name), folder);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          out.push({ key, meta: await this.head(bucket, key) });
        }
      }
    };
    await walk(base, '');
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  // --- multipart uploads ---------------------------------------------------------------------

  private uploadDir(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId))
      throw new S3Error(404, 'NoSuchUpload', `The upload ${uploadId} does not exist.`);
    return this.inside(UPLOADS_DIR, uploadId);
  }

  private async upload(uploadId: string, bucket: string, key: string): Promise<Upload> {
    const dir = this.uploadDir(uploadId);
    let upload: Upload;
    try {
      upload = JSON.parse(await fs.readFile(path.join(dir, 'upload.json'), 'utf8')) as Upload;
    } catch {
      throw new S3Error(
        404,
        'NoSuchUpload',
        `The upload ${uploadId} does not exist: it was completed or aborted, or never started.`,
      );
    }
    if (upload.bucket !== bucket || upload.key !== key) {
      throw new S3Error(404, 'NoSuchUpload', `The upload ${uploadId} belongs to another object.`);
    }
    return upload;
  }

  async createUpload(bucket: string, key: string, contentType: string): Promise<string> {
    checkKey(key);
    const uploadId = randomUUID();
    const dir = this.uploadDir(uploadId);
    await fs.mkdir(dir, { recursive: true });
    const upload: Upload = { bucket, key, contentType };
    await fs.writeFile(path.join(dir, 'upload.json'), JSON.stringify(upload));
    return uploadId;
  }

  async putPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
  ): Promise<string> {
    await this.upload(uploadId, bucket, key);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new S3Error(
        400,
        'InvalidArgument',
        `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`,
      );
    }
    const tmp = this.tmpPath();
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, path.join(this.uploadDir(uploadId), `${partNumber}.part`));
    return createHash('md5').update(body).digest('hex');
  }

  /**
   * Joins the listed parts into the object. As S3: parts in ascending order, each one uploaded
   * with the ETag given, every part but the last at least 5 MiB; the ETag is the MD5 of the parts'
   * binary MD5s, a dash and the number of parts.
   */
  async completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
  ): Promise<ObjectMeta> {
    const upload = await this.upload(uploadId, bucket, key);
    const dir = this.uploadDir(uploadId);
    if (parts.length === 0)
      throw new S3Error(400, 'MalformedXML', 'CompleteMultipartUpload must list at least one part.');
    const files: string[] = [];
    const digests: Buffer[] = [];
    let size = 0;
    for (const [i, part] of parts.entries()) {
      if (i > 0 && part.partNumber <= parts[i - 1].partNumber) {
        throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
      }
      const file = path.join(dir, `${part.partNumber}.part`);
      const stat = await fs.stat(file).catch(() => undefined);
      const etag = stat ? await md5File(file) : undefined;
      if (!stat || etag !== part.etag.replace(/"/g, '')) {
        throw new S3Error(
          400,
          'InvalidPart',
          `Part ${part.partNumber} was not uploaded with ETag ${part.etag}.`,
        );
      }
      if (i < parts.length - 1 && stat.size < MIN_PART_BYTES) {
        throw new S3Error(
          400,
          'EntityTooSmall',
          `Part ${part.partNumber} has ${stat.size} bytes; every part but the last needs at least 5 MiB.`,
        );
      }
      files.push(file);
      digests.push(Buffer.from(etag, 'hex'));
      size += stat.size;
    }
    const tmp = this.tmpPath();
    const out = createWriteStream(tmp);
    for (const file of files) await pipeline(createReadStream(file), out, { end: false });
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    const etag = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}`;
    const meta = await this.commit(bucket, key, tmp, { etag, contentType: upload.contentType, size });
    await fs.rm(dir, { recursive: true, force: true });
    return meta;
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.upload(uploadId, bucket, key);
    await fs.rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }
}
