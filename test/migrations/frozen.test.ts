import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../datasets';
import { postgresType } from '../../datasets/sql';
import { SYSTEM_COLUMNS } from '../../datasets/system-columns';
import type { Dataset } from '../../datasets/types';
import { hasMetricRollups } from '../../lambda/loader/metric-rollups/refresh';
import { MIGRATIONS } from '../../migrations/index';
import { migrationChecksum } from '../../migrations/runner';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

/**
 * Applied migrations never change, and the migrations build exactly the schema the dataset
 * definitions describe. Editing a dataset without a migration fails here, with the way to fix it,
 * instead of at the next `cdk deploy` (where the runner refuses a changed migration).
 */

/**
 * The checksum of every released migration. A migration is released once it is on main: from then
 * on deployed databases hold its checksum and it may never change. Add a line when adding one.
 */
const RELEASED: Record<string, string> = {
  '0001_datasets': '59b9fba7624055eb0df70c74904cd6db21b8f61cd23b806715b4735707dd552b',
  '0002_loader': '339688e08549fa56647720129c37cf3e227c12c9424664a7d9cdecd89314be78',
  '0003_s3_access_logs': '271823fb213631569c7084e2542dae7b3f393ba91a5022e042a8be451558849a',
  '0004_record_versions': '1c68ab19c3dace779f7bc35d494b2ecaaf94ff13c014ff311c3f1123d21a05f7',
  '0005_revoked_sessions': '23d6d50d65244a4b7d15c15646330881b36ce0e922298cc64e7ea5257f3fa153',
  '0006_metric_rollups': 'e66979f8fd40e64a070babb48985d46250982d022a1b222938e2abc3e3f09ace',
  '0007_database_roles': 'aefd8b0617808dadace16f8b0e28b7968fc47a584832eecf453afeb60c7a0321',
};

describe('released migrations', () => {
  it.each(Object.entries(RELEASED))('%s keeps its checksum', (id, checksum) => {
    const migration = MIGRATIONS.find((m) => m.id === id);
    expect(migration, `migration ${id} was removed; released migrations stay in MIGRATIONS`).toBeDefined();
    expect(
      migrationChecksum(migration!),
      `migration ${id} changed after release. Deployed databases refuse it: restore its statements and ` +
        `put the change in a new migration (migrations/00NN_<name>.ts, appended to MIGRATIONS).`,
    ).toBe(checksum);
  });

  it('every migration has a pinned checksum', () => {
    const unpinned = MIGRATIONS.filter((m) => !(m.id in RELEASED)).map(
      (m) => `  '${m.id}': '${migrationChecksum(m)}',`,
    );
    expect(unpinned, `pin the new migrations in RELEASED (${__filename}):\n${unpinned.join('\n')}`).toEqual(
      [],
    );
  });
});

type ColumnRow = {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
};

/** information_schema's spelling of our Postgres types. */
const INFORMATION_SCHEMA_TYPE: Record<string, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  'double precision': 'double precision',
  numeric: 'numeric',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  uuid: 'uuid',
  jsonb: 'jsonb',
};

/**
 * Differences between a dataset definition and its table, each a sentence with the SQL that fixes
 * it. The table holds the dataset's columns and the system columns every dataset table has
 * (`datasets/system-columns.ts`), NOT NULL.
 */
function differences(
  dataset: Dataset,
  columns: readonly ColumnRow[],
  primaryKey: readonly string[],
): string[] {
  const problems: string[] = [];
  const table = new Map(columns.map((c) => [c.column_name, c]));
  if (table.size === 0) {
    return [`table ${dataset.name} does not exist: add a migration that creates it (see migrations/0001).`];
  }
  for (const column of dataset.columns) {
    const found = table.get(column.name);
    const type = postgresType(column);
    if (!found) {
      problems.push(
        `column ${dataset.name}.${column.name} is missing: ALTER TABLE ${dataset.name} ADD COLUMN ${column.name} ${type}` +
          `${column.nullable ? '' : ' NOT NULL'};`,
      );
      continue;
    }
    if (found.data_type !== INFORMATION_SCHEMA_TYPE[type]) {
      problems.push(
        `column ${dataset.name}.${column.name} is ${found.data_type} in the database, ${type} in the definition: ` +
          `ALTER TABLE ${dataset.name} ALTER COLUMN ${column.name} TYPE ${type} USING ${column.name}::${type};`,
      );
    }
    const nullable = found.is_nullable === 'YES';
    if (nullable !== Boolean(column.nullable)) {
      problems.push(
        `column ${dataset.name}.${column.name} is ${nullable ? 'nullable' : 'NOT NULL'} in the database: ` +
          `ALTER TABLE ${dataset.name} ALTER COLUMN ${column.name} ${column.nullable ? 'DROP' : 'SET'} NOT NULL;`,
      );
    }
  }
  for (const column of SYSTEM_COLUMNS) {
    const found = table.get(column.name);
    const type = postgresType(column);
    if (!found) {
      problems.push(
        `system column ${dataset.name}.${column.name} is missing: ALTER TABLE ${dataset.name} ADD COLUMN ` +
          `${column.name} ${type} NOT NULL DEFAULT ${column.legacyDefault};`,
      );
    } else if (found.data_type !== INFORMATION_SCHEMA_TYPE[type] || found.is_nullable !== 'NO') {
      problems.push(
        `system column ${dataset.name}.${column.name} is ${found.data_type}${found.is_nullable === 'YES' ? ' (nullable)' : ''} ` +
          `in the database, ${type} NOT NULL expected.`,
      );
    }
  }
  const defined = new Set([...dataset.columns, ...SYSTEM_COLUMNS].map((c) => c.name));
  for (const name of table.keys()) {
    if (!defined.has(name)) {
      problems.push(
        `column ${dataset.name}.${name} is in the database but not in the definition: ` +
          `ALTER TABLE ${dataset.name} DROP COLUMN ${name}; (or keep it in the definition)`,
      );
    }
  }
  if (primaryKey.join(',') !== dataset.key.join(',')) {
    problems.push(
      `the key of ${dataset.name} is (${primaryKey.join(', ')}) in the database, (${dataset.key.join(', ')}) ` +
        `in the definition: ALTER TABLE ${dataset.name} DROP CONSTRAINT ${dataset.name}_pkey, ` +
        `ADD PRIMARY KEY (${dataset.key.join(', ')});`,
    );
  }
  return problems;
}

describe('the migrations build the schema the dataset definitions describe', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await startTestDatabase();
  });
  afterAll(() => t.close());

  it.each(DATASETS.map((d) => [d.name, d] as const))('%s', async (_name, dataset) => {
    const columns = await t.db.query<ColumnRow>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = :table ORDER BY ordinal_position`,
      { table: dataset.name },
    );
    const key = await t.db.query<{ column_name: string }>(
      `SELECT a.attname AS column_name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = CAST(:table AS regclass) AND i.indisprimary
       ORDER BY array_position(i.indkey, a.attnum)`,
      { table: dataset.name },
    );
    const problems = differences(
      dataset,
      columns,
      key.map((k) => k.column_name),
    );
    expect(
      problems,
      `dataset "${dataset.name}" no longer matches its table. Add a migration ` +
        `(migrations/00NN_<name>.ts, appended to MIGRATIONS in migrations/index.ts) with:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    ).toEqual([]);
  });

  it.each(DATASETS.filter(hasMetricRollups).map((d) => [d.name] as const))(
    '%s keeps the dashboard rollups current: every write marks its days',
    async (table) => {
      const triggers = await t.db.query<{ name: string }>(
        `SELECT tgname AS name FROM pg_trigger
         WHERE tgrelid = CAST(:table AS regclass) AND NOT tgisinternal ORDER BY tgname`,
        { table },
      );
      expect(
        triggers.map((r) => r.name),
        `table ${table} is charted from metric rollups: add the triggers of migration 0006 for it in a new migration`,
      ).toEqual(
        expect.arrayContaining([
          'metric_rollups_delete',
          'metric_rollups_insert',
          'metric_rollups_truncate',
          'metric_rollups_update',
        ]),
      );
    },
  );

  it('reports a changed definition with the statement that fixes it', () => {
    const usage = DATASETS.find((d) => d.name === 'usage')!;
    const edited: Dataset = {
      ...usage,
      columns: [
        ...usage.columns,
        { name: 'device', type: 'text', role: 'dimension', label: 'Device', description: 'x' },
      ],
    };
    const columns: ColumnRow[] = [
      ...usage.columns.map((c) => ({
        table_name: 'usage',
        column_name: c.name,
        data_type: INFORMATION_SCHEMA_TYPE[postgresType(c)]!,
        is_nullable: c.nullable ? ('YES' as const) : ('NO' as const),
      })),
      ...SYSTEM_COLUMNS.map((c) => ({
        table_name: 'usage',
        column_name: c.name,
        data_type: INFORMATION_SCHEMA_TYPE[postgresType(c)]!,
        is_nullable: 'NO' as const,
      })),
    ];
    expect(differences(edited, columns, usage.key)).toEqual([
      'column usage.device is missing: ALTER TABLE usage ADD COLUMN device text NOT NULL;',
    ]);
    expect(
      differences(
        usage,
        columns.filter((c) => c.column_name !== '_object_key'),
        usage.key,
      ),
    ).toEqual([
      "system column usage._object_key is missing: ALTER TABLE usage ADD COLUMN _object_key text NOT NULL DEFAULT '';",
    ]);
  });
});
