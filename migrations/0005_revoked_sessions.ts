import type { Migration } from './migration';

/**
 * Dashboard sessions ended by a logout, until their token would have expired anyway: every
 * instance of the dashboard refuses a token whose id is here. Logouts purge the expired rows, so the
 * table holds at most the sessions of the last 12 hours.
 */
export const revokedSessions: Migration = {
  id: '0005_revoked_sessions',
  description: 'Dashboard sessions ended by a logout',
  statements: [
    `CREATE TABLE IF NOT EXISTS revoked_sessions (
      id text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS revoked_sessions_expires_at ON revoked_sessions (expires_at)',
  ],
};
