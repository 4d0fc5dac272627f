import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP plumbing every local endpoint shares: reading a request body under a size limit,
 * listening on a port (the same "port in use" message for every port of `npm start`), and closing.
 */

/** A request body above the endpoint's limit. The body was read to its end and dropped. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`The request body has ${size} bytes; the limit is ${limit} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a whole request body. Above `limit` bytes the rest is read and dropped (so the client gets
 * an answer instead of a reset connection) and the promise rejects with `BodyTooLargeError`.
 */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new BodyTooLargeError(size, limit);
  return Buffer.concat(chunks);
}

/** The message for a port that is taken: names the flag that changes it. */
export function portInUseMessage(port: number, flag: string): string {
  return `port ${port} is already in use: choose another with ${flag} <port> (0 picks a free port).`;
}

/** True for the error Node raises when a port is taken. */
export function isPortInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

export interface ListenOptions {
  /** 0 picks a free port. A taken port fails: it never moves silently to another one. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The `npm start` flag that sets this port, named in the error when the port is taken. */
  readonly flag: string;
}

/** Listens on `options.port`; resolves with the port and the base URL (`http://127.0.0.1:<port>`). */
export async function listen(
  server: http.Server,
  options: ListenOptions,
): Promise<{ port: number; url: string }> {
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (isPortInUse(err)) throw new Error(portInUseMessage(options.port, options.flag), { cause: err });
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/** Stops accepting connections, drops open ones and resolves once the server is closed. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
