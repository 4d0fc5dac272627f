import type { Migration } from './migration';

/**
 * Record versions: every dataset table gets the system columns of `datasets/system-columns.ts`
 * (`_ingested_at`, `_object_key`, `_line_number`), so the loader keeps the latest version of a
 * record whatever the load order; rows loaded before hold the oldest possible version. The loader's
 * bookkeeping records the version of each object it loaded (`last_modified`) and the rows an object
 * replaced (`rows_updated`). Fixed text, like every applied migration.
 */
export const recordVersions: Migration = {
  id: '0004_record_versions',
  description: 'Record versions: system columns on every dataset table, object versions in loaded_objects',
  statements: [
    ...['usage', 'trades', 'samples', 's3_access_logs'].map(
      (table) =>
        `ALTER TABLE ${table}
  ADD COLUMN IF NOT EXISTS _ingested_at timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN IF NOT EXISTS _object_key text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS _line_number integer NOT NULL DEFAULT 0`,
    ),
    `ALTER TABLE loaded_objects
  ADD COLUMN IF NOT EXISTS last_modified timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN IF NOT EXISTS rows_updated integer NOT NULL DEFAULT 0`,
  ],
};
