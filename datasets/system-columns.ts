import type { ColumnType } from './types';

/**
 * Columns the platform adds to every dataset table, beside the dataset's own: which version of a
 * record the row holds. Defined here once; the migrations, the loader's upsert and the schema check
 * all read this list.
 *
 * A version is ordered by (`_ingested_at`, `_object_key`, `_line_number`): the latest version of a
 * record wins, whatever the order in which objects are loaded. Names start with an underscore,
 * which dataset column names cannot (they must be snake_case starting with a letter), so the two
 * never collide.
 */
export interface SystemColumn {
  readonly name: string;
  readonly type: ColumnType;
  /** The value rows loaded before versions were recorded hold, as SQL. */
  readonly legacyDefault: string;
  readonly description: string;
}

export const SYSTEM_COLUMNS: readonly SystemColumn[] = [
  {
    name: '_ingested_at',
    type: 'timestamptz',
    legacyDefault: "'-infinity'",
    description:
      'When the object holding this version was stored in the lake (its S3 LastModified); -infinity when unknown.',
  },
  {
    name: '_object_key',
    type: 'text',
    legacyDefault: "''",
    description: 'Key of the object holding this version (in the lake or the log bucket).',
  },
  {
    name: '_line_number',
    type: 'integer',
    legacyDefault: '0',
    description: 'Line of this version in its object.',
  },
];

/** The system column names, in version order. */
export const SYSTEM_COLUMN_NAMES: readonly string[] = SYSTEM_COLUMNS.map((c) => c.name);
