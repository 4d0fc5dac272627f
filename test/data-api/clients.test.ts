import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecuteStatementCommand, RDSData } from '@aws-sdk/client-rds-data';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/aws-data-api/pg';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { Kysely, type Generated } from 'kysely';
import { DataApiDialect } from 'kysely-data-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '../../local/start';

/**
 * The Data API clients people pick, against the endpoint `npm start` runs (the same start function,
 * in-process, with the migrations applied): Drizzle ORM's aws-data-api driver and kysely-data-api.
 * Both name their parameters `:1`, `:2` (Drizzle) or `:0`, `:1` (kysely).
 */

const TABLE = `CREATE TABLE client_suite (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  visits integer,
  total bigint,
  ratio double precision,
  active boolean,
  seen_at timestamp,
  seen_at_tz timestamptz,
  born date,
  doc jsonb
)`;

const clientSuite = pgTable('client_suite', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  visits: integer('visits'),
  total: bigint('total', { mode: 'number' }),
  ratio: doublePrecision('ratio'),
  active: boolean('active'),
  seenAt: timestamp('seen_at', { mode: 'date' }),
  seenAtTz: timestamp('seen_at_tz', { mode: 'date', withTimezone: true }),
  born: date('born', { mode: 'string' }),
  doc: jsonb('doc').$type<{ tags: string[]; nested: { n: number } }>(),
});

interface KyselyTables {
  client_suite: {
    id: Generated<number>;
    name: string;
    visits: number | null;
    total: number | null;
    ratio: number | null;
    active: boolean | null;
    seen_at: Date | null;
    seen_at_tz: Date | null;
    born: Date | null;
    doc: unknown;
  };
}

let platform: LocalPlatform;
/** The aggregated client: kysely-data-api calls `client.executeStatement(...)`; Drizzle calls `send`. */
let client: RDSData;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'data-api-clients-'));

beforeAll(async () => {
  platform = await startLocalPlatform(
    ['--database-only', '--data-dir', dataDir, '--postgres-port', '0', '--data-api-port', '0'],
    () => undefined,
  );
  client = new RDSData({
    endpoint: platform.context.dataApi.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new ExecuteStatementCommand({
      resourceArn: platform.context.dataApi.clusterArn,
      secretArn: platform.context.dataApi.secretArn,
      database: platform.context.dataApi.database,
      sql: TABLE,
    }),
  );
});

afterAll(async () => {
  client?.destroy();
  await platform?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const connection = () => ({
  resourceArn: platform.context.dataApi.clusterArn,
  secretArn: platform.context.dataApi.secretArn,
  database: platform.context.dataApi.database,
});

describe('Drizzle ORM (drizzle-orm/aws-data-api/pg) against the local endpoint', () => {
  const db = () => drizzle(client, connection());

  it('binds typed parameters, inserts with RETURNING and reads every type back', async () => {
    const seenAt = new Date('2024-05-01T12:34:56.789Z');
    const values = {
      name: 'drizzle-typed',
      visits: 42,
      total: 9_007_199_254_740_000,
      ratio: 0.125,
      active: true,
      seenAt,
      seenAtTz: seenAt,
      born: '1990-02-28',
      doc: { tags: ['a', 'b'], nested: { n: 1 } },
    };
    const [inserted] = await db().insert(clientSuite).values(values).returning();
    // Every value comes back as it went in: the round trip through the Data API keeps each type.
    expect(inserted).toEqual({ id: expect.any(Number), ...values });

    const [byName] = await db().select().from(clientSuite).where(eq(clientSuite.name, 'drizzle-typed'));
    expect(byName).toEqual(inserted);
    const [filtered] = await db()
      .select({ id: clientSuite.id })
      .from(clientSuite)
      .where(
        and(
          eq(clientSuite.visits, 42),
          lt(clientSuite.ratio, 0.5),
          eq(clientSuite.active, true),
          eq(clientSuite.seenAt, seenAt),
          eq(clientSuite.born, '1990-02-28'),
        ),
      );
    expect(filtered).toEqual({ id: inserted.id });
  });

  it('stores NULL for every nullable type', async () => {
    const nulls = {
      visits: null,
      total: null,
      ratio: null,
      active: null,
      seenAt: null,
      seenAtTz: null,
      born: null,
      doc: null,
    };
    // Drizzle sends each NULL with its column's type hint (TIMESTAMP, DATE, JSON).
    const [row] = await db()
      .insert(clientSuite)
      .values({ name: 'drizzle-nulls', ...nulls })
      .returning();
    expect(row).toEqual({ id: expect.any(Number), name: 'drizzle-nulls', ...nulls });
  });

  it('commits a transaction, and rolls one back', async () => {
    await db().transaction(async (tx) => {
      await tx.insert(clientSuite).values({ name: 'drizzle-committed', visits: 1 });
      await tx.update(clientSuite).set({ visits: 2 }).where(eq(clientSuite.name, 'drizzle-committed'));
    });
    await expect(
      db().transaction(async (tx) => {
        await tx.insert(clientSuite).values({ name: 'drizzle-rolled-back', visits: 1 });
        tx.rollback();
      }),
    ).rejects.toThrow(/Rollback/);
    const rows = await db()
      .select({ name: clientSuite.name, visits: clientSuite.visits })
      .from(clientSuite)
      .where(inArray(clientSuite.name, ['drizzle-committed', 'drizzle-rolled-back']));
    expect(rows).toEqual([{ name: 'drizzle-committed', visits: 2 }]);
  });

  it('reports a database error with its SQLState, and the session still works', async () => {
    const failure = await db()
      .insert(clientSuite)
      .values({ name: 'drizzle-typed' })
      .then(
        () => undefined,
        (err: unknown) => err as Error & { cause?: Error & { name: string } },
      );
    expect(failure?.cause?.name).toBe('DatabaseErrorException');
    expect(failure?.cause?.message).toMatch(
      /duplicate key value violates unique constraint.*SQLState: 23505/s,
    );
    const [{ n }] = await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(clientSuite)
      .where(eq(clientSuite.name, 'drizzle-typed'));
    expect(n).toBe(1);
  });
});

describe('kysely-data-api against the local endpoint', () => {
  const db = () =>
    new Kysely<KyselyTables>({
      dialect: new DataApiDialect({ mode: 'postgres', driver: { client, ...connection() } }),
    });

  it('binds typed parameters, inserts with RETURNING and reads every type back', async () => {
    const seenAt = new Date('2024-06-01T08:00:00.250Z');
    const plain = {
      name: 'kysely-typed',
      visits: 7,
      total: 123_456_789_012,
      ratio: -2.5,
      active: false,
      seen_at: seenAt,
      seen_at_tz: seenAt,
    };
    const inserted = await db()
      .insertInto('client_suite')
      .values({
        ...plain,
        // kysely-data-api sends a string as a plain stringValue; a date column needs the DATE hint.
        born: { value: { stringValue: '2001-12-31' }, typeHint: 'DATE' } as never,
        doc: { value: { stringValue: '{"tags":["x"],"nested":{"n":2}}' }, typeHint: 'JSON' } as never,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(inserted).toEqual({
      id: expect.any(Number),
      ...plain,
      // kysely-data-api turns `date` values into Date objects (UTC midnight).
      born: new Date('2001-12-31T00:00:00Z'),
      doc: { tags: ['x'], nested: { n: 2 } },
    });
    const found = await db()
      .selectFrom('client_suite')
      .select(['id', 'name'])
      .where('visits', '=', 7)
      .where('ratio', '<', 0)
      .where('active', '=', false)
      .where('seen_at', '=', seenAt)
      .execute();
    expect(found).toEqual([{ id: inserted.id, name: 'kysely-typed' }]);
  });

  it('stores NULL', async () => {
    const row = await db()
      .insertInto('client_suite')
      .values({ name: 'kysely-nulls', visits: null, ratio: null, active: null, seen_at: null, born: null })
      .returning(['visits', 'ratio', 'active', 'seen_at', 'born', 'doc'])
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ visits: null, ratio: null, active: null, seen_at: null, born: null, doc: null });
  });

  it('commits a transaction, and rolls one back', async () => {
    await db()
      .transaction()
      .execute(async (tx) => {
        await tx.insertInto('client_suite').values({ name: 'kysely-committed', visits: 1 }).execute();
        await tx
          .updateTable('client_suite')
          .set({ visits: 3 })
          .where('name', '=', 'kysely-committed')
          .execute();
      });
    await expect(
      db()
        .transaction()
        .execute(async (tx) => {
          await tx.insertInto('client_suite').values({ name: 'kysely-rolled-back' }).execute();
          throw new Error('give up');
        }),
    ).rejects.toThrow('give up');
    const rows = await db()
      .selectFrom('client_suite')
      .select(['name', 'visits'])
      .where('name', 'in', ['kysely-committed', 'kysely-rolled-back'])
      .execute();
    expect(rows).toEqual([{ name: 'kysely-committed', visits: 3 }]);
  });

  it('reports a database error with its SQLState', async () => {
    await expect(
      db().insertInto('client_suite').values({ name: 'kysely-typed' }).execute(),
    ).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringMatching(/duplicate key value violates unique constraint.*SQLState: 23505/s),
    });
  });
});
