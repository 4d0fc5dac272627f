/**
 * The address of the client that a login attempt is counted against. It must be one the client
 * cannot choose, and where that is depends on the hosting:
 *
 * - `socket` (default): the TCP peer. Right locally, and for the Lambda Function URL adapter, which
 *   sets it from `requestContext.http.sourceIp`, "the source IP address of the immediate TCP
 *   connection making the request"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html).
 * - `x-forwarded-for-rightmost`: the last `X-Forwarded-For` entry, behind a proxy that appends the
 *   address it received the request from. An Application Load Balancer (also the one of ECS Express
 *   Mode) does so by default: with `routing.http.xff_header_processing.mode` `append`, it "adds the
 *   client IP address (of the last hop) to the X-Forwarded-For header"
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html,
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html).
 *   App Runner preserves "the original source IP addresses ... by assigning the X-Forwarded-For
 *   request header to them" (https://docs.aws.amazon.com/apprunner/latest/dg/network-incoming.html):
 *   whether it appends or replaces, the rightmost entry is the address it saw. Entries to its left
 *   come from the client and are ignored. Behind these proxies the socket is the proxy itself.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const CLIENT_ADDRESS_SOURCES = ['socket', 'x-forwarded-for-rightmost'] as const;
export type ClientAddressSource = (typeof CLIENT_ADDRESS_SOURCES)[number];

/** An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address. */
function plain(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4
    ? address.slice(7)
    : address;
}

/** An X-Forwarded-For entry as an address: without a port (`a.b.c.d:p`, `[v6]:p`), or undefined. */
function forwardedAddress(entry: string): string | undefined {
  let address = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  return isIP(address) ? plain(address) : undefined;
}

export function clientAddress(req: IncomingMessage, source: ClientAddressSource): string {
  if (source === 'x-forwarded-for-rightmost') {
    const header = req.headers['x-forwarded-for'];
    const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    const last = entries
      .map((e) => e.trim())
      .filter(Boolean)
      .pop();
    const address = last === undefined ? undefined : forwardedAddress(last);
    if (address) return address;
  }
  const socket = req.socket.remoteAddress;
  return socket ? plain(socket) : 'unknown';
}
