import { afterEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../datasets';
import {
  checkMigrations,
  migrationChecksum,
  migrationsHash,
  MigrationError,
  runMigrations,
} from '../../migrations/runner';
import { MIGRATIONS, type Migration } from '../../migrations/index';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const tables = async (t: TestDatabase) =>
  (
    await t.db.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
  ).map((r) => r.name);

describe('runMigrations', () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('creates every dataset table and the migrations table on a fresh database', async () => {
    t = await startTestDatabase({ migrations: [] });
    const result = await runMigrations(t.db);
    expect(result.applied).toEqual(MIGRATIONS.map((m) => m.id));
    const names = await tables(t);
    for (const dataset of DATASETS) expect(names, dataset.name).toContain(dataset.name);
    expect(names).toContain('schema_migrations');
    const rows = await t.db.query('SELECT id, description, checksum FROM schema_migrations ORDER BY id');
    expect(rows).toEqual(
      MIGRATIONS.map((m) => ({ id: m.id, description: m.description, checksum: migrationChecksum(m) })),
    );
  });

  it('is a no-op when run again', async () => {
    t = await startTestDatabase();
    const before = await t.db.query('SELECT id, applied_at FROM schema_migrations ORDER BY id');
    const again = await runMigrations(t.db);
    expect(again).toEqual({ applied: [], skipped: MIGRATIONS.map((m) => m.id) });
    expect(await t.db.query('SELECT id, applied_at FROM schema_migrations ORDER BY id')).toEqual(before);
  });

  it('leaves nothing of a failing migration behind and names the statement', async () => {
    t = await startTestDatabase({ migrations: [] });
    const good: Migration = {
      id: '0001_good',
      description: 'good',
      statements: ['CREATE TABLE good (id int)'],
    };
    const bad: Migration = {
      id: '0002_bad',
      description: 'half right',
      statements: [
        'CREATE TABLE half (id int)',
        'INSERT INTO half VALUES (1)',
        'CREATE TABLE broken (id nosuchtype)',
      ],
    };
    const err = await runMigrations(t.db, [good, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(
      /Migration "0002_bad" \(half right\) failed at statement 3 of 3: .*nosuchtype/s,
    );
    expect(await tables(t)).toEqual(['good', 'schema_migrations']);
    expect(await t.db.query('SELECT id FROM schema_migrations')).toEqual([{ id: '0001_good' }]);

    const fixed: Migration = { ...bad, statements: bad.statements.slice(0, 2) };
    expect(await runMigrations(t.db, [good, fixed])).toEqual({
      applied: ['0002_bad'],
      skipped: ['0001_good'],
    });
  });

  it('refuses an applied migration whose statements changed, telling the user to add a new one', async () => {
    t = await startTestDatabase({ migrations: [] });
    const first: Migration = { id: '0001_t', description: 't', statements: ['CREATE TABLE t (id int)'] };
    await runMigrations(t.db, [first]);
    const edited: Migration = { ...first, statements: ['CREATE TABLE t (id bigint)'] };
    const next: Migration = { id: '0002_u', description: 'u', statements: ['CREATE TABLE u (id int)'] };
    await expect(runMigrations(t.db, [edited, next])).rejects.toThrow(
      /Migration "0001_t" was already applied, but its statements have changed.*add a new migration/s,
    );
    expect(await tables(t)).not.toContain('u');
  });

  it('waits through a resuming database', async () => {
    t = await startTestDatabase({ migrations: [] });
    t.server.simulateResuming(4);
    expect((await runMigrations(t.db)).applied).toHaveLength(MIGRATIONS.length);
  });
});

describe('the migration list', () => {
  it('is well formed: sorted unique ids, statements in every migration', () => {
    expect(checkMigrations(MIGRATIONS)).toEqual([]);
  });

  it('reports bad ids, order and duplicates', () => {
    const m = (id: string): Migration => ({ id, description: id, statements: ['SELECT 1'] });
    expect(
      checkMigrations([m('0002_b'), m('0001_a'), m('0001_a'), m('7_x'), { ...m('0009_e'), statements: [] }]),
    ).toEqual([
      'Migration "0001_a" comes after "0002_b" but does not sort after it.',
      'Migration id "0001_a" is used twice.',
      'Migration "0001_a" comes after "0001_a" but does not sort after it.',
      'Migration 3 has id "7_x": use 4 digits, an underscore and a snake_case name (0004_rollups).',
      'Migration "0009_e" comes after "7_x" but does not sort after it.',
      'Migration "0009_e" has no statements.',
    ]);
  });

  it('has a hash that changes with any statement', () => {
    const base = migrationsHash(MIGRATIONS);
    expect(migrationsHash(MIGRATIONS)).toBe(base);
    const changed = MIGRATIONS.map((m, i) =>
      i === 0 ? { ...m, statements: [...m.statements, 'SELECT 1'] } : m,
    );
    expect(migrationsHash(changed)).not.toBe(base);
  });
});
