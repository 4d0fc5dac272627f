import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleMigrationEvent, PHYSICAL_RESOURCE_ID } from '../../lambda/migrate/migrate';
import { migrationsHash } from '../../migrations/runner';
import { MIGRATIONS } from '../../migrations/index';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

describe('migration custom resource', () => {
  let t: TestDatabase;
  const log: string[] = [];
  beforeAll(async () => {
    t = await startTestDatabase({ migrations: [] });
  });
  afterAll(() => t.close());

  it('applies every migration on Create, waiting through a resuming database', async () => {
    t.server.simulateResuming(3);
    const response = await handleMigrationEvent(
      { RequestType: 'Create' },
      () => t.db,
      MIGRATIONS,
      (l) => log.push(l),
    );
    expect(response).toEqual({
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
      Data: {
        Applied: MIGRATIONS.map((m) => m.id).join(','),
        Latest: MIGRATIONS.at(-1)!.id,
        MigrationsHash: migrationsHash(MIGRATIONS),
      },
    });
    expect(await t.db.query('SELECT count(*) AS n FROM schema_migrations')).toEqual([
      { n: MIGRATIONS.length },
    ]);
  });

  it('keeps the physical id on Update and applies nothing twice', async () => {
    const response = await handleMigrationEvent(
      { RequestType: 'Update', PhysicalResourceId: PHYSICAL_RESOURCE_ID },
      () => t.db,
      MIGRATIONS,
      (l) => log.push(l),
    );
    expect(response.PhysicalResourceId).toBe(PHYSICAL_RESOURCE_ID);
    expect(response.Data?.Applied).toBe('none');
  });

  it('leaves the schema in place on Delete, without touching the database', async () => {
    const response = await handleMigrationEvent(
      { RequestType: 'Delete', PhysicalResourceId: PHYSICAL_RESOURCE_ID },
      () => {
        throw new Error('Delete must not connect to the database');
      },
      MIGRATIONS,
      (l) => log.push(l),
    );
    expect(response).toEqual({ PhysicalResourceId: PHYSICAL_RESOURCE_ID });
    expect(await t.db.query("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'usage'")).toEqual([
      { n: 1 },
    ]);
  });

  it('rejects an unknown request type by name', async () => {
    await expect(
      handleMigrationEvent(
        { RequestType: 'Replace' as never },
        () => t.db,
        MIGRATIONS,
        () => undefined,
      ),
    ).rejects.toThrow('Unknown RequestType "Replace": expected Create, Update or Delete.');
  });
});
