import type { Migration } from './migration';

/** Bookkeeping of the loader: which objects were loaded, and the lines it could not parse. */
export const loader: Migration = {
  id: '0002_loader',
  description: 'Loader bookkeeping: loaded_objects and rejected_rows',
  statements: [
    `CREATE TABLE IF NOT EXISTS loaded_objects (
      bucket text NOT NULL,
      object_key text NOT NULL,
      etag text NOT NULL,
      dataset text NOT NULL,
      rows_inserted integer NOT NULL,
      rows_rejected integer NOT NULL,
      rows_skipped integer NOT NULL,
      loaded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bucket, object_key, etag)
    )`,
    'CREATE INDEX IF NOT EXISTS loaded_objects_loaded_at ON loaded_objects (loaded_at)',
    `CREATE TABLE IF NOT EXISTS rejected_rows (
      bucket text NOT NULL,
      object_key text NOT NULL,
      line_number integer NOT NULL,
      reason text NOT NULL,
      raw_line text NOT NULL,
      rejected_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bucket, object_key, line_number)
    )`,
    'CREATE INDEX IF NOT EXISTS rejected_rows_rejected_at ON rejected_rows (rejected_at)',
  ],
};
