import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { wireView } from './connection';

/**
 * The embedded database on the Postgres wire protocol (pglite-socket), so `psql` and other clients
 * can inspect it as they would Aurora. It shares the PGlite session with the local Data API endpoint:
 * statements are serialised, and a wire client's open transaction holds the session until it ends.
 */

export const LOCAL_POSTGRES_USER = 'postgres';
/** PGlite has one database; clients may name any database, `postgres` is the honest one. */
export const LOCAL_POSTGRES_DATABASE = 'postgres';

export interface PostgresServerOptions {
  readonly pg: PGlite;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Concurrent wire connections (they share one session). @default 8 */
  readonly maxConnections?: number;
}

export interface PostgresServer {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres?sslmode=disable`, for psql and drivers. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db: wireView(options.pg),
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 8,
  });
  let port = options.port ?? 0;
  server.addEventListener('listening', (event) => {
    port = (event as CustomEvent<{ port: number }>).detail.port;
  });
  await server.start();
  const url = `postgresql://${LOCAL_POSTGRES_USER}@${host}:${port}/${LOCAL_POSTGRES_DATABASE}?sslmode=disable`;
  return {
    url,
    port,
    close: () => server.stop(),
  };
}
