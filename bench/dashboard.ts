/**
 * Dashboard benchmark: the six charts of a selection over 1,000,000 `usage` rows (a year of
 * history, `BENCH_DASHBOARD_ROWS` to change it) in local Postgres, through the dashboard's HTTP API
 * and the Data API layer, for the last 7 days, the last 90 days and all history; next to the naive
 * way of the dashboards it replaces: read the whole table through the same Data API layer (paged, as
 * the Data API returns at most 1 MiB per statement) and aggregate in the server.
 *
 * Also prints what the speed costs: the time and disk space the rows and their rollups take, the
 * largest error of the figures the rollups estimate (quartiles, histogram counts) against the exact
 * ones, and the loader's rate with and without keeping the rollups, measured in the same run.
 *
 * Prints figures; asserts nothing. Run: `npm run bench -- dashboard`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { getDataset } from '../datasets';
import { loadCharts } from '../dashboard-app/src/charts';
import type { ChartsResponse } from '../dashboard-app/src/contract';
import { startDashboardServer } from '../dashboard-app/src/server';
import type { Database, Row, SqlParams } from '../db/database';
import { generateUsage } from '../lambda/generator/generators';
import { Random } from '../lambda/generator/random';
import { prepareBatch } from '../lambda/ingest/ingest';
import { loadObject, type ObjectReader } from '../lambda/loader/load-object';
import { refreshMetricRollups } from '../lambda/loader/metric-rollups/refresh';
import { runMigrations } from '../migrations/runner';
import { localDatabase, startDataApiServer } from '../local/data-api-server';

const ROWS = Number(process.env.BENCH_DASHBOARD_ROWS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_DASHBOARD_REQUESTS ?? 12);
const NAIVE_RUNS = Number(process.env.BENCH_DASHBOARD_NAIVE_RUNS ?? 2);
/** Runs of each loading scenario, with and without the rollups' upkeep, alternating. */
const LOADER_RUNS = Number(process.env.BENCH_DASHBOARD_LOADER_RUNS ?? 5);
/** Rows per INSERT while preparing: one statement per million keeps each transaction bounded. */
const INSERT_CHUNK = 1_000_000;
/** Rows per naive page: about 700 kB of JSON, under the Data API's 1 MiB response limit. */
const PAGE = 3_000;
const PASSWORD = 'benchmark-password-0123456789';
const DAY_MS = 86_400_000;
const usage = getDataset('usage');

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
const fmtBytes = (b: number) =>
  b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} kB`;
const fmtRate = (n: number) => `${Math.round(n).toLocaleString('en')} rows/s`;

/**
 * The loader with and without the rollups' upkeep (the triggers that mark changed days, and the
 * recompute of the days that are over after each object), in the same process, runs alternating,
 * medians: one object
 * of 20,000 rows spread over 30 past days (as the ingestion benchmark loads it; every day is over,
 * so every row is rolled up here), and a stream of 20 objects of 1,000 rows, five minutes each,
 * into the current day (rolled up once, after the day ends).
 */
async function benchLoading(): Promise<void> {
  const pg = await PGlite.create();
  const server = await startDataApiServer({ pg });
  const { db, client } = localDatabase(server.url);
  const quiet = { info: () => undefined, warn: () => undefined };
  try {
    await runMigrations(db);
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const scenarios = [
      {
        label: 'one object, 20,000 rows over 30 past days',
        objects: [{ count: 20_000, now: Date.UTC(2024, 0, 1), windowMs: 30 * DAY_MS }],
      },
      {
        label: '20 objects of 1,000 rows, 5 minutes each, today',
        objects: Array.from({ length: 20 }, (_, i) => ({
          count: 1_000,
          now: today + 60_000 * (5 * i + 5),
          windowMs: 5 * 60_000,
        })),
      },
    ].map((scenario, s) => ({
      label: scenario.label,
      batches: scenario.objects.map((o, i) =>
        prepareBatch(
          usage,
          generateUsage({
            count: o.count,
            now: new Date(o.now),
            windowMs: o.windowMs,
            random: new Random(s * 100 + i),
          }),
          new Date(),
        ),
      ),
    }));
    const col = (text: string) => text.padEnd(52);
    console.log(
      `${col(`loading usage through the loader (1,000-row batches, median of ${LOADER_RUNS})`)}${'without rollups'.padEnd(20)}${'with rollups'.padEnd(20)}slower by`,
    );
    for (const scenario of scenarios) {
      const rows = scenario.batches.reduce((sum, b) => sum + b.accepted.length, 0);
      const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
      for (let i = 0; i < LOADER_RUNS * 2; i++) {
        const mode = i % 2 === 0 ? 'without' : 'with';
        await db.execute('TRUNCATE usage, loaded_objects, rejected_rows');
        await db.execute(`ALTER TABLE usage ${mode === 'with' ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
        const t0 = performance.now();
        for (const [n, batch] of scenario.batches.entries()) {
          const reader: ObjectReader = {
            getObjectStream: async () => ({
              etag: `${i}-${n}`,
              body: (async function* () {
                yield batch.raw!.body;
              })(),
            }),
          };
          await loadObject(
            {
              reader,
              db,
              routing: { lakeBucket: 'lake' },
              batchSize: 1_000,
              log: quiet,
              // Without: the loader as it was, no recompute after the load (and no triggers, above).
              ...(mode === 'without' ? { refreshRollups: async () => undefined } : {}),
            },
            { bucket: 'lake', key: batch.raw!.key },
          );
        }
        times[mode].push(performance.now() - t0);
      }
      const without = percentile(
        times.without.sort((a, b) => a - b),
        0.5,
      );
      const withRollups = percentile(
        times.with.sort((a, b) => a - b),
        0.5,
      );
      console.log(
        `${col(scenario.label)}${fmtRate((rows * 1000) / without).padEnd(20)}${fmtRate((rows * 1000) / withRollups).padEnd(20)}` +
          `${(((withRollups - without) / without) * 100).toFixed(0)}%`,
      );
    }
    await db.execute('ALTER TABLE usage ENABLE TRIGGER USER');
  } finally {
    client.destroy();
    await server.close();
    await pg.close();
  }
}

/** Counts the bytes of every result read from the database (the Data API's JSON records). */
function counting(db: Database): { db: Database; bytes: () => number; reset: () => void } {
  let bytes = 0;
  const wrapped: Database = {
    ...db,
    query: async <T extends Row = Row>(sql: string, params?: SqlParams) => {
      const rows = await db.query<T>(sql, params);
      bytes += Buffer.byteLength(JSON.stringify(rows));
      return rows;
    },
  };
  return { db: wrapped, bytes: () => bytes, reset: () => void (bytes = 0) };
}

interface UsageRecord {
  person_name: string;
  birth_date: string;
  accessed_at: string;
  download_speed: number;
  consumed_traffic: number;
}

/** The naive dashboard: the whole table into memory, then the selection and its six charts in JavaScript. */
async function naiveCharts(db: Database, from: Date, to: Date): Promise<unknown> {
  const all: UsageRecord[] = [];
  let after: { at: string; person: string } | undefined;
  for (;;) {
    const page = await db.query<Row>(
      `SELECT person_name, birth_date, accessed_at, download_speed, consumed_traffic FROM usage
       ${after ? 'WHERE (accessed_at, person_name) > (CAST(:after_at AS timestamptz), :after_person)' : ''}
       ORDER BY accessed_at, person_name LIMIT ${PAGE}`,
      after ? { after_at: after.at, after_person: after.person } : {},
    );
    for (const r of page) all.push(r as unknown as UsageRecord);
    if (page.length < PAGE) break;
    const last = page[page.length - 1];
    after = { at: String(last.accessed_at), person: String(last.person_name) };
  }
  const rows = all.filter((r) => {
    const t = Date.parse(`${r.accessed_at.replace(' ', 'T')}Z`);
    return t >= from.getTime() && t < to.getTime();
  });
  const values = rows.map((r) => r.download_speed).sort((a, b) => a - b);
  const q = (p: number) => values[Math.floor(p * (values.length - 1))];
  const scatter = [...rows].sort((a, b) => b.consumed_traffic - a.consumed_traffic).slice(0, 10);
  const top = new Map<string, number>();
  for (const r of rows)
    top.set(r.person_name, Math.max(top.get(r.person_name) ?? -Infinity, r.download_speed));
  const series = new Map<number, [number, number]>();
  for (const r of rows) {
    const hour = Math.floor(Date.parse(`${r.accessed_at.replace(' ', 'T')}Z`) / 3_600_000);
    const s = series.get(hour) ?? [0, 0];
    series.set(hour, [s[0] + r.download_speed, s[1] + 1]);
  }
  const lo = values[0];
  const hi = values[values.length - 1];
  const bins = new Array<number>(30).fill(0);
  for (const v of values) bins[Math.min(29, Math.floor(30 * ((v - lo) / (hi - lo))))]++;
  const ages = new Map<string, string>();
  for (const r of rows)
    if (!ages.has(r.person_name) || r.birth_date < ages.get(r.person_name)!)
      ages.set(r.person_name, r.birth_date);
  return {
    scatter,
    top: [...top].sort((a, b) => b[1] - a[1]).slice(0, 10),
    series: [...series],
    box: [lo, q(0.25), q(0.5), q(0.75), hi],
    bins,
    people: ages.size,
  };
}

interface Measured {
  readonly times: number[];
  readonly responseBytes: number;
  readonly dbBytes: number;
  readonly last: ChartsResponse;
}

/** Times GET /api/charts for one selection: one warm-up, then `requests` measured requests. */
async function timeCharts(
  base: string,
  cookie: string,
  measured: ReturnType<typeof counting>,
  from: Date,
  to: Date,
  requests: number,
): Promise<Measured> {
  const url = `${base}/api/charts?${new URLSearchParams({
    dataset: usage.name,
    measure: 'download_speed',
    from: from.toISOString(),
    to: to.toISOString(),
  })}`;
  const times: number[] = [];
  let responseBytes = 0;
  let dbBytes = 0;
  let last: ChartsResponse | undefined;
  for (let i = 0; i <= requests; i++) {
    measured.reset();
    const t0 = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    const body = await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 200)
      throw new Error(`GET /api/charts answered ${res.status}: ${Buffer.from(body).toString()}`);
    if (i === 0) continue; // warm-up
    times.push(ms);
    responseBytes = body.byteLength;
    dbBytes = measured.bytes();
    last = JSON.parse(Buffer.from(body).toString()) as ChartsResponse;
  }
  return { times: times.sort((a, b) => a - b), responseBytes, dbBytes, last: last! };
}

/** The largest differences of the estimated figures from the exact ones, as printable text. */
function estimateErrors(
  estimated: ChartsResponse,
  exact: ChartsResponse,
): { quartiles: string; bins: string } {
  const e = estimated.charts.box.stats!;
  const x = exact.charts.box.stats!;
  const quartile = (['q1', 'median', 'q3'] as const)
    .map((k) => ({ diff: Math.abs(e[k] - x[k]), rel: Math.abs(e[k] - x[k]) / Math.abs(x[k]) }))
    .sort((a, b) => b.rel - a.rel)[0];
  const bins = estimated.charts.histogram.bins
    .map((b, i) => ({
      diff: Math.abs(b.count - exact.charts.histogram.bins[i].count),
      of: exact.charts.histogram.bins[i].count,
    }))
    .sort((a, b) => b.diff - a.diff)[0];
  return {
    quartiles: `${(quartile.rel * 100).toFixed(3)}% (${quartile.diff.toFixed(3)})`,
    bins: `${bins.diff} rows (${((bins.diff / Math.max(1, bins.of)) * 100).toFixed(2)}%)`,
  };
}

/** Bytes of every file under `dir`. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(file) : fs.statSync(file).size;
  }
  return total;
}

export async function run(): Promise<void> {
  console.log('--- dashboard ---');
  await benchLoading();

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dashboard-'));
  const pg = await PGlite.create({ dataDir });
  const server = await startDataApiServer({ pg });
  const { db: base, client } = localDatabase(server.url);
  const measured = counting(base);
  try {
    await runMigrations(base);
    const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const yearAgo = new Date(to.getTime() - 365 * DAY_MS);
    const span = (to.getTime() - yearAgo.getTime()) / 1000;
    let t0 = performance.now();
    // Deterministic rows spread evenly over the last 365 days.
    for (let first = 0; first < ROWS; first += INSERT_CHUNK) {
      await pg.exec(`
        INSERT INTO usage (person_name, birth_date, accessed_at, session_duration, download_speed, upload_speed, consumed_traffic)
        SELECT 'person ' || (i % 5000), DATE '1945-01-01' + ((i % 5000) * 5)::int,
               TIMESTAMPTZ '${yearAgo.toISOString()}' + make_interval(secs => (i * ${span / ROWS})),
               ((i * 7919) % 7200)::int, ((i * 104729) % 100000) / 100.0, ((i * 1299709) % 20000) / 100.0,
               ((i * 15485863) % 1000000) / 10.0
        FROM generate_series(${first}::bigint, ${Math.min(ROWS, first + INSERT_CHUNK) - 1}) AS i`);
    }
    await pg.exec('ANALYZE usage');
    const insertMs = performance.now() - t0;
    t0 = performance.now();
    const { days } = await refreshMetricRollups(base, usage);
    await pg.exec('ANALYZE');
    const rollupMs = performance.now() - t0;
    const [sizes] = await base.query<{ usage: number; rollups: number; database: number }>(
      `SELECT pg_total_relation_size('usage') AS usage,
         pg_total_relation_size('metric_rollups') + pg_total_relation_size('metric_rollup_days')
           + pg_total_relation_size('metric_rollup_entities') + pg_total_relation_size('metric_rollup_pending') AS rollups,
         pg_database_size(current_database()) AS database`,
    );
    console.log(
      `rows: ${ROWS.toLocaleString('en')} usage rows over the last 365 days, inserted in ${fmtMs(insertMs)}; ` +
        `rollups of ${days} days in ${fmtMs(rollupMs)}`,
    );
    console.log(
      `disk: usage table ${fmtBytes(sizes.usage)} with indexes, rollups ${fmtBytes(sizes.rollups)}, ` +
        `database ${fmtBytes(sizes.database)}, data folder ${fmtBytes(folderBytes(dataDir))} (with the write-ahead log)`,
    );

    const dashboard = await startDashboardServer({
      db: measured.db,
      password: PASSWORD,
      athena: { unavailable: 'benchmark' },
      log: () => {},
    });
    try {
      const login = await fetch(`${dashboard.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: dashboard.url, 'content-type': 'application/json' },
        body: JSON.stringify({ password: PASSWORD }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      const ranges = [
        { label: 'last 7 days', from: new Date(to.getTime() - 7 * DAY_MS) },
        { label: 'last 90 days', from: new Date(to.getTime() - 90 * DAY_MS) },
        { label: 'all history', from: yearAgo },
      ];
      const results: Measured[] = [];
      for (const r of ranges) {
        results.push(await timeCharts(dashboard.url, cookie, measured, r.from, to, REQUESTS));
      }

      const naive: number[] = [];
      let naiveBytes = 0;
      for (let i = 0; i < NAIVE_RUNS; i++) {
        measured.reset();
        t0 = performance.now();
        await naiveCharts(measured.db, ranges[0].from, to);
        naive.push(performance.now() - t0);
        naiveBytes = measured.bytes();
      }
      naive.sort((a, b) => a - b);
      const naiveP50 = percentile(naive, 0.5);

      const errors = [];
      for (const [i, r] of ranges.entries()) {
        if (!results[i].last.charts.box.approximate) {
          errors.push({ quartiles: 'exact', bins: 'exact' });
          continue;
        }
        const exact = await loadCharts(
          {
            dataset: usage,
            measure: usage.columns.find((c) => c.name === 'download_speed')!,
            from: r.from,
            to,
          },
          'postgres',
          (q) => base.query(q.sql, q.params),
          { exactRows: Number.POSITIVE_INFINITY },
        );
        errors.push(estimateErrors(results[i].last, exact));
      }

      const col = (text: string) => text.padEnd(30);
      const row = (label: string, cells: string[], last = '') =>
        console.log(`${col(label)}${cells.map(col).join('')}${last}`);
      console.log(
        'selection: usage, download speed; the naive baseline reads the whole table whatever the selection',
      );
      row(
        '',
        ranges.map((r, i) => `${r.label} (${results[i].last.rows.toLocaleString('en')} rows)`),
        'naive (every row, Node)',
      );
      row(
        'time p50',
        results.map((m) => fmtMs(percentile(m.times, 0.5))),
        fmtMs(naiveP50),
      );
      row(
        'time p95',
        results.map((m) => fmtMs(percentile(m.times, 0.95))),
        fmtMs(percentile(naive, 0.95)),
      );
      row(
        'requests measured',
        results.map((m) => String(m.times.length)),
        String(naive.length),
      );
      row(
        'bytes from the database',
        results.map((m) => fmtBytes(m.dbBytes)),
        fmtBytes(naiveBytes),
      );
      row(
        'bytes sent to the browser',
        results.map((m) => fmtBytes(m.responseBytes)),
        '(same charts)',
      );
      row(
        'faster than naive (p50)',
        results.map((m) => `${(naiveP50 / percentile(m.times, 0.5)).toFixed(1)}x`),
      );
      row(
        'charted from',
        results.map((m) => (m.last.charts.box.approximate ? 'day rollups + rows' : 'rows (all exact)')),
      );
      row(
        'largest error: quartiles',
        errors.map((e) => e.quartiles),
      );
      row(
        'largest error: histogram bin',
        errors.map((e) => e.bins),
      );
    } finally {
      await dashboard.close();
    }
  } finally {
    client.destroy();
    await server.close();
    await pg.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
