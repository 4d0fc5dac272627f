/**
 * HTTP helpers of the dashboard: the headers every response carries, JSON/HTML/redirect answers,
 * a bounded body reader, and the one same-origin check that every state-changing request passes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error';

/** Headers on every response. The page loads scripts and styles from this origin only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer, browsers send "Origin: null" on form posts,
  // which the same-origin check must refuse.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

export type Headers = Readonly<Record<string, string>>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Headers = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(html);
}

/** A file's bytes (none for HEAD). */
export function sendFile(
  res: ServerResponse,
  method: string,
  body: Buffer,
  type: string,
  cacheControl: string,
): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': cacheControl });
  res.end(method === 'HEAD' ? undefined : body);
}

/** A 303 to `location` (after a form post, or to the login page), with extra headers such as a cookie. */
export function redirect(res: ServerResponse, location: string, headers: Headers = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Cache-Control': 'no-store', ...headers });
  res.end();
}

export function sendEmpty(res: ServerResponse, status: number, headers: Headers = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
  res.end();
}

/** Bytes of an oversized body still read (and dropped) so that the client receives the 413. */
const DRAIN_LIMIT = 1024 * 1024;

/** The body as UTF-8 text, refused with a 413 beyond `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size - chunk.length <= limit) {
        reject(
          new HttpError(413, `The request body is larger than ${limit} bytes.`, { Connection: 'close' }),
        );
        chunks.length = 0;
      } else if (size > limit + DRAIN_LIMIT) req.destroy();
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Refuses a request whose `Origin` is missing or names another host: the cross-site request
 * forgery check of every request that changes state (the session cookies are also SameSite=Strict).
 */
export function assertSameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  const host = req.headers.host;
  let same = false;
  try {
    same = Boolean(origin && host && new URL(origin).host === host);
  } catch {
    same = false;
  }
  if (!same) {
    throw new HttpError(
      403,
      `${req.method} requests must come from this site (the Origin header is missing or foreign).`,
    );
  }
}
