import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, DatabaseError, databaseFromEnv } from '../../db/data-api';
import { sqlDate, sqlDecimal, sqlJson, sqlTimestamp, sqlUuid } from '../../db/sql-values';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from '../../local/data-api-server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

/** `createDatabase` over the real SDK client and the local endpoint. */
describe('Data API Database', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await startTestDatabase({ migrations: [] });
    await t.db.execute(`CREATE TABLE items (
      id int4 PRIMARY KEY, name text, price numeric, at timestamptz, day date, doc jsonb, uid uuid, ok bool)`);
  });
  afterAll(() => t.close());

  it('writes typed parameters and reads typed rows', async () => {
    const result = await t.db.execute(
      'INSERT INTO items VALUES (:id, :name, :price, :at, :day, :doc, :uid, :ok) RETURNING id',
      {
        id: 1,
        name: null,
        price: sqlDecimal('19.99'),
        at: sqlTimestamp('2024-05-01T10:00:00+02:00'),
        day: sqlDate('2024-05-01'),
        doc: sqlJson({ tags: ['a'] }),
        uid: sqlUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
        ok: true,
      },
    );
    expect(result).toEqual({ rows: [{ id: 1 }], numberOfRecordsUpdated: 1 });
    const rows = await t.db.query('SELECT * FROM items WHERE id = :id', { id: 1 });
    expect(rows).toEqual([
      {
        id: 1,
        name: null,
        price: '19.99',
        at: '2024-05-01 08:00:00',
        day: '2024-05-01',
        doc: '{"tags": ["a"]}',
        uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        ok: true,
      },
    ]);
    await t.db.execute('UPDATE items SET at = :at WHERE id = 1', {
      at: new Date('2024-06-01T00:00:00.250Z'),
    });
    expect(await t.db.query('SELECT at FROM items WHERE id = 1')).toEqual([{ at: '2024-06-01 00:00:00.25' }]);
  });

  it('splits a large batch into several requests and applies every set', async () => {
    const sets = Array.from({ length: 2_345 }, (_, i) => ({ id: 1000 + i, name: `item ${i}` }));
    const result = await t.db.batch('INSERT INTO items (id, name) VALUES (:id, :name)', sets);
    expect(result).toEqual({ statements: 2_345, requests: 3 });
    expect(await t.db.query('SELECT count(*) AS n FROM items WHERE id >= 1000')).toEqual([{ n: 2_345 }]);
    expect(await t.db.batch('SELECT 1', [])).toEqual({ statements: 0, requests: 0 });
  });

  it('keeps earlier requests of a failing batch by default, and none with atomic: true', async () => {
    const sets = (base: number) => [
      ...Array.from({ length: 10 }, (_, i) => ({ id: base + i })),
      { id: 1 }, // duplicate key in the last request
    ];
    const sql = 'INSERT INTO items (id) VALUES (:id)';
    await expect(t.db.batch(sql, sets(5000), { maxSetsPerRequest: 5 })).rejects.toThrow(DatabaseError);
    expect(await t.db.query('SELECT count(*) AS n FROM items WHERE id BETWEEN 5000 AND 5009')).toEqual([
      { n: 10 },
    ]);

    await expect(t.db.batch(sql, sets(6000), { maxSetsPerRequest: 5, atomic: true })).rejects.toThrow(
      /23505|duplicate/,
    );
    expect(await t.db.query('SELECT count(*) AS n FROM items WHERE id BETWEEN 6000 AND 6009')).toEqual([
      { n: 0 },
    ]);
  });

  it('commits a transaction whose work resolves and rolls back one that throws', async () => {
    const value = await t.db.transaction(async (tx) => {
      await tx.execute('INSERT INTO items (id, name) VALUES (:id, :name)', { id: 7, name: 'seven' });
      await tx.batch('INSERT INTO items (id) VALUES (:id)', [{ id: 8 }, { id: 9 }]);
      return (await tx.query<{ n: number }>('SELECT count(*) AS n FROM items WHERE id IN (7, 8, 9)'))[0].n;
    });
    expect(value).toBe(3);

    await expect(
      t.db.transaction(async (tx) => {
        await tx.execute('DELETE FROM items WHERE id IN (7, 8, 9)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await t.db.query('SELECT count(*) AS n FROM items WHERE id IN (7, 8, 9)')).toEqual([{ n: 3 }]);

    await expect(t.db.transaction((tx) => tx.transaction(async () => 1))).rejects.toThrow(
      /no nested transactions/,
    );
  });

  it('fails at once on bad SQL, quoting the statement and keeping the Data API error', async () => {
    const err = await t.db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err).toMatchObject({
      errorName: 'DatabaseErrorException',
      sqlState: '42P01',
      sql: 'SELECT * FROM no_such_table',
      cause: expect.objectContaining({ name: 'DatabaseErrorException' }),
    });
    expect((err as Error).message).toMatch(
      /relation "no_such_table" does not exist.*\[statement: SELECT \* FROM no_such_table\]/s,
    );
  });

  it('waits through a resuming database and then succeeds', async () => {
    t.server.simulateResuming(3);
    expect(await t.db.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
  });

  it('gives up with DatabaseResumingException when the retry budget runs out', async () => {
    const sleeps: number[] = [];
    const db = createDatabase({
      resourceArn: LOCAL_CLUSTER_ARN,
      secretArn: LOCAL_SECRET_ARN,
      database: LOCAL_DATABASE,
      client: t.client,
      retry: {
        sleep: async (ms) => void sleeps.push(ms),
        now: () => sleeps.reduce((a, b) => a + b, 0),
        budgetMs: 5_000,
      },
    });
    t.server.simulateResuming(1_000);
    try {
      await expect(db.query('SELECT 1')).rejects.toMatchObject({ errorName: 'DatabaseResumingException' });
      expect(sleeps.length).toBeGreaterThan(0);
      expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
    } finally {
      t.server.simulateResuming(0);
    }
  });

  it('databaseFromEnv names every missing variable', () => {
    expect(() => databaseFromEnv({ DB_NAME: 'x' })).toThrow(/DB_CLUSTER_ARN, DB_SECRET_ARN/);
    expect(() => createDatabase({ resourceArn: '', secretArn: 's', database: 'd' })).toThrow(
      /resourceArn is required/,
    );
  });
});
