import { structuredLogger } from '../shared/log';
import { createS3Client, s3ObjectWriter } from '../shared/s3';
import { datasetNameFromPath, ingest, IngestError, StorageError } from './ingest';

/** The parts of a Lambda Function URL request (payload format 2.0) the ingest function reads. */
export interface FunctionUrlEvent {
  readonly rawPath: string;
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly http: { readonly method: string }; readonly requestId?: string };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const writer = s3ObjectWriter(createS3Client());
const log = structuredLogger();

function json(statusCode: number, body: unknown): FunctionUrlResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function header(event: FunctionUrlEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}

/**
 * `POST /<dataset>` with a JSON array or NDJSON body (optionally gzip). Answers 200 with a
 * per-record report when at least one record was accepted, 422 when none was, a 4xx with a precise
 * message for requests that cannot be read at all, and 5xx only when a retry can help (503: the
 * lake could not be written) or the fault is ours (500). A request refused or failed as a whole
 * leaves one structured log line with the dataset.
 */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const requestId = event.requestContext.requestId;
  const dataset = datasetNameFromPath(event.rawPath);
  const bucket = process.env.LAKE_BUCKET;
  if (!bucket) {
    log.error({
      message: 'ingest request failed',
      requestId,
      dataset,
      status: 500,
      error: 'LAKE_BUCKET is not set',
    });
    return json(500, { error: 'ConfigurationError', message: 'LAKE_BUCKET is not set.', requestId });
  }
  try {
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'POST') {
      throw new IngestError(405, 'MethodNotAllowed', `Use POST /<dataset> to send records (got ${method}).`);
    }
    const body =
      event.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const response = await ingest(
      { writer, bucket },
      {
        datasetName: dataset,
        body,
        contentType: header(event, 'content-type'),
        contentEncoding: header(event, 'content-encoding'),
      },
    );
    log.info({
      message: 'batch ingested',
      requestId,
      dataset: response.dataset,
      accepted: response.accepted,
      rejected: response.rejected,
      objectKey: response.objectKey,
      rejectedObjectKey: response.rejectedObjectKey,
    });
    return json(response.accepted > 0 ? 200 : 422, response);
  } catch (err) {
    if (err instanceof IngestError) {
      log.warn({
        message: 'ingest request refused',
        requestId,
        dataset,
        status: err.statusCode,
        error: err.code,
        reason: err.message,
      });
      return json(err.statusCode, { error: err.code, message: err.message, ...err.details });
    }
    if (err instanceof StorageError) {
      // S3 errors such as SlowDown or InternalError pass: the same request is safe to send again.
      log.error({
        message: 'ingest request failed',
        requestId,
        dataset,
        status: 503,
        objectKey: err.objectKey,
        error: err.message,
      });
      return json(503, {
        error: 'StorageUnavailable',
        message: 'The batch could not be stored; retry the same request.',
        requestId,
      });
    }
    log.error({
      message: 'ingest request failed',
      requestId,
      dataset,
      status: 500,
      error: (err as Error).message,
      stack: (err as Error).stack,
    });
    return json(500, {
      error: 'InternalError',
      message: `The request could not be processed and nothing was stored (request id ${requestId ?? 'unknown'}).`,
      requestId,
    });
  }
}
