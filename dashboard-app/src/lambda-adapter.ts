/**
 * Serves the dashboard's own request handler (`createDashboardHandler`, the same routes as the
 * container) to a Lambda Function URL: each event (payload format 2.0) becomes a Node request and
 * response pair, and the response comes back as the result object the Function URL expects.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
 *
 * Before anything else it checks the caller's address against the allowlist: the source IP of the
 * request context is set by Lambda from the connection, so, unlike `X-Forwarded-For`, a client
 * cannot forge it. The same address becomes `req.socket.remoteAddress`, which the app keys its login
 * rate limit on.
 *
 * A buffered Function URL returns at most 6 MB: a larger response is replaced by a 502 that says so,
 * and logged, instead of failing without a word. Text responses are gzipped for clients that accept
 * it, which keeps the ECharts bundle (about 1 MB) far below the limit.
 * https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { AddressAllowlist } from './lambda-allowlist';

/** The request event of a Function URL (payload format version 2.0), as far as the adapter reads it. */
export interface FunctionUrlEvent {
  readonly version?: string;
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly cookies?: readonly string[];
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly requestContext: {
    readonly http: {
      readonly method: string;
      readonly sourceIp: string;
      readonly protocol?: string;
    };
    readonly requestId?: string;
  };
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** The response a Function URL turns into HTTP: `cookies` carries every Set-Cookie. */
export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies?: string[];
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The app's request handler: the signature of `createDashboardHandler`'s result. */
export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Bytes a buffered Function URL can return, the serialized result object included. */
export const FUNCTION_URL_MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

/** Bodies at least this large, of a text type, are gzipped when the client accepts gzip. */
export const GZIP_MIN_BYTES = 1024;

export interface FunctionUrlAdapterOptions {
  /**
   * Makes the app's handler. Called once, on the first request that passes the allowlist (so a
   * refused caller never causes a secret to be read), and again after a failure.
   */
  readonly createHandler: () => NodeRequestHandler | Promise<NodeRequestHandler>;
  /** Networks allowed in (CIDR). @default every address (the app's login still applies) */
  readonly allowedCidrs?: readonly string[];
  /** @default FUNCTION_URL_MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** @default one JSON line on stdout */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export type FunctionUrlHandler = (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;

const TEXT_TYPE = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/i;

/** Builds the Lambda handler for a Function URL around the app's own request handler. */
export function createFunctionUrlHandler(options: FunctionUrlAdapterOptions): FunctionUrlHandler {
  const allowlist = options.allowedCidrs?.length ? new AddressAllowlist(options.allowedCidrs) : undefined;
  const maxBytes = options.maxResponseBytes ?? FUNCTION_URL_MAX_RESPONSE_BYTES;
  const log = options.log ?? ((message, fields) => console.log(JSON.stringify({ message, ...fields })));
  let app: Promise<NodeRequestHandler> | undefined;
  const appHandler = (): Promise<NodeRequestHandler> => {
    if (!app) {
      app = Promise.resolve().then(options.createHandler);
      app.catch(() => (app = undefined));
    }
    return app;
  };

  return async (event) => {
    const sourceIp = event.requestContext?.http?.sourceIp ?? '';
    if (allowlist && !allowlist.allows(sourceIp)) {
      log('request refused: source address outside dashboardAllowedCidrs', { sourceIp, path: event.rawPath });
      return plain(403, 'Forbidden: your address is not in the networks this dashboard admits.');
    }
    const req = new FunctionUrlRequest(event);
    const res = new FunctionUrlResponse(req);
    try {
      const handler = await appHandler();
      await Promise.all([
        handler(req as unknown as IncomingMessage, res as unknown as ServerResponse),
        res.done,
      ]);
    } catch (err) {
      log('request failed in the Function URL adapter', { path: event.rawPath, error: String(err) });
      return plain(502, 'The dashboard failed to answer this request; the function log has the details.');
    }
    if (res.failed) return plain(502, 'The dashboard closed the response before finishing it.');

    const result = toResult(res, String(event.headers?.['accept-encoding'] ?? ''));
    const size = Buffer.byteLength(JSON.stringify(result));
    if (size > maxBytes) {
      log('response too large for a Function URL', { path: event.rawPath, bytes: size, limit: maxBytes });
      return {
        ...plain(
          502,
          JSON.stringify({
            error:
              `The response is ${size} bytes, more than the ${maxBytes} bytes a Lambda Function URL can return. ` +
              'Ask for less (a shorter time range or fewer rows).',
          }),
        ),
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      };
    }
    return result;
  };
}

function plain(statusCode: number, text: string): FunctionUrlResult {
  return {
    statusCode,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: text,
    isBase64Encoded: false,
  };
}

function toResult(res: FunctionUrlResponse, acceptEncoding: string): FunctionUrlResult {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined) continue;
    if (name === 'set-cookie') {
      cookies = (Array.isArray(value) ? value : [value]).map(String);
      continue;
    }
    // The Function URL sets the length of what it sends; a stale one would truncate a gzipped body.
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  let body = res.body();
  const type = headers['content-type'] ?? '';
  const text = TEXT_TYPE.test(type);
  if (
    text &&
    !headers['content-encoding'] &&
    body.length >= GZIP_MIN_BYTES &&
    /(^|[\s,])gzip(\s*;\s*q=(?!0(\.0*)?\b)[\d.]+)?\s*(,|$)/i.test(acceptEncoding)
  ) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
    headers['vary'] = headers['vary'] ? `${headers['vary']}, Accept-Encoding` : 'Accept-Encoding';
    return {
      statusCode: res.statusCode,
      headers,
      cookies,
      body: body.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return text || body.length === 0
    ? { statusCode: res.statusCode, headers, cookies, body: body.toString('utf8'), isBase64Encoded: false }
    : { statusCode: res.statusCode, headers, cookies, body: body.toString('base64'), isBase64Encoded: true };
}

/** The parts of `http.IncomingMessage` a request handler reads, filled from the event. */
class FunctionUrlRequest extends Readable {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersion = '1.1';
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  /** The caller as Lambda saw it: what `req.socket.remoteAddress` means for a socket server. */
  readonly socket: { readonly remoteAddress: string; readonly encrypted: true };
  readonly connection: { readonly remoteAddress: string; readonly encrypted: true };
  complete = false;

  constructor(event: FunctionUrlEvent) {
    super();
    this.method = event.requestContext.http.method.toUpperCase();
    this.url = event.rawPath + (event.rawQueryString ? `?${event.rawQueryString}` : '');
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    // Function URLs move the Cookie header into `cookies`.
    if (event.cookies?.length) headers.cookie = event.cookies.join('; ');
    this.headers = headers;
    this.rawHeaders = Object.entries(headers).flatMap(([name, value]) => [name, String(value)]);
    this.socket = this.connection = { remoteAddress: event.requestContext.http.sourceIp, encrypted: true };
    const body = event.body
      ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    if (body.length > 0) this.push(body);
    this.push(null);
    this.once('end', () => (this.complete = true));
  }

  override _read(): void {
    // The whole body is already buffered.
  }

  setTimeout(): this {
    return this;
  }
}

type HeaderValue = number | string | readonly string[];

/**
 * The parts of `http.ServerResponse` a request handler writes: status, headers (set or written
 * with `writeHead`), body chunks and the end. The body is collected in memory.
 */
class FunctionUrlResponse extends Writable {
  statusCode = 200;
  statusMessage = '';
  readonly req: FunctionUrlRequest;
  /** Resolves when the handler ended the response, or it was destroyed. */
  readonly done: Promise<void>;
  failed = false;
  private sent = false;
  private readonly fields = new Map<string, { name: string; value: HeaderValue }>();
  private readonly chunks: Buffer[] = [];

  constructor(req: FunctionUrlRequest) {
    super();
    this.req = req;
    this.done = new Promise((resolve) => {
      this.once('finish', () => resolve());
      this.once('close', () => {
        if (!this.writableFinished) this.failed = true;
        resolve();
      });
    });
  }

  get headersSent(): boolean {
    return this.sent;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.sent) throw new Error(`Cannot set header ${name} after the response head was sent.`);
    this.fields.set(name.toLowerCase(), { name, value });
    return this;
  }

  appendHeader(name: string, value: HeaderValue): this {
    const existing = this.fields.get(name.toLowerCase())?.value;
    if (existing === undefined) return this.setHeader(name, value);
    const list = [existing, value].flat().map(String);
    return this.setHeader(name, list);
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }

  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    for (const [key, { value }] of this.fields) out[key] = value as OutgoingHttpHeaders[string];
    return out;
  }

  getHeaderNames(): string[] {
    return [...this.fields.keys()];
  }

  hasHeader(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.fields.delete(name.toLowerCase());
  }

  writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | readonly string[],
    maybeHeaders?: OutgoingHttpHeaders | readonly string[],
  ): this {
    const headers = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
    if (typeof reasonOrHeaders === 'string') this.statusMessage = reasonOrHeaders;
    this.statusCode = statusCode;
    if (Array.isArray(headers)) {
      // [name, value, name, value, ...], as http.ServerResponse accepts.
      for (let i = 0; i + 1 < headers.length; i += 2)
        this.appendHeader(String(headers[i]), String(headers[i + 1]));
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) this.setHeader(name, value as HeaderValue);
      }
    }
    this.sent = true;
    return this;
  }

  flushHeaders(): void {
    this.sent = true;
  }

  writeContinue(): void {
    // Nothing to continue: the Function URL delivered the whole request body.
  }

  setTimeout(): this {
    return this;
  }

  override _write(
    chunk: Buffer | string,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.sent = true;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.sent = true;
    callback();
  }

  body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
