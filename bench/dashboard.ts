/**
 * Dashboard benchmark: the six charts of a selection over 1,000,000 `usage` rows (a year of
 * history) in local Postgres, computed in SQL through the dashboard's HTTP API and the Data API
 * layer, for the default selection (last 7 days) and for a selection covering every row; next to
 * the naive way of the dashboards it replaces: read the whole table through the same Data API
 * layer (paged, as the Data API returns at most 1 MiB per statement) and aggregate in the server.
 *
 * Prints figures; asserts nothing. Run: `npm run bench` (or `npx tsx bench/dashboard.ts`).
 */
import { PGlite } from '@electric-sql/pglite';
import { getDataset } from '../datasets';
import { startDashboardServer } from '../dashboard-app/src/server';
import type { Database, Row, SqlParams } from '../db/database';
import { runMigrations } from '../migrations/runner';
import { localDatabase, startDataApiServer } from '../local/data-api-server';

const ROWS = Number(process.env.BENCH_DASHBOARD_ROWS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_DASHBOARD_REQUESTS ?? 12);
const FULL_REQUESTS = Number(process.env.BENCH_DASHBOARD_FULL_REQUESTS ?? 5);
const NAIVE_RUNS = Number(process.env.BENCH_DASHBOARD_NAIVE_RUNS ?? 2);
/** Rows per naive page: about 700 kB of JSON, under the Data API's 1 MiB response limit. */
const PAGE = 3_000;
const PASSWORD = 'benchmark-password-0123456789';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
const fmtBytes = (b: number) =>
  b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} kB`;

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
    dataset: getDataset('usage').name,
    measure: 'download_speed',
    from: from.toISOString(),
    to: to.toISOString(),
  })}`;
  const times: number[] = [];
  let responseBytes = 0;
  let dbBytes = 0;
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
  }
  return { times: times.sort((a, b) => a - b), responseBytes, dbBytes };
}

export async function run(): Promise<void> {
  console.log('--- dashboard ---');
  const pg = await PGlite.create();
  const server = await startDataApiServer({ pg });
  const { db: base, client } = localDatabase(server.url);
  const measured = counting(base);
  try {
    await runMigrations(base);
    const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const yearAgo = new Date(to.getTime() - 365 * 86_400_000);
    const weekAgo = new Date(to.getTime() - 7 * 86_400_000);
    const span = (to.getTime() - yearAgo.getTime()) / 1000;
    let t0 = performance.now();
    // Deterministic rows spread evenly over the last 365 days.
    await pg.exec(`
      INSERT INTO usage (person_name, birth_date, accessed_at, session_duration, download_speed, upload_speed, consumed_traffic)
      SELECT 'person ' || (i % 5000), DATE '1945-01-01' + ((i % 5000) * 5)::int,
             TIMESTAMPTZ '${yearAgo.toISOString()}' + make_interval(secs => (i * ${span / ROWS})),
             ((i * 7919) % 7200)::int, ((i * 104729) % 100000) / 100.0, ((i * 1299709) % 20000) / 100.0,
             ((i * 15485863) % 1000000) / 10.0
      FROM generate_series(0::bigint, ${ROWS - 1}) AS i;
      ANALYZE usage;`);
    console.log(
      `rows: ${ROWS.toLocaleString('en')} usage rows over the last 365 days, inserted in ${fmtMs(performance.now() - t0)}`,
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
      const week = await timeCharts(dashboard.url, cookie, measured, weekAgo, to, REQUESTS);
      const year = await timeCharts(dashboard.url, cookie, measured, yearAgo, to, FULL_REQUESTS);

      const naive: number[] = [];
      let naiveBytes = 0;
      for (let i = 0; i < NAIVE_RUNS; i++) {
        measured.reset();
        t0 = performance.now();
        await naiveCharts(measured.db, weekAgo, to);
        naive.push(performance.now() - t0);
        naiveBytes = measured.bytes();
      }
      naive.sort((a, b) => a - b);
      const naiveP50 = percentile(naive, 0.5);

      const [[weekRows]] = [
        await base.query<{ n: number }>('SELECT count(*) AS n FROM usage WHERE accessed_at >= :from', {
          from: weekAgo,
        }),
      ];
      const col = (text: string) => text.padEnd(26);
      console.log(
        'selection: usage, download speed; the naive baseline reads the whole table whatever the selection',
      );
      console.log(
        `${col('')}${col(`last 7 days (${weekRows.n.toLocaleString('en')} rows)`)}${col(`last 365 days (all rows)`)}naive (every row, Node)`,
      );
      console.log(
        `${col('time p50')}${col(fmtMs(percentile(week.times, 0.5)))}${col(fmtMs(percentile(year.times, 0.5)))}${fmtMs(naiveP50)}`,
      );
      console.log(
        `${col('time p95')}${col(fmtMs(percentile(week.times, 0.95)))}${col(fmtMs(percentile(year.times, 0.95)))}${fmtMs(percentile(naive, 0.95))}`,
      );
      console.log(
        `${col('requests measured')}${col(String(week.times.length))}${col(String(year.times.length))}${naive.length}`,
      );
      console.log(
        `${col('bytes from the database')}${col(fmtBytes(week.dbBytes))}${col(fmtBytes(year.dbBytes))}${fmtBytes(naiveBytes)}`,
      );
      console.log(
        `${col('bytes sent to the browser')}${col(fmtBytes(week.responseBytes))}${col(fmtBytes(year.responseBytes))}(same charts)`,
      );
      console.log(
        `${col('faster than naive (p50)')}${col(`${(naiveP50 / percentile(week.times, 0.5)).toFixed(1)}x`)}${col(`${(naiveP50 / percentile(year.times, 0.5)).toFixed(1)}x`)}`,
      );
    } finally {
      await dashboard.close();
    }
  } finally {
    client.destroy();
    await server.close();
    await pg.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
