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
import { BodyTooLargeError, closeServer, listen, readBody } from '../http';
import { refuseForeignRequest } from '../request-guard';
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
export async function startAthenaServer(options: AthenaServerOptions): Promise<AthenaServer> {
  const { executions } = options;
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartQueryExecution: (input) => executions.startQueryExecution(input),
    GetQueryExecution: (input) => executions.getQueryExecution(input as { QueryExecutionId?: string }),
    GetQueryResults: (input) => executions.getQueryResults(input),
    StopQueryExecution: (input) => executions.stopQueryExecution(input as { QueryExecutionId?: string }),
  };

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
      const refused = refuseForeignRequest(req, { contentTypes: [JSON_11] });
      if (refused) {
        return fail(
          res,
          refused.status,
          refused.status === 403 ? 'AccessDeniedException' : 'UnsupportedMediaTypeException',
          refused.message,
        );
      }
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
      let body: string;
      try {
        body = (await readBody(req, MAX_REQUEST_BYTES)).toString('utf8');
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          return fail(res, 413, 'InvalidRequestException', 'The request is larger than 1 MiB.');
        }
        throw err;
      }
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
  const { url } = await listen(server, {
    port: options.port ?? 0,
    host: options.host,
    flag: '--athena-port',
  });
  return { url, close: () => closeServer(server) };
}
