import { PGlite } from '@electric-sql/pglite';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { Database } from '../../db/database';
import { runMigrations } from '../../migrations/runner';
import type { RetryOptions } from '../../db/retry';
import {
  LOCAL_DASHBOARD_SECRET_ARN,
  LOCAL_LOADER_SECRET_ARN,
  localDataApiClient,
  localDatabase,
  startDataApiServer,
  type DataApiServer,
} from '../../local/data-api-server';
import type { Migration } from '../../migrations/index';

export interface TestDatabase {
  /** A `Database` over the real RDS Data API client, pointed at the local endpoint (master secret). */
  readonly db: Database;
  /** The same, signed in with the dashboard's secret: the dashboard's database role. */
  readonly dashboard: Database;
  /** The same, signed in with the loader's secret: the loader's database role. */
  readonly loader: Database;
  /** The embedded Postgres behind the endpoint, for direct inspection. */
  readonly pg: PGlite;
  /** The local Data API endpoint URL. */
  readonly endpoint: string;
  /** The SDK client used by `db`, for tests that send commands directly. */
  readonly client: RDSDataClient;
  /** The local endpoint, e.g. to `simulateResuming(n)`. */
  readonly server: DataApiServer;
  /** Stops the endpoint and closes the database. */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Migrations to apply. @default MIGRATIONS (every migration); [] for an empty database */
  readonly migrations?: readonly Migration[];
  /** Retry policy of `db`. @default fast retries (10 ms base) so tests do not wait */
  readonly retry?: RetryOptions;
}

export { localDataApiClient };

/**
 * An in-memory Postgres (PGlite) with the migrations applied, the local Data API endpoint on a free
 * port, and a `Database` built with `createDatabase` over the real SDK client. For integration tests:
 *
 * ```ts
 * let t: TestDatabase;
 * beforeAll(async () => { t = await startTestDatabase(); });
 * afterAll(() => t.close());
 * ```
 */
export async function startTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const pg = await PGlite.create();
  const server = await startDataApiServer({ pg });
  const retry = options.retry ?? { baseDelayMs: 10, maxDelayMs: 100, budgetMs: 2_000 };
  const { db, client } = localDatabase(server.url, retry);
  const dashboard = localDatabase(server.url, retry, LOCAL_DASHBOARD_SECRET_ARN);
  const loader = localDatabase(server.url, retry, LOCAL_LOADER_SECRET_ARN);
  const destroyClients = () => {
    for (const c of [client, dashboard.client, loader.client]) c.destroy();
  };
  try {
    await runMigrations(db, options.migrations);
  } catch (err) {
    destroyClients();
    await server.close();
    await pg.close();
    throw err;
  }
  return {
    db,
    dashboard: dashboard.db,
    loader: loader.db,
    pg,
    endpoint: server.url,
    client,
    server,
    async close() {
      destroyClients();
      await server.close();
      await pg.close();
    },
  };
}
