/**
 * The local Athena endpoint: the Athena API over HTTP with the AWS JSON 1.1 protocol
 * (`POST /`, `X-Amz-Target: AmazonAthena.<Operation>`, `Content-Type: application/x-amz-json-1.1`),
 * so the unmodified `@aws-sdk/client-athena` works against it through `AWS_ENDPOINT_URL_ATHENA`.
 * Errors are `{"__type": "<name>", "Message": "..."}` with HTTP 400, as the SDK reads them.
 * SigV4 signatures are not checked; the endpoint listens on the loopback interface only and refuses
 * browser requests from other origins.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { AthenaApiError, type LocalQueryExecutions } from './executions';

export interface AthenaServerOptions {
  readonly executions: LocalQueryExecutions;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface AthenaServer {
  readonly url: string;
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';
/** Requests are small JSON documents; the largest is a 256 KB query string. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a request is refused: its Host is not a loopback name of this endpoint (DNS rebinding), or it
 * comes from a web page of another origin. Undefined when it may proceed.
 * A shared helper for every local endpoint can replace this check.
 */
export function foreignRequest(headers: http.IncomingHttpHeaders, port: number): string | undefined {
  const host = headers.host ?? '';
  const hostMatch = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!hostMatch || !LOOPBACK_HOSTS.has(hostMatch[1]!.toLowerCase()) || Number(hostMatch[2] ?? 80) !== port) {
    return `Host "${host}" is not this endpoint; use http://127.0.0.1:${port}.`;
  }
  const origin = headers.origin;
  if (origin !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || !LOOPBACK_HOSTS.has(url.hostname) || Number(url.port || 80) !== port) {
      return `Origin "${origin}" is not allowed: the local Athena endpoint answers its own origin only.`;
    }
  }
  return undefined;
}

export async function startAthenaServer(options: AthenaServerOptions): Promise<AthenaServer> {
  const { executions } = options;
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartQueryExecution: (input) => executions.startQueryExecution(input),
    GetQueryExecution: (input) => executions.getQueryExecution(input as { QueryExecutionId?: string }),
    GetQueryResults: (input) => executions.getQueryResults(input),
    StopQueryExecution: (input) => executions.stopQueryExecution(input as { QueryExecutionId?: string }),
  };
  let port = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown, errorType?: string) => {
    res
      .writeHead(status, {
        'Content-Type': JSON_11,
        'x-amzn-RequestId': randomUUID(),
        ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
      })
      .end(JSON.stringify(body));
  };
  const fail = (res: http.ServerResponse, status: number, type: string, message: string, code?: string) =>
    send(res, status, { __type: type, Message: message, ...(code ? { AthenaErrorCode: code } : {}) }, type);

  const server = http.createServer((req, res) => {
    void (async () => {
      const refused = foreignRequest(req.headers, port);
      if (refused) return fail(res, 403, 'AccessDeniedException', refused);
      if (req.method !== 'POST' || (req.url ?? '/') !== '/') {
        return fail(
          res,
          404,
          'UnknownOperationException',
          'The Athena API takes POST / with an X-Amz-Target header.',
        );
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('AmazonAthena.')
        ? operations[target.slice('AmazonAthena.'.length)]
        : undefined;
      if (!operation) {
        return fail(
          res,
          400,
          'UnknownOperationException',
          `${target || 'An empty X-Amz-Target'} is not supported by the local Athena: it answers StartQueryExecution, GetQueryExecution, GetQueryResults and StopQueryExecution.`,
        );
      }
      // The SDK always sends Content-Length; Node reads no more than it says.
      const length = Number(req.headers['content-length']);
      if (!Number.isInteger(length)) {
        return fail(res, 411, 'InvalidRequestException', 'The request needs a Content-Length header.');
      }
      if (length > MAX_REQUEST_BYTES) {
        return fail(res, 413, 'InvalidRequestException', 'The request is larger than 1 MiB.');
      }
      const body = await text(req);
      let input: Record<string, unknown>;
      try {
        input = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        return fail(res, 400, 'SerializationException', 'The request body is not valid JSON.');
      }
      send(res, 200, operation(input));
    })().catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof AthenaApiError) return fail(res, 400, err.code, err.message, err.athenaErrorCode);
      fail(res, 500, 'InternalServerException', `The local Athena failed: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
