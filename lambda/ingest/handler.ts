import { createS3Client, s3ObjectWriter } from '../shared/s3';
import { datasetFromPath, ingest, IngestError } from './ingest';

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

function json(statusCode: number, body: unknown): FunctionUrlResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function header(event: FunctionUrlEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}

/**
 * `POST /<dataset>` with a JSON array or NDJSON body (optionally gzip). Answers 200 with a
 * per-record report when at least one record was accepted, 422 when none was, and 4xx with a
 * precise message for requests that cannot be read at all.
 */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const bucket = process.env.LAKE_BUCKET;
  if (!bucket) return json(500, { error: 'ConfigurationError', message: 'LAKE_BUCKET is not set.' });
  try {
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'POST') {
      throw new IngestError(405, 'MethodNotAllowed', `Use POST /<dataset> to send records (got ${method}).`);
    }
    const dataset = datasetFromPath(event.rawPath);
    const body =
      event.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const response = await ingest(
      { writer, bucket },
      {
        datasetName: dataset.name,
        body,
        contentType: header(event, 'content-type'),
        contentEncoding: header(event, 'content-encoding'),
      },
    );
    console.info(
      JSON.stringify({
        message: 'batch ingested',
        requestId: event.requestContext.requestId,
        dataset: response.dataset,
        accepted: response.accepted,
        rejected: response.rejected,
        objectKey: response.objectKey,
      }),
    );
    return json(response.accepted > 0 ? 200 : 422, response);
  } catch (err) {
    if (err instanceof IngestError) {
      return json(err.statusCode, { error: err.code, message: err.message, ...err.details });
    }
    console.error(
      JSON.stringify({
        message: 'ingest failed',
        error: (err as Error).message,
        stack: (err as Error).stack,
      }),
    );
    return json(500, {
      error: 'InternalError',
      message: 'The batch could not be stored; retry the same request.',
    });
  }
}
