/**
 * What a client sees when a request fails. A mistake the client can fix gets its own message (the
 * HttpError's); a database waking up gets "resuming" and a time to retry; anything else gets a
 * short sentence and a request id, never the SQL, the database's message or a stack trace: those
 * go to one log line under the same request id.
 */
import type { ServerResponse } from 'node:http';
import { isRetryableDataApiError } from '../../db/data-api';
import type { ErrorBody, ResumingBody } from './contract';
import { HttpError } from './http-error';
import { sendJson } from './http';
import type { Log } from './log';
import { RESUME_RETRY_SECONDS } from './login';

export interface FailedRequest {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
}

export function sendError(res: ServerResponse, err: unknown, request: FailedRequest, log: Log): void {
  const { requestId } = request;
  if (res.headersSent) {
    log('response failed', { level: 'error', ...request, error: describe(err) });
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    const body: ErrorBody = { error: err.message, requestId };
    return sendJson(res, err.status, body, err.headers);
  }
  if (isRetryableDataApiError(err)) {
    const body: ResumingBody = {
      state: 'resuming',
      retryAfter: RESUME_RETRY_SECONDS,
      error: 'The database is waking up from zero capacity; this takes a few seconds. Retrying.',
      requestId,
    };
    return sendJson(res, 503, body, { 'Retry-After': String(RESUME_RETRY_SECONDS) });
  }
  log('request failed', {
    level: 'error',
    ...request,
    error: describe(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  const body: ErrorBody = {
    error: `Something went wrong on the server. The details are in its log under request id ${requestId}.`,
    requestId,
  };
  sendJson(res, 500, body);
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
