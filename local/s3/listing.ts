import { compareKeys, S3Error, type StoredObject } from './store';
import { element, xmlDocument } from './xml';

/**
 * ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html): keys
 * under `prefix` in UTF-8 order; with a `delimiter`, keys that share the part up to the next
 * delimiter roll up into one `CommonPrefixes` entry, and each such entry counts as one return
 * against `max-keys` (at most 1,000); `continuation-token` (opaque) or `start-after` resume a
 * listing; `encoding-type=url` URL-encodes the keys and prefixes in the answer.
 */

export interface ListRequest {
  readonly prefix: string;
  readonly delimiter?: string;
  readonly maxKeys: number;
  readonly continuationToken?: string;
  readonly startAfter?: string;
  readonly encodeUrl: boolean;
}

export interface ListPage {
  readonly contents: readonly StoredObject[];
  readonly commonPrefixes: readonly string[];
  readonly nextContinuationToken?: string;
}

const MAX_KEYS = 1000;

/** Reads the request's query parameters; a bad `max-keys` is refused as S3 refuses it. */
export function listRequest(query: URLSearchParams): ListRequest {
  const rawMax = query.get('max-keys');
  if (rawMax !== null && !/^\d+$/.test(rawMax)) {
    throw new S3Error(
      400,
      'InvalidArgument',
      `Provided max-keys ${JSON.stringify(rawMax)} is not an integer.`,
    );
  }
  const encoding = query.get('encoding-type');
  if (encoding !== null && encoding !== 'url') {
    throw new S3Error(400, 'InvalidArgument', `Invalid Encoding Method specified in Request: ${encoding}.`);
  }
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') || undefined,
    maxKeys: Math.min(MAX_KEYS, rawMax === null ? MAX_KEYS : Number(rawMax)),
    continuationToken: query.get('continuation-token') ?? undefined,
    startAfter: query.get('start-after') ?? undefined,
    encodeUrl: encoding === 'url',
  };
}

interface Resume {
  /** The last key or common prefix returned. */
  readonly after: string;
  /** True when `after` is a common prefix: every key under it was rolled up and is skipped. */
  readonly rolledUp: boolean;
}

function encodeToken(resume: Resume): string {
  return Buffer.from(JSON.stringify(resume)).toString('base64url');
}

function decodeToken(token: string): Resume {
  try {
    const resume = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Resume;
    if (typeof resume.after === 'string' && typeof resume.rolledUp === 'boolean') return resume;
  } catch {
    // fall through
  }
  throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect.');
}

/** One page of a listing over `objects` (every key under the prefix, in S3 key order). */
export function listPage(objects: readonly StoredObject[], request: ListRequest): ListPage {
  const resume: Resume | undefined = request.continuationToken
    ? decodeToken(request.continuationToken)
    : request.startAfter
      ? { after: request.startAfter, rolledUp: false }
      : undefined;
  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let returned = 0;
  let last: Resume | undefined;
  for (const object of objects) {
    if (!object.key.startsWith(request.prefix)) continue;
    if (
      resume &&
      (compareKeys(object.key, resume.after) <= 0 || (resume.rolledUp && object.key.startsWith(resume.after)))
    ) {
      continue;
    }
    const rest = object.key.slice(request.prefix.length);
    const cut = request.delimiter ? rest.indexOf(request.delimiter) : -1;
    const rolledUpPrefix =
      cut === -1 ? undefined : request.prefix + rest.slice(0, cut + request.delimiter!.length);
    if (rolledUpPrefix !== undefined && last?.rolledUp && last.after === rolledUpPrefix) continue;
    if (returned === request.maxKeys) {
      return { contents, commonPrefixes, nextContinuationToken: last && encodeToken(last) };
    }
    returned++;
    if (rolledUpPrefix !== undefined) {
      commonPrefixes.push(rolledUpPrefix);
      last = { after: rolledUpPrefix, rolledUp: true };
    } else {
      contents.push(object);
      last = { after: object.key, rolledUp: false };
    }
  }
  return { contents, commonPrefixes };
}

/** The ListBucketResult document for `page`. */
export function listXml(bucket: string, request: ListRequest, page: ListPage): string {
  // S3's URL encoding leaves `/` alone; `+` and spaces are encoded (%2B, %20).
  const k = (s: string) => (request.encodeUrl ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const truncated = page.nextContinuationToken !== undefined;
  return xmlDocument(
    'ListBucketResult',
    element('Name', bucket) +
      element('Prefix', k(request.prefix)) +
      (request.delimiter !== undefined ? element('Delimiter', k(request.delimiter)) : '') +
      element('KeyCount', page.contents.length + page.commonPrefixes.length) +
      element('MaxKeys', request.maxKeys) +
      (request.encodeUrl ? element('EncodingType', 'url') : '') +
      element('IsTruncated', truncated) +
      (request.continuationToken !== undefined
        ? element('ContinuationToken', request.continuationToken)
        : '') +
      (truncated ? element('NextContinuationToken', page.nextContinuationToken!) : '') +
      (request.startAfter !== undefined ? element('StartAfter', k(request.startAfter)) : '') +
      page.contents
        .map(
          (o) =>
            '<Contents>' +
            element('Key', k(o.key)) +
            element('LastModified', o.meta.lastModified) +
            element('ETag', `"${o.meta.etag}"`) +
            element('Size', o.meta.size) +
            element('StorageClass', 'STANDARD') +
            '</Contents>',
        )
        .join('') +
      page.commonPrefixes.map((p) => `<CommonPrefixes>${element('Prefix', k(p))}</CommonPrefixes>`).join(''),
  );
}
