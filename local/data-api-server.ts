import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { PGlite } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createDatabase } from '../db/data-api';
import type { Database } from '../db/database';
import type { RetryOptions } from '../db/retry';
import { sessionOwner } from './connection';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  REQUEST_LIMIT_BYTES,
  RESPONSE_LIMIT_BYTES,
  TRANSACTION_IDLE_TIMEOUT_MS,
} from './data-api/constants';
import { badRequest, databaseFault, DataApiFault } from './data-api/errors';
import { DataApiOperations } from './data-api/operations';
import { loadTypeInfo, type TypeInfo } from './data-api/results';
import { BodyTooLargeError, closeServer, listen, readBody } from './http';
import { refuseForeignRequest } from './request-guard';

/**
 * A local endpoint speaking the RDS Data API (AWS restJson1) over an embedded PGlite database, so
 * the unmodified `@aws-sdk/client-rds-data` client works against it through the standard endpoint
 * setting (`AWS_ENDPOINT_URL_RDS_DATA`). This file is the HTTP side; the operations, parameter
 * binding, result formatting and transactions live in `data-api/`. Differences from Aurora are
 * listed in `local/README.md`.
 */

export * from './data-api/constants';

export interface DataApiServerOptions {
  /** The embedded database. Its session is shared with the Postgres wire endpoint, if any. */
  readonly pg: PGlite;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Idle time after which an open transaction is rolled back. @default TRANSACTION_IDLE_TIMEOUT_MS */
  readonly transactionTimeoutMs?: number;
}

export interface DataApiServer {
  /** Base URL for `AWS_ENDPOINT_URL_RDS_DATA` or the client's `endpoint`, e.g. `http://127.0.0.1:4510`. */
  readonly url: string;
  readonly port: number;
  /**
   * Makes the next `requests` requests fail with `DatabaseResumingException`, as Aurora Serverless v2
   * does for 15 to 30 seconds while it resumes from zero capacity; for trying retry behaviour locally.
   */
  simulateResuming(requests: number): void;
  /** Stops accepting requests, rolls back open transactions and closes the server (not the database). */
  close(): Promise<void>;
}

/** Sends a JSON body: an object, or text already serialized (large results are serialized once). */
function send(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

/** The request body as a JSON object; the Data API's requests are `Content-type: application/json`. */
async function requestBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(req, REQUEST_LIMIT_BYTES);
  } catch (err) {
    if (!(err instanceof BodyTooLargeError)) throw err;
    throw badRequest(
      `Request size ${err.size} bytes exceeds the Data API limit of ${REQUEST_LIMIT_BYTES} bytes (4 MiB).`,
    );
  }
  try {
    const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new DataApiFault('SerializationException', 400, 'The request body is not a JSON object.');
  }
}

/**
 * Starts the local Data API endpoint over `pg`. Sessions run in UTC, as Data API sessions do.
 * Requests are served one at a time on the one PGlite session; a transaction holds the session until
 * it is committed, rolled back or expires.
 */
export async function startDataApiServer(options: DataApiServerOptions): Promise<DataApiServer> {
  const { pg } = options;
  const owner = sessionOwner(pg);
  await pg.waitReady;
  await owner.acquire('setup');
  let typeInfo: Map<number, TypeInfo>;
  let sessionUser: string;
  try {
    await pg.exec("SET TIME ZONE 'UTC'");
    typeInfo = await loadTypeInfo(pg);
    sessionUser = (await pg.query<{ name: string }>('SELECT session_user AS name')).rows[0]!.name;
  } finally {
    owner.release('setup');
  }
  const operations = new DataApiOperations(
    pg,
    owner,
    typeInfo,
    options.transactionTimeoutMs ?? TRANSACTION_IDLE_TIMEOUT_MS,
    sessionUser,
  );

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST')
          throw new DataApiFault('UnknownOperationException', 404, `${req.method} is not supported.`);
        // https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html
        const refusal = refuseForeignRequest(req, { contentTypes: ['application/json'] });
        if (refusal) {
          throw new DataApiFault(
            refusal.status === 415 ? 'BadRequestException' : 'ForbiddenException',
            refusal.status,
            refusal.message,
          );
        }
        const body = await requestBody(req);
        const path = (req.url ?? '/').split('?')[0];
        const text = JSON.stringify(await operations.handle(path, body));
        const size = Buffer.byteLength(text);
        if (size > RESPONSE_LIMIT_BYTES) {
          throw badRequest(
            `Database returned more than the allowed response size limit (${size} bytes > 1 MiB). ` +
              'Select fewer rows or columns, or page with LIMIT/OFFSET.',
          );
        }
        send(res, 200, text);
      } catch (err) {
        const fault = databaseFault(err);
        send(res, fault.status, { message: fault.message }, fault.type);
      }
    })();
  });
  server.keepAliveTimeout = 5000;
  const { port, url } = await listen(server, {
    port: options.port ?? 0,
    host: options.host,
    flag: '--data-api-port',
  });
  return {
    url,
    port,
    simulateResuming(requests: number) {
      if (!Number.isInteger(requests) || requests < 0) {
        throw new RangeError(`simulateResuming: requests must be a whole number >= 0, got ${requests}.`);
      }
      operations.resumingRequests = requests;
    },
    async close() {
      await operations.close();
      await closeServer(server);
    },
  };
}

/** An SDK client for a local endpoint: any credentials and region work there. */
export function localDataApiClient(endpoint: string): RDSDataClient {
  return new RDSDataClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/**
 * The platform's `Database` layer over the real SDK client, pointed at a local endpoint, signed in
 * with `secretArn`: the master secret by default, `LOCAL_DASHBOARD_SECRET_ARN` or
 * `LOCAL_LOADER_SECRET_ARN` for a service's database role.
 */
export function localDatabase(
  endpoint: string,
  retry?: RetryOptions,
  secretArn: string = LOCAL_SECRET_ARN,
): { db: Database; client: RDSDataClient } {
  const client = localDataApiClient(endpoint);
  const db = createDatabase({
    resourceArn: LOCAL_CLUSTER_ARN,
    secretArn,
    database: LOCAL_DATABASE,
    client,
    retry,
  });
  return { db, client };
}
