import { PGlite } from '@electric-sql/pglite';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { Database } from '../../db/database';
import { runMigrations } from '../../migrations/runner';
import type { RetryOptions } from '../../db/retry';
import {
  localDataApiClient,
  localDatabase,
  startDataApiServer,
  type DataApiServer,
} from '../../local/data-api-server';
import type { Migration } from '../../migrations/index';

export interface TestDatabase {
  /** A `Database` over the real RDS Data API client, pointed at the local endpoint. */
  readonly db: Database;
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
  const { db, client } = localDatabase(
    server.url,
    options.retry ?? { baseDelayMs: 10, maxDelayMs: 100, budgetMs: 2_000 },
  );
  try {
    await runMigrations(db, options.migrations);
  } catch (err) {
    await server.close();
    await pg.close();
    throw err;
  }
  return {
    db,
    pg,
    endpoint: server.url,
    client,
    server,
    async close() {
      client.destroy();
      await server.close();
      await pg.close();
    },
  };
}
