import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDataset } from '../../datasets';
import { insertSql, toSqlParams } from '../../db/dataset-sql';
import type { Database } from '../../db/database';
import { refreshMetricRollups } from '../../lambda/loader/metric-rollups/refresh';
import { CLAIM_PENDING_SQL, recomputeDaysSql } from '../../lambda/loader/metric-rollups/sql';
import { runMigrations } from '../../migrations/runner';
import {
  postgresBinaries,
  startPostgres,
  waitsForLock,
  type PostgresServer,
  type PostgresSession,
} from '../support/postgres-server';

/**
 * The metric rollups between sessions that really run at once (a PostgreSQL server; the local Data
 * API serves one session): a recompute never clears a day while a writer's rows of that day are
 * still uncommitted, and a writer that changes a day a recompute has claimed marks it again.
 */

const usage = getDataset('usage');
const DAY = '2025-03-03T00:00:00Z';
let counter = 0;

/** One session of usage on 2025-03-03, `minute` minutes after midnight. */
function session(minute: number) {
  counter += 1;
  return toSqlParams(usage, {
    person_name: `writer ${counter}`,
    birth_date: '1980-05-05',
    accessed_at: new Date(Date.parse(DAY) + minute * 60_000).toISOString(),
    session_duration: 100 + counter,
    download_speed: 10 * counter,
    upload_speed: 1,
    consumed_traffic: counter,
  });
}

/** The day's rollup of download speed as held, and as counted from the rows. */
async function heldAndTruth(db: Database) {
  const [held] = await db.query(
    "SELECT n, high FROM metric_rollups WHERE dataset = 'usage' AND measure = 'download_speed' AND day = CAST(:day AS timestamptz)",
    { day: DAY },
  );
  const [truth] = await db.query(
    "SELECT count(*) AS n, max(download_speed) AS high FROM usage WHERE accessed_at >= CAST(:day AS timestamptz) AND accessed_at < CAST(:day AS timestamptz) + interval '24 hours'",
    { day: DAY },
  );
  return { held, truth };
}

async function pending(db: Database): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM metric_rollup_pending WHERE dataset = 'usage'",
  );
  return row.n;
}

const bin = postgresBinaries();

// Needs PostgreSQL server binaries (apt package postgresql; present on GitHub's Ubuntu runners).
describe.skipIf(!bin)('metric rollups between concurrent sessions (real PostgreSQL)', () => {
  let server: PostgresServer;
  let admin: PostgresSession;

  beforeAll(async () => {
    server = await startPostgres(bin!);
    admin = await server.connect();
    await runMigrations(admin);
  }, 300_000);
  afterAll(() => server?.stop());
  beforeEach(async () => {
    await admin.execute('TRUNCATE usage');
    await admin.batch(insertSql(usage), [session(10), session(20)]);
  });

  it('a recompute claiming a day waits for a writer with uncommitted rows of it, then counts them', async () => {
    const [writer, loader] = await Promise.all([server.connect(), server.connect()]);
    try {
      await writer.execute('BEGIN');
      await writer.execute(insertSql(usage), session(30));
      const refresh = refreshMetricRollups(loader, usage);
      expect(await waitsForLock(admin, loader.pid, refresh)).toBe(true);
      await writer.execute('COMMIT');
      expect(await refresh).toEqual({ days: 1 });
      const { held, truth } = await heldAndTruth(admin);
      expect(truth).toMatchObject({ n: 3 });
      expect(held).toEqual(truth);
      expect(await pending(admin)).toBe(0);
    } finally {
      writer.close();
      loader.close();
    }
  }, 60_000);

  it('a writer changing a day that a recompute has claimed marks it again once the recompute commits', async () => {
    const [writer, loader] = await Promise.all([server.connect(), server.connect()]);
    try {
      await loader.execute('BEGIN');
      const claimed = await loader.query<{ day: string }>(CLAIM_PENDING_SQL, { dataset: 'usage', limit: 10 });
      expect(claimed.map((c) => c.day)).toEqual([DAY]);
      const write = writer.execute(insertSql(usage), session(40));
      expect(await waitsForLock(admin, writer.pid, write)).toBe(true);
      // The recompute reads the rows committed before it: not the writer's.
      await loader.query(recomputeDaysSql(usage, true), {
        dataset: 'usage',
        days: JSON.stringify([DAY]),
        first: DAY,
        end: '2025-03-04T00:00:00Z',
      });
      await loader.execute('COMMIT');
      await write;
      expect((await heldAndTruth(admin)).held).toMatchObject({ n: 2 });
      expect(await pending(admin)).toBe(1);
      expect(await refreshMetricRollups(admin, usage)).toEqual({ days: 1 });
      const { held, truth } = await heldAndTruth(admin);
      expect(held).toEqual(truth);
      expect(truth).toMatchObject({ n: 3 });
    } finally {
      writer.close();
      loader.close();
    }
  }, 60_000);
});
