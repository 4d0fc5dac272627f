import type { Migration } from './migration';

/**
 * The services' database roles (see `migrations/roles.ts` for what each may do, and why). Created
 * NOLOGIN and without a password: the database setup stack gives each one LOGIN and the password of
 * its secret at deploy, after the migrations, so no password is ever written in a migration. Roles
 * belong to the cluster, not the database, and CREATE ROLE has no IF NOT EXISTS: each one is created
 * unless it exists already (a database restored next to an earlier one keeps its roles).
 *
 * Grants name each table: a table created later is granted to its readers and writers by the
 * migration that creates it (and listed in `TABLE_ACCESS`), never by default, so a new table is
 * reachable by no service until a migration says which. The advisory locks the loader takes around
 * rollup recomputes are functions every role may call (PostgreSQL grants them to PUBLIC).
 * https://www.postgresql.org/docs/current/sql-grant.html
 */
export const databaseRoles: Migration = {
  id: '0007_database_roles',
  description: 'Database roles of the services: a read-only dashboard and a loading loader',
  statements: [
    `DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'analytics_dashboard') THEN
    CREATE ROLE analytics_dashboard NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'analytics_loader') THEN
    CREATE ROLE analytics_loader NOLOGIN;
  END IF;
END $$`,
    // The default since PostgreSQL 15; stated so that no role can create tables in the schema whatever
    // the database was created with.
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    'GRANT USAGE ON SCHEMA public TO analytics_dashboard, analytics_loader',
    `GRANT SELECT ON usage, trades, samples, s3_access_logs, s3_access_log_hourly, loaded_objects,
  metric_rollups, metric_rollup_days, metric_rollup_entities, metric_rollup_pending TO analytics_dashboard`,
    'GRANT SELECT (bucket, object_key, line_number, reason, rejected_at) ON rejected_rows TO analytics_dashboard',
    'GRANT SELECT, INSERT, DELETE ON revoked_sessions TO analytics_dashboard',
    'GRANT SELECT, INSERT, UPDATE ON usage, trades, samples, s3_access_logs, s3_access_log_hourly, loaded_objects TO analytics_loader',
    // A recompute claims a day's pending mark (DELETE ... FOR UPDATE) and replaces its rollups; the
    // statement triggers of the dataset tables mark days as the writer (INSERT ... ON CONFLICT DO UPDATE).
    `GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollups, metric_rollup_days, metric_rollup_entities,
  metric_rollup_pending TO analytics_loader`,
    // ON CONFLICT (bucket, object_key, line_number) DO NOTHING reads the key columns of the conflict target.
    'GRANT INSERT, SELECT (bucket, object_key, line_number) ON rejected_rows TO analytics_loader',
  ],
};
