import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { datasetNames, findDataset } from '../../datasets';
import type { Dataset } from '../../datasets/types';
import {
  jsonDepth,
  MAX_JSON_DEPTH,
  recordTime,
  recordValidator,
  type FieldError,
  type NormalizedRecord,
} from '../../datasets/validate';
import type { ObjectWriter } from '../shared/s3';
import { canonicalNdjson } from '../shared/ndjson';

/** Limits on one request. Function URLs already cap the (compressed) request at 6 MB. */
export const INGEST_LIMITS = {
  /** Largest body after decompression, in bytes. */
  maxDecompressedBytes: 20 * 1024 * 1024,
  /** Most records in one request. */
  maxRecords: 50_000,
} as const;

/** The lake could not be written: a retry of the same request can succeed (mapped to a 503). */
export class StorageError extends Error {
  constructor(
    readonly objectKey: string,
    cause: unknown,
  ) {
    super(`Writing ${objectKey} to the lake failed: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'StorageError';
  }
}

/** A request the caller must fix; mapped to an HTTP 4xx by the handler. */
export class IngestError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 405 | 413 | 415,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

export interface IngestRequest {
  /** The dataset named by the path (`POST /<dataset>`). */
  readonly datasetName: string;
  readonly body: Uint8Array;
  /**
   * `application/json` (an array), `application/x-ndjson` or `application/ndjson` (one record per
   * line), `application/gzip`; absent: the body is recognised by its first character. Anything else
   * is refused with 415.
   */
  readonly contentType?: string;
  /** `gzip` or absent; a gzip body is also recognised by its magic bytes. */
  readonly contentEncoding?: string;
}

export interface IngestDependencies {
  readonly writer: ObjectWriter;
  readonly bucket: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type RecordResult =
  | { readonly index: number; readonly status: 'accepted' }
  | { readonly index: number; readonly status: 'rejected'; readonly errors: readonly FieldError[] };

export interface IngestResponse {
  readonly dataset: string;
  readonly received: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Lake key of the accepted records (`raw/...`), absent when none were accepted. */
  readonly objectKey?: string;
  /** Lake key of the rejected records with their reasons (`rejected/...`). */
  readonly rejectedObjectKey?: string;
  /** One entry per record, in request order (index 0-based; NDJSON line = index + 1 for bodies without blank lines). */
  readonly results: readonly RecordResult[];
}

/** Result of ingesting: accepted and rejected records split, keys derived from content. */
export interface PreparedBatch {
  readonly dataset: Dataset;
  readonly results: RecordResult[];
  readonly accepted: NormalizedRecord[];
  readonly raw?: { key: string; body: Buffer };
  readonly rejectedObject?: { key: string; body: Buffer };
}

const GZIP = [0x1f, 0x8b];

function isGzip(body: Uint8Array): boolean {
  return body.length >= 2 && body[0] === GZIP[0] && body[1] === GZIP[1];
}

/** Decompresses a gzip body within the size limit. */
export function decodeBody(body: Uint8Array, contentEncoding?: string): Buffer {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding && encoding !== 'gzip' && encoding !== 'identity') {
    throw new IngestError(
      415,
      'UnsupportedEncoding',
      `Content-Encoding "${contentEncoding}" is not supported: send gzip or no encoding.`,
    );
  }
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (encoding === 'gzip' || isGzip(buffer)) {
    try {
      return gunzipSync(buffer, { maxOutputLength: INGEST_LIMITS.maxDecompressedBytes + 1 });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw tooLarge(`decompressed body exceeds ${INGEST_LIMITS.maxDecompressedBytes} bytes`);
      }
      throw new IngestError(
        400,
        'InvalidGzip',
        `The body is marked or looks gzip-compressed but cannot be decompressed: ${(err as Error).message}.`,
      );
    }
  }
  if (buffer.length > INGEST_LIMITS.maxDecompressedBytes) {
    throw tooLarge(`body of ${buffer.length} bytes exceeds ${INGEST_LIMITS.maxDecompressedBytes} bytes`);
  }
  return buffer;
}

function tooLarge(what: string): IngestError {
  return new IngestError(
    413,
    'PayloadTooLarge',
    `Request too large: ${what}. Limits per request: ${INGEST_LIMITS.maxDecompressedBytes / 1024 / 1024} MB ` +
      `decompressed, ${INGEST_LIMITS.maxRecords} records, 6 MB on the wire (Function URL limit). Split the batch.`,
    { ...INGEST_LIMITS },
  );
}

/** Media types of a JSON array body. */
const JSON_TYPES = ['application/json'];
/** Media types of an NDJSON body (one record per line). */
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'];
/** Media types of a gzip file holding either; the body must be gzip. */
const GZIP_TYPES = ['application/gzip', 'application/x-gzip'];

/** How a request's Content-Type says to read its body. */
type BodyKind = 'json' | 'ndjson' | 'gzip' | 'unnamed';

/**
 * Reads the Content-Type: a JSON or NDJSON type (optionally `charset=utf-8`), a gzip type, or none.
 * Anything else, or another charset, is a 415 that names the accepted types.
 */
function bodyKind(contentType: string | undefined): BodyKind {
  if (contentType === undefined || contentType.trim() === '') return 'unnamed';
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const accepted =
    'send application/json (an array of records) or application/x-ndjson (one record per line), ' +
    'in UTF-8, optionally compressed with Content-Encoding: gzip.';
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new IngestError(415, 'UnsupportedMediaType', `Charset "${charset}" is not supported: ${accepted}`);
  }
  if (JSON_TYPES.includes(type)) return 'json';
  if (NDJSON_TYPES.includes(type)) return 'ndjson';
  if (GZIP_TYPES.includes(type)) return 'gzip';
  throw new IngestError(
    415,
    'UnsupportedMediaType',
    `Content-Type "${contentType}" is not accepted: ${accepted}`,
    {
      acceptedTypes: [...JSON_TYPES, ...NDJSON_TYPES, ...GZIP_TYPES],
    },
  );
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The body as text: UTF-8 (invalid bytes are a 400, they would otherwise be replaced silently), a
 * leading byte order mark dropped, for arrays and NDJSON alike.
 */
function bodyText(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw new IngestError(
      400,
      'InvalidUtf8',
      'The request body is not valid UTF-8: send the records in UTF-8.',
    );
  }
}

/** Parses a JSON array or NDJSON body into records. Malformed JSON is a 400 naming the line. */
export function parseRecords(text: string, contentType?: string): unknown[] {
  const type = bodyKind(contentType);
  const trimmed = text.trimStart();
  if (trimmed.length === 0) {
    throw new IngestError(
      400,
      'EmptyBody',
      'The request body is empty: send a JSON array or NDJSON records.',
    );
  }
  // A JSON body of one line that is not an array is refused below (NotAnArray), not read as NDJSON.
  const asArray =
    type === 'json' ? trimmed.startsWith('[') || !trimmed.includes('\n') : trimmed.startsWith('[');
  if (asArray) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new IngestError(
        400,
        'MalformedJson',
        `Malformed JSON in the request body: ${(err as Error).message}.`,
      );
    }
    if (!Array.isArray(value)) {
      throw new IngestError(
        400,
        'NotAnArray',
        'A JSON body must be an array of records ([{...}, {...}]); for one record per line use Content-Type application/x-ndjson.',
      );
    }
    if (value.length === 0)
      throw new IngestError(400, 'EmptyBody', 'The JSON array is empty: send at least one record.');
    if (value.length > INGEST_LIMITS.maxRecords)
      throw tooLarge(`${value.length} records exceed ${INGEST_LIMITS.maxRecords}`);
    return value;
  }
  const records: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch (err) {
      throw new IngestError(
        400,
        'MalformedJson',
        `Malformed JSON on line ${i + 1} of the NDJSON body: ${(err as Error).message}. Line starts: ${line.slice(0, 80)}`,
        { line: i + 1 },
      );
    }
    if (records.length > INGEST_LIMITS.maxRecords)
      throw tooLarge(`more than ${INGEST_LIMITS.maxRecords} records`);
  }
  if (records.length === 0)
    throw new IngestError(400, 'EmptyBody', 'The NDJSON body holds no records (only blank lines).');
  return records;
}

/** The name a request path `/<dataset>` gives, without its slashes; empty when it names none. */
export function datasetNameFromPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** The dataset named by a request path `/<dataset>`; 404 listing the known ones otherwise. */
export function datasetFromPath(path: string): Dataset {
  const name = datasetNameFromPath(path);
  if (name === '') {
    throw new IngestError(
      404,
      'NoDataset',
      `POST to /<dataset>. Known datasets: ${ingestibleDatasets().join(', ')}.`,
      {
        knownDatasets: ingestibleDatasets(),
      },
    );
  }
  const dataset = findDataset(name);
  if (!dataset || dataset.format !== 'ndjson') {
    throw new IngestError(
      404,
      'UnknownDataset',
      `Unknown dataset "${name}". Known datasets: ${ingestibleDatasets().join(', ')}.`,
      { knownDatasets: ingestibleDatasets() },
    );
  }
  return dataset;
}

/** Datasets that accept records through the ingest endpoint. */
export function ingestibleDatasets(): string[] {
  return datasetNames().filter((name) => findDataset(name)?.format === 'ndjson');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Validates the records and builds the objects to write, without writing them.
 * - accepted records → `raw/<dataset>/dt=<day of the earliest record time, UTC>/<sha256>.ndjson.gz`,
 *   the hash over the canonical NDJSON, so the same batch always gets the same key, on any day;
 * - rejected records → `rejected/<dataset>/dt=<ingest day, UTC>/<sha256>.ndjson.gz`, each line
 *   `{ index, errors, record }`.
 * gzip output is deterministic (no timestamp in the header), so a retry rewrites identical bytes.
 */
export function prepareBatch(dataset: Dataset, records: readonly unknown[], now: Date): PreparedBatch {
  const validate = recordValidator(dataset);
  const results: RecordResult[] = [];
  const accepted: NormalizedRecord[] = [];
  const rejected: { index: number; errors: readonly FieldError[]; record: unknown }[] = [];
  let earliest: string | undefined;
  records.forEach((input, index) => {
    const result = validate(input);
    if (result.ok) {
      accepted.push(result.record);
      results.push({ index, status: 'accepted' });
      const time = recordTime(dataset, result.record);
      if (time !== undefined && (earliest === undefined || time < earliest)) earliest = time;
    } else {
      // A record too deep to serialise is kept as a note: its errors say what was wrong with it.
      const record =
        jsonDepth(input) > MAX_JSON_DEPTH ? `(nested more than ${MAX_JSON_DEPTH} levels)` : input;
      rejected.push({ index, errors: result.errors, record });
      results.push({ index, status: 'rejected', errors: result.errors });
    }
  });
  let raw: PreparedBatch['raw'];
  if (accepted.length > 0) {
    const text = canonicalNdjson(accepted);
    const day = (earliest ?? now.toISOString()).slice(0, 10);
    raw = { key: `raw/${dataset.name}/dt=${day}/${sha256(text)}.ndjson.gz`, body: gzipSync(text) };
  }
  let rejectedObject: PreparedBatch['rejectedObject'];
  if (rejected.length > 0) {
    const text = canonicalNdjson(rejected);
    const day = now.toISOString().slice(0, 10);
    rejectedObject = {
      key: `rejected/${dataset.name}/dt=${day}/${sha256(text)}.ndjson.gz`,
      body: gzipSync(text),
    };
  }
  return { dataset, results, accepted, raw, rejectedObject };
}

/**
 * Ingests one request: decode, parse, validate, write accepted and rejected records to the lake.
 * Never touches the database: the loader picks the object up from its notification.
 */
export async function ingest(deps: IngestDependencies, request: IngestRequest): Promise<IngestResponse> {
  const dataset = datasetFromPath(request.datasetName);
  if (request.body.byteLength === 0) {
    throw new IngestError(
      400,
      'EmptyBody',
      'The request body is empty: send a JSON array or NDJSON records.',
    );
  }
  const kind = bodyKind(request.contentType);
  const decoded = decodeBody(request.body, request.contentEncoding);
  if (kind === 'gzip' && !isGzip(request.body)) {
    throw new IngestError(
      400,
      'InvalidGzip',
      'The body is sent as application/gzip but is not gzip-compressed.',
    );
  }
  const records = parseRecords(bodyText(decoded), request.contentType);
  const batch = prepareBatch(dataset, records, (deps.now ?? (() => new Date()))());
  const write = async (object: { key: string; body: Buffer }) => {
    try {
      await deps.writer.putObject(deps.bucket, object.key, object.body, 'application/x-ndjson');
    } catch (err) {
      throw new StorageError(object.key, err);
    }
  };
  await Promise.all([batch.raw, batch.rejectedObject].filter((o) => o !== undefined).map(write));
  return {
    dataset: dataset.name,
    received: records.length,
    accepted: batch.accepted.length,
    rejected: records.length - batch.accepted.length,
    objectKey: batch.raw?.key,
    rejectedObjectKey: batch.rejectedObject?.key,
    results: batch.results,
  };
}
