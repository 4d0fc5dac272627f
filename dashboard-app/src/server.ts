/**
 * The HTTP server around the dashboard's request handler, with a clean shutdown: stop accepting
 * connections, let requests in flight finish, close idle keep-alive connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboardHandler, type DashboardOptions } from './routes';

/**
 * The app's request handler, for hostings that bring their own server (a Function URL adapter,
 * which sets `req.socket.remoteAddress` from the request's source IP).
 */
export { createDashboardHandler, type DashboardOptions };

export interface RunningDashboard {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

export async function startDashboardServer(
  options: DashboardOptions & { readonly port?: number; readonly host?: string },
): Promise<RunningDashboard> {
  const handler = createDashboardHandler(options);
  const server = createServer((req, res) => void handler(req, res));
  // Slow-client protection: whole requests within 30 s, headers within 10 s.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
