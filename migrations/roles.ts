/**
 * The database roles of the services, and what each may do to each table. The master user (the
 * cluster's admin, `analytics_admin` in AWS) owns the schema and runs only the migrations; the
 * dashboard and the loader sign in as roles of their own, created by `0007_database_roles` and given
 * their passwords at deploy (each from its own secret), so a bug or an injected statement in one
 * service can do no more than that service's job.
 *
 * `TABLE_ACCESS` lists every table of the schema. A migration that creates a table grants its readers
 * and writers what they need in the same migration and adds the table here;
 * `test/migrations/database-roles.test.ts` fails while a table of the migrated schema is missing here
 * or its grants differ from what is listed (too few or too many).
 */

/** The services' database roles. Cluster-wide names: one cluster serves one platform. */
export const DATABASE_ROLES = {
  /** The dashboard: reads what it charts, records logouts. */
  dashboard: 'analytics_dashboard',
  /** The loader: inserts and upserts rows, its bookkeeping and the rollups. */
  loader: 'analytics_loader',
} as const;

export type ServiceRole = keyof typeof DATABASE_ROLES;

export type TablePrivilege =
  'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';

/** What one role may do to one table. */
export interface TableAccess {
  /** Privileges on the whole table; [] for none. */
  readonly table: readonly TablePrivilege[];
  /** SELECT on these columns only, where the whole table is not readable. @default none */
  readonly selectColumns?: readonly string[];
}

const NONE: TableAccess = { table: [] };
const READ: TableAccess = { table: ['SELECT'] };
/** Insert, and update through `INSERT ... ON CONFLICT DO UPDATE`, which reads the row it updates. */
const UPSERT: TableAccess = { table: ['SELECT', 'INSERT', 'UPDATE'] };
/** Replace: a recompute deletes a day's rollups and inserts them anew. */
const REPLACE: TableAccess = { table: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] };

/** Every table of the schema, with what each service role may do to it. */
export const TABLE_ACCESS: Readonly<Record<string, Readonly<Record<ServiceRole, TableAccess>>>> = {
  // Dataset tables: charted by the dashboard, loaded by the loader (rows are never deleted by it).
  usage: { dashboard: READ, loader: UPSERT },
  trades: { dashboard: READ, loader: UPSERT },
  samples: { dashboard: READ, loader: UPSERT },
  s3_access_logs: { dashboard: READ, loader: UPSERT },
  // Rollups: recomputed by the loader (upserts under its advisory locks), read by the dashboard.
  s3_access_log_hourly: { dashboard: READ, loader: UPSERT },
  // Metric rollups (migration 0006): the loader claims pending days and replaces their rollups; the
  // dataset tables' statement triggers mark days pending as whoever writes the rows.
  metric_rollups: { dashboard: READ, loader: REPLACE },
  metric_rollup_days: { dashboard: READ, loader: REPLACE },
  metric_rollup_entities: { dashboard: READ, loader: REPLACE },
  metric_rollup_pending: { dashboard: READ, loader: REPLACE },
  // The loader's bookkeeping; the dashboard's database view shows ingestion and recent rejections,
  // but not the rejected input itself (raw_line may hold anything a producer sent).
  loaded_objects: { dashboard: READ, loader: UPSERT },
  rejected_rows: {
    dashboard: { table: [], selectColumns: ['bucket', 'object_key', 'line_number', 'reason', 'rejected_at'] },
    // Its inserts skip lines already kept (ON CONFLICT on the key reads the key columns).
    loader: { table: ['INSERT'], selectColumns: ['bucket', 'object_key', 'line_number'] },
  },
  // Logouts: recorded, checked and purged by the dashboard only.
  revoked_sessions: { dashboard: { table: ['SELECT', 'INSERT', 'DELETE'] }, loader: NONE },
  // Written by the migration runner (the master) only.
  schema_migrations: { dashboard: NONE, loader: NONE },
};
