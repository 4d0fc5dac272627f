import type * as http from 'node:http';

/**
 * One check for every local endpoint (Data API, ingest, S3 stand-in, loader queue, and any other
 * endpoint `npm start` opens): the endpoints have no authentication, so they must only be reachable
 * by programs on this machine, never by a web page the user happens to visit.
 *
 * - `Host` must name the loopback interface (`127.0.0.1`, `[::1]`, `localhost`): a page on a
 *   domain that re-binds its DNS name to 127.0.0.1 (DNS rebinding) sends its own name as Host.
 * - `Origin`, when a browser sends it, must be the endpoint's own origin: every cross-origin POST
 *   carries it (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Origin).
 * - `Sec-Fetch-Site`, when present, must be `same-origin` or `none`: it also marks cross-site GETs
 *   such as `<img src>`, which carry no Origin
 *   (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Sec-Fetch-Site).
 * - Where the real API speaks JSON, the body must be declared JSON: a page can send `text/plain`,
 *   `multipart/form-data` or `application/x-www-form-urlencoded` cross-site without a CORS
 *   preflight, never `application/json`
 *   (https://developer.mozilla.org/en-US/docs/Glossary/CORS-safelisted_request_header).
 *
 * The AWS SDK, the AWS CLI, curl and Node's fetch send `Host: 127.0.0.1:<port>` and no Origin, so
 * they pass.
 */

export interface GuardOptions {
  /**
   * Media types (without parameters) a request with a body must declare, e.g. `application/json`.
   * @default any content type (the endpoint has content rules of its own, or takes any bytes)
   */
  readonly contentTypes?: readonly string[];
}

/** Why a request was refused: the HTTP status to answer and a message naming the header. */
export interface Refusal {
  readonly status: 403 | 415;
  readonly message: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The host name of a `Host` header value, without its port (`[::1]:80` → `[::1]`). */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The refusal for a request a local endpoint must not serve, or undefined when it may. */
export function refuseForeignRequest(
  req: http.IncomingMessage,
  options: GuardOptions = {},
): Refusal | undefined {
  const host = req.headers.host;
  if (!host || !LOOPBACK_HOSTS.has(hostName(host))) {
    return {
      status: 403,
      message:
        `Host ${JSON.stringify(host ?? '')} is refused: the local endpoints answer only requests addressed to ` +
        '127.0.0.1, [::1] or localhost.',
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host.trim().toLowerCase()}`) {
    return {
      status: 403,
      message: `Origin ${JSON.stringify(origin)} is refused: the local endpoints do not serve web pages of other origins.`,
    };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return {
      status: 403,
      message: `Sec-Fetch-Site ${JSON.stringify(site)} is refused: the local endpoints do not serve cross-site requests.`,
    };
  }
  if (options.contentTypes && hasBody(req)) {
    const declared = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!options.contentTypes.includes(declared)) {
      return {
        status: 415,
        message: `Content-Type ${JSON.stringify(declared)} is refused: send ${options.contentTypes.join(' or ')}.`,
      };
    }
  }
  return undefined;
}
