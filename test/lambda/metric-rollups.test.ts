import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAccessLogLines } from '../../bench/s3-access-logs';
import { getDataset, type Dataset } from '../../datasets';
import { measuresOf } from '../../datasets/chart-plan';
import { loadCharts } from '../../dashboard-app/src/charts';
import type { Database } from '../../db/database';
import { prepareBatch } from '../../lambda/ingest/ingest';
import { loadObject, type LoadDependencies, type ObjectReader } from '../../lambda/loader/load-object';
import { rebuildMetricRollups, refreshMetricRollups } from '../../lambda/loader/metric-rollups/refresh';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

/**
 * The dashboard's metric rollups, kept by the loader: after loads, reloads, corrections, loaders
 * running at once and writes that bypass the loader, every day's rollup equals a recomputation from
 * the rows here, and the charts read from the rollups equal the charts read from the rows.
 */

const usage = getDataset('usage');
const trades = getDataset('trades');
const DAY = 86_400_000;
const quiet = { info: () => undefined, warn: () => undefined };

/** Objects of the lake, each with the time it was stored (S3 LastModified). */
function lake() {
  const objects = new Map<string, { body: Buffer; lastModified: Date }>();
  const reader: ObjectReader = {
    async getObjectStream(_bucket, key) {
      const object = objects.get(key);
      return object
        ? {
            etag: `${key}@${object.lastModified.toISOString()}`,
            lastModified: object.lastModified,
            body: (async function* () {
              yield object.body;
            })(),
          }
        : undefined;
    },
  };
  const put = (dataset: Dataset, records: Record<string, unknown>[], storedAt: string): string => {
    const batch = prepareBatch(dataset, records, new Date(storedAt));
    objects.set(batch.raw!.key, { body: batch.raw!.body, lastModified: new Date(storedAt) });
    return batch.raw!.key;
  };
  return { reader, put };
}

/** Usage sessions over `days` days from 2025-03-01, deterministic. */
function sessions(count: number, seed: number, days = 20): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i * 7919 + seed * 104_729;
    return {
      person_name: `person ${n % 37}`,
      birth_date: `${1950 + (n % 50)}-0${1 + (n % 9)}-1${n % 9}`,
      accessed_at: new Date(Date.UTC(2025, 2, 1) + ((n * 15_485_863) % (days * DAY))).toISOString(),
      session_duration: n % 3600,
      download_speed: (n % 100_000) / 100,
      upload_speed: ((n * 31) % 20_000) / 100,
      consumed_traffic: (n % 4000) / 4,
    };
  });
}

/** Per day and measure: the rollup held, and count, sum, minimum and maximum from the rows. */
async function heldAndTruth(db: Database, dataset: Dataset) {
  const time = dataset.columns.find((c) => c.role === 'time')!.name;
  const held = await db.query(
    `SELECT measure, to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, n, round(CAST(total AS numeric), 6) AS total, low, high
     FROM metric_rollups WHERE dataset = :dataset ORDER BY 1, 2`,
    { dataset: dataset.name },
  );
  const truth = await db.query(
    measuresOf(dataset)
      .map(
        (
          m,
        ) => `SELECT '${m.name}' AS measure, to_char(date_trunc('day', ${time}, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
          count(${m.name}) AS n, round(CAST(sum(CAST(${m.name} AS double precision)) AS numeric), 6) AS total,
          min(CAST(${m.name} AS double precision)) AS low, max(CAST(${m.name} AS double precision)) AS high
        FROM ${dataset.name} WHERE ${time} < date_trunc('day', now(), 'UTC') GROUP BY 1, 2`,
      )
      .join(' UNION ALL ') + ' ORDER BY 1, 2',
  );
  return { held, truth };
}

/** The charts of a wide range from the rollups and from the rows, side by side. */
async function chartsBothWays(db: Database, dataset: Dataset, measure: string, from: string, to: string) {
  const selection = {
    dataset,
    measure: dataset.columns.find((c) => c.name === measure)!,
    from: new Date(from),
    to: new Date(to),
  };
  const run = (exactRows: number) =>
    loadCharts(selection, 'postgres', (q) => db.query(q.sql, q.params), { exactRows });
  const [rollups, rows] = [await run(0), await run(Number.POSITIVE_INFINITY)];
  expect(rollups.charts.box.approximate).toBe(true);
  expect(rows.charts.box.approximate).toBe(false);
  const exactPart = (r: typeof rows) => ({
    rows: r.rows,
    scatter: r.charts.scatter.points,
    top: r.charts.top.bars,
    share: r.charts.share.slices,
    series: r.charts.series.points.map((p) => [p[0], p[2], Math.round(p[1] * 1e6) / 1e6]),
    extremes: [r.charts.box.stats?.min, r.charts.box.stats?.max],
  });
  return { fromRollups: exactPart(rollups), fromRows: exactPart(rows) };
}

async function pendingDays(db: Database, dataset: Dataset): Promise<string[]> {
  const rows = await db.query<{ day: string }>(
    "SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM metric_rollup_pending WHERE dataset = :dataset ORDER BY 1",
    { dataset: dataset.name },
  );
  return rows.map((r) => r.day);
}

/** Nothing pending, every day's rollup equal to the rows, and the charts of a range equal both ways. */
async function expectExact(dataset: Dataset, measure: string, from: string, to: string) {
  expect(await pendingDays(t.db, dataset)).toEqual([]);
  const { held, truth } = await heldAndTruth(t.db, dataset);
  expect(held).toEqual(truth);
  const charts = await chartsBothWays(t.db, dataset, measure, from, to);
  expect(charts.fromRollups).toEqual(charts.fromRows);
  return { truth, charts };
}

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.pg.exec('TRUNCATE usage, trades, loaded_objects, rejected_rows');
});

function deps(reader: ObjectReader, extra: Partial<LoadDependencies> = {}): LoadDependencies {
  return { reader, db: t.db, routing: { lakeBucket: 'lake' }, batchSize: 97, log: quiet, ...extra };
}

describe('metric rollups kept by the loader', () => {
  it('a load rolls up every day it touched; the charts from rollups equal the charts from rows', async () => {
    const { reader, put } = lake();
    const key = put(usage, sessions(1500, 1), '2025-03-25T00:00:00Z');
    expect(await loadObject(deps(reader), { bucket: 'lake', key })).toMatchObject({ rowsInserted: 1500 });
    const { truth } = await expectExact(
      usage,
      'download_speed',
      '2025-03-02T07:00:00Z',
      '2025-03-19T17:30:00Z',
    );
    expect(truth).toHaveLength(4 * 20);
  });

  it('loading the same objects again changes no row, marks no day and leaves the rollups as they were', async () => {
    const { reader, put } = lake();
    const keys = [
      put(usage, sessions(600, 2), '2025-03-25T00:00:00Z'),
      put(usage, sessions(600, 3), '2025-03-25T01:00:00Z'),
    ];
    for (const key of keys) await loadObject(deps(reader), { bucket: 'lake', key });
    const before = await heldAndTruth(t.db, usage);
    // Forget that they were loaded, so the loader reads and upserts every row again.
    await t.db.execute('TRUNCATE loaded_objects');
    let refreshed = 0;
    const counting = async (db: Database, dataset: Dataset) => {
      refreshed += (await refreshMetricRollups(db, dataset)).days;
    };
    for (const key of keys) {
      expect(
        await loadObject(deps(reader, { refreshRollups: counting }), { bucket: 'lake', key }),
      ).toMatchObject({
        rowsInserted: 0,
        rowsUpdated: 0,
      });
    }
    expect(refreshed).toBe(0);
    expect(await heldAndTruth(t.db, usage)).toEqual(before);
    expect(before.held).toEqual(before.truth);
  });

  it('a correction recomputes the days it changes, including the day a record moves away from', async () => {
    const { reader, put } = lake();
    const trade = (id: string, price: string, at: string) => ({
      trade_id: id,
      symbol: `S${id.length % 3}`,
      price,
      volume: '10',
      traded_at: at,
    });
    const original = Array.from({ length: 60 }, (_, i) =>
      trade(`t${i}`, `${100 + i}.5`, new Date(Date.UTC(2025, 2, 1 + (i % 6), 9, i)).toISOString()),
    );
    await loadObject(deps(reader), { bucket: 'lake', key: put(trades, original, '2025-03-20T00:00:00Z') });
    // A later object corrects t0's price and moves it from March 1st to March 10th, and t1's price.
    const corrected = [
      trade('t0', '999.25', '2025-03-10T08:00:00Z'),
      trade('t1', '0.75', original[1].traded_at),
    ];
    expect(
      await loadObject(deps(reader), { bucket: 'lake', key: put(trades, corrected, '2025-03-21T00:00:00Z') }),
    ).toMatchObject({ rowsUpdated: 2 });
    const { truth, charts } = await expectExact(
      trades,
      'price',
      '2025-02-27T12:00:00Z',
      '2025-03-12T12:00:00Z',
    );
    expect(truth.find((r) => r.measure === 'price' && r.day === '2025-03-10')).toMatchObject({
      n: 1,
      high: 999.25,
    });
    expect(truth.find((r) => r.measure === 'price' && r.day === '2025-03-01')).toMatchObject({ n: 9 });
    expect(charts.fromRollups.top[0]).toEqual({ entity: corrected[0].symbol, value: 999.25 });
  });

  it('loaders running at once leave every day exact and none pending', async () => {
    const { reader, put } = lake();
    const keys = [1, 2, 3, 4].map((seed) =>
      put(usage, sessions(400, seed + 10, 8), `2025-03-2${seed}T00:00:00Z`),
    );
    await Promise.all(
      keys.map((key, i) => loadObject(deps(reader, { batchSize: 31 + i * 17 }), { bucket: 'lake', key })),
    );
    await expectExact(usage, 'session_duration', '2025-03-01T03:00:00Z', '2025-03-08T21:00:00Z');
  });

  it('writes outside the loader are read from the rows until the next load; a rebuild covers writes that bypassed the triggers', async () => {
    const { reader, put } = lake();
    await loadObject(deps(reader), {
      bucket: 'lake',
      key: put(usage, sessions(800, 5), '2025-03-25T00:00:00Z'),
    });
    // A manual delete marks its days; the charts read them from the rows meanwhile.
    await t.db.execute("DELETE FROM usage WHERE person_name = 'person 3'");
    expect((await pendingDays(t.db, usage)).length).toBeGreaterThan(0);
    const charts = await chartsBothWays(
      t.db,
      usage,
      'upload_speed',
      '2025-03-01T00:00:00Z',
      '2025-03-21T00:00:00Z',
    );
    expect(charts.fromRollups).toEqual(charts.fromRows);
    expect(charts.fromRollups.top.map((b) => b.entity)).not.toContain('person 3');
    // Rows written with the triggers off are invisible to the rollups until a rebuild.
    await t.pg.exec(
      "ALTER TABLE usage DISABLE TRIGGER USER; DELETE FROM usage WHERE person_name = 'person 4'; ALTER TABLE usage ENABLE TRIGGER USER",
    );
    await refreshMetricRollups(t.db, usage);
    const stale = await heldAndTruth(t.db, usage);
    expect(stale.held).not.toEqual(stale.truth);
    await rebuildMetricRollups(t.db, usage);
    await expectExact(usage, 'upload_speed', '2025-03-01T00:00:00Z', '2025-03-21T00:00:00Z');
    const pairs = await t.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM metric_rollup_entities WHERE dataset = 'usage' AND entity IN ('person 3', 'person 4')",
    );
    expect(pairs).toEqual([{ n: 0 }]);
  });

  it('the current day stays pending and is read from the rows; TRUNCATE forgets the rollups', async () => {
    const { reader, put } = lake();
    const now = Date.now();
    const today = sessions(50, 7, 1).map((s, i) => ({
      ...s,
      accessed_at: new Date(Math.floor(now / DAY) * DAY + ((i * 997) % Math.max(1, now % DAY))).toISOString(),
    }));
    await loadObject(deps(reader), {
      bucket: 'lake',
      key: put(usage, [...sessions(300, 8), ...today], new Date(now).toISOString()),
    });
    expect(await pendingDays(t.db, usage)).toEqual([
      new Date(Math.floor(now / DAY) * DAY).toISOString().slice(0, 10),
    ]);
    const charts = await chartsBothWays(
      t.db,
      usage,
      'download_speed',
      '2025-02-20T00:00:00Z',
      new Date(now + 1000).toISOString(),
    );
    expect(charts.fromRollups).toEqual(charts.fromRows);
    expect(charts.fromRollups.rows).toBe(350);
    await t.pg.exec('TRUNCATE usage');
    const left = await t.db.query(
      "SELECT (SELECT count(*) FROM metric_rollups WHERE dataset = 'usage') + (SELECT count(*) FROM metric_rollup_days WHERE dataset = 'usage') + (SELECT count(*) FROM metric_rollup_pending WHERE dataset = 'usage') + (SELECT count(*) FROM metric_rollup_entities WHERE dataset = 'usage') AS n",
    );
    expect(left).toEqual([{ n: 0 }]);
  });

  it('a failed refresh does not fail the load: the days stay pending and the next load recomputes them', async () => {
    const { reader, put } = lake();
    const warnings: unknown[] = [];
    const failing = async () => {
      throw new Error('the database is resuming');
    };
    const outcome = await loadObject(
      deps(reader, {
        refreshRollups: failing,
        log: { info: () => undefined, warn: (line: unknown) => warnings.push(line) },
      }),
      { bucket: 'lake', key: put(usage, sessions(200, 9), '2025-03-25T00:00:00Z') },
    );
    expect(outcome.status).toBe('loaded');
    expect(warnings).toEqual([
      expect.objectContaining({ dataset: 'usage', error: 'the database is resuming' }),
    ]);
    expect((await pendingDays(t.db, usage)).length).toBeGreaterThan(0);
    await loadObject(deps(reader), {
      bucket: 'lake',
      key: put(usage, sessions(10, 10), '2025-03-25T01:00:00Z'),
    });
    expect(await pendingDays(t.db, usage)).toEqual([]);
    const { held, truth } = await heldAndTruth(t.db, usage);
    expect(held).toEqual(truth);
  });

  it('days too many for one statement are recomputed fewer at a time', async () => {
    const { reader, put } = lake();
    await loadObject(deps(reader, { refreshRollups: async () => undefined }), {
      bucket: 'lake',
      key: put(usage, sessions(500, 11), '2025-03-25T00:00:00Z'),
    });
    const sizes: number[] = [];
    // A database that stops any recompute of more than two days, as the Data API stops a statement
    // after 45 seconds.
    const limited = (db: Database): Database => ({
      ...db,
      query: async (sql, params) => {
        if (sql.includes('src AS MATERIALIZED')) {
          const days = (JSON.parse(String(params?.days)) as string[]).length;
          sizes.push(days);
          if (days > 2) {
            throw Object.assign(new Error('The statement ran too long.'), {
              errorName: 'StatementTimeoutException',
            });
          }
        }
        return db.query(sql, params);
      },
      transaction: (work) => db.transaction((tx) => work(limited(tx))),
    });
    expect(await refreshMetricRollups(limited(t.db), usage)).toEqual({ days: 20 });
    expect(sizes.slice(0, 3)).toEqual([20, 7, 1]);
    expect(await pendingDays(t.db, usage)).toEqual([]);
    const { held, truth } = await heldAndTruth(t.db, usage);
    expect(held).toEqual(truth);
  });

  it('access logs (measures and keys that may be missing) chart the same from rollups and from rows', async () => {
    const logs = getDataset('s3_access_logs');
    await t.pg.exec('TRUNCATE s3_access_logs');
    // 4,000 requests over about four days, with errors (no bytes sent) and bucket operations (no key).
    const body = Buffer.from(
      [...generateAccessLogLines(4000, { seed: 5, startMs: Date.UTC(2024, 2, 1, 7), stepMs: 90_000 })].join(
        '\n',
      ),
    );
    const reader: ObjectReader = {
      getObjectStream: async () => ({
        etag: 'logs',
        body: (async function* () {
          yield body;
        })(),
      }),
    };
    await loadObject(
      {
        ...deps(reader),
        routing: { lakeBucket: 'lake', logBucket: 'logs' },
        accessLogRules: { keepAllOperations: true },
      },
      { bucket: 'logs', key: 's3-access-logs/2024-03-01-07-00-00-ABC' },
    );
    const [nulls] = await t.db.query<{ bytes: number; keys: number }>(
      'SELECT count(*) FILTER (WHERE bytes_sent IS NULL) AS bytes, count(*) FILTER (WHERE key IS NULL) AS keys FROM s3_access_logs',
    );
    expect(nulls.bytes).toBeGreaterThan(0);
    expect(nulls.keys).toBeGreaterThan(0);
    for (const measure of ['bytes_sent', 'object_size', 'total_time']) {
      await expectExact(logs, measure, '2024-03-01T12:00:00Z', '2024-03-04T18:00:00Z');
    }
  });
});
