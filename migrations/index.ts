import { datasets } from './0001_datasets';
import { loader } from './0002_loader';
import { s3AccessLogs } from './0003_s3_access_logs';
import { recordVersions } from './0004_record_versions';
import { revokedSessions } from './0005_revoked_sessions';
import { metricRollups } from './0006_metric_rollups';
import { databaseRoles } from './0007_database_roles';
import type { Migration } from './migration';

export type { Migration };

/** Every migration, in the order they are applied. */
export const MIGRATIONS: readonly Migration[] = [
  datasets,
  loader,
  s3AccessLogs,
  recordVersions,
  revokedSessions,
  metricRollups,
  databaseRoles,
];
