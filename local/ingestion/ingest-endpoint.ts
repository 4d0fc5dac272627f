import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../lambda/ingest/handler';
import { BodyTooLargeError, readBody } from '../http';
import { refuseForeignRequest } from '../request-guard';

/**
 * The local ingest endpoint: adapts HTTP requests to Lambda Function URL events for the real ingest
 * handler (no SigV4 locally). The handler keeps its own content rules; this adapter only refuses what
 * no local program sends (a foreign Origin, a DNS-rebound Host) and bodies above the Function URL
 * limit.
 */

/** Largest request the ingest endpoint accepts, as a Lambda Function URL does. */
const FUNCTION_URL_MAX_BYTES = 6 * 1024 * 1024;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function ingestEndpoint(ingest: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      const refusal = refuseForeignRequest(req);
      if (refusal) {
        json(res, refusal.status, { error: 'Forbidden', message: refusal.message });
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(req, FUNCTION_URL_MAX_BYTES);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        json(res, 413, {
          error: 'PayloadTooLarge',
          message: 'Request exceeds the 6 MB Function URL limit. Split the batch.',
        });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const result = await ingest({
        rawPath: url.pathname,
        headers,
        body: body.toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: req.method ?? 'GET' }, requestId: randomUUID() },
      });
      res.writeHead(result.statusCode, result.headers).end(result.body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'InternalError', message: (err as Error).message }));
    });
  });
}
