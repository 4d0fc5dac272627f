import type { Migration } from './migration';

/**
 * The tables of the built-in datasets, as they were first defined. The SQL is fixed text, not derived
 * from `datasets/` at run time: an applied migration must never change (the runner refuses one whose
 * checksum moved). A change to a dataset definition needs a new migration that alters its table;
 * `test/migrations/frozen.test.ts` fails until the migrations build the schema the definitions
 * describe, and prints the statement to start from.
 */
export const datasets: Migration = {
  id: '0001_datasets',
  description: 'Dataset tables: usage, trades, samples, s3_access_logs',
  statements: [
    `CREATE TABLE IF NOT EXISTS usage (
  person_name text NOT NULL,
  birth_date date NOT NULL,
  accessed_at timestamptz NOT NULL,
  session_duration integer NOT NULL,
  download_speed double precision NOT NULL,
  upload_speed double precision NOT NULL,
  consumed_traffic double precision NOT NULL,
  PRIMARY KEY (person_name, accessed_at)
)`,
    `CREATE INDEX IF NOT EXISTS usage_accessed_at_idx ON usage (accessed_at)`,
    `CREATE TABLE IF NOT EXISTS trades (
  trade_id text NOT NULL,
  symbol text NOT NULL,
  price numeric NOT NULL,
  volume numeric NOT NULL,
  traded_at timestamptz NOT NULL,
  PRIMARY KEY (trade_id)
)`,
    `CREATE INDEX IF NOT EXISTS trades_traded_at_idx ON trades (traded_at)`,
    `CREATE TABLE IF NOT EXISTS samples (
  sample_id uuid NOT NULL,
  sampled_at timestamptz NOT NULL,
  walk double precision NOT NULL,
  normal double precision NOT NULL,
  category text NOT NULL,
  flag boolean NOT NULL,
  attributes jsonb,
  PRIMARY KEY (sample_id)
)`,
    `CREATE INDEX IF NOT EXISTS samples_sampled_at_idx ON samples (sampled_at)`,
    `CREATE TABLE IF NOT EXISTS s3_access_logs (
  record_id text NOT NULL,
  bucket_owner text,
  bucket text NOT NULL,
  request_time timestamptz NOT NULL,
  remote_ip text,
  requester text,
  request_id text NOT NULL,
  operation text NOT NULL,
  key text,
  key_decoded text,
  request_uri text,
  http_status integer,
  error_code text,
  bytes_sent bigint,
  object_size bigint,
  total_time integer,
  turn_around_time integer,
  referer text,
  user_agent text,
  version_id text,
  host_id text,
  signature_version text,
  cipher_suite text,
  authentication_type text,
  host_header text,
  tls_version text,
  access_point_arn text,
  acl_required boolean,
  source_region text,
  PRIMARY KEY (record_id)
)`,
    `CREATE INDEX IF NOT EXISTS s3_access_logs_request_time_idx ON s3_access_logs (request_time)`,
  ],
};
