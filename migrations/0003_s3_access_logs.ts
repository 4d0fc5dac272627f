import type { Migration } from './migration';

/**
 * S3 server access logs: the indexes the overview and the rollup maintenance read through, and the
 * hourly rollup table (see `lambda/loader/s3-access-log/rollups.ts` for how it is kept exact).
 */
export const s3AccessLogs: Migration = {
  id: '0003_s3_access_logs',
  description: 'S3 access logs: indexes and hourly rollups',
  statements: [
    // Rollup recomputation and time-range queries per bucket.
    'CREATE INDEX IF NOT EXISTS s3_access_logs_bucket_time ON s3_access_logs (bucket, request_time)',
    `CREATE TABLE IF NOT EXISTS s3_access_log_hourly (
      bucket text NOT NULL,
      hour timestamptz NOT NULL,
      requests bigint NOT NULL,
      bytes_sent bigint NOT NULL,
      errors bigint NOT NULL,
      server_errors bigint NOT NULL,
      distinct_keys bigint NOT NULL,
      distinct_requesters bigint NOT NULL,
      distinct_remote_ips bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bucket, hour)
    )`,
    'CREATE INDEX IF NOT EXISTS s3_access_log_hourly_hour ON s3_access_log_hourly (hour)',
  ],
};
