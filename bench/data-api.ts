/**
 * Data API benchmark: figures, not assertions. Rows/s inserted into the `usage` table through the
 * local Data API endpoint (PGlite, real SDK client), with BatchExecuteStatement (split into
 * requests of up to 1,000 sets under 3.5 MiB) against the baseline of one ExecuteStatement per row.
 *
 * Run: `npm run bench -- data-api` (BENCH_ROWS=100000 and BENCH_SINGLE_ROWS=3000 by default).
 */
import { PGlite } from '@electric-sql/pglite';
import { usage } from '../datasets/usage';
import { insertSql, toSqlParams } from '../db/dataset-sql';
import type { SqlParams } from '../db/database';
import { runMigrations } from '../migrations/runner';
import { localDatabase, startDataApiServer } from '../local/data-api-server';

function usageRows(count: number, offset: number): SqlParams[] {
  const start = Date.UTC(2024, 0, 1);
  return Array.from({ length: count }, (_, n) => {
    const i = n + offset;
    return toSqlParams(usage, {
      person_name: `Person ${i % 997}`,
      birth_date: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
      accessed_at: new Date(start + i * 1000).toISOString(),
      session_duration: 60 + (i % 3600),
      download_speed: 10 + (i % 900) / 10,
      upload_speed: 1 + (i % 200) / 10,
      consumed_traffic: (i % 5000) / 3,
    });
  });
}

export async function run(): Promise<void> {
  const batchRows = Number(process.env.BENCH_ROWS ?? 100_000);
  const singleRows = Number(process.env.BENCH_SINGLE_ROWS ?? 3_000);
  const pg = await PGlite.create();
  const server = await startDataApiServer({ pg });
  const { db, client } = localDatabase(server.url);
  try {
    await runMigrations(db);
    const sql = insertSql(usage);

    const batchSets = usageRows(batchRows, 0);
    let t0 = performance.now();
    const batch = await db.batch(sql, batchSets);
    const batchSeconds = (performance.now() - t0) / 1000;

    const singleSets = usageRows(singleRows, batchRows);
    t0 = performance.now();
    for (const params of singleSets) await db.execute(sql, params);
    const singleSeconds = (performance.now() - t0) / 1000;

    const [{ n }] = await db.query<{ n: number }>('SELECT count(*) AS n FROM usage');
    const batchRate = batchRows / batchSeconds;
    const singleRate = singleRows / singleSeconds;
    console.log('usage rows inserted through the local Data API endpoint (PGlite, real SDK client)');
    console.log(`  method                          rows      requests   seconds    rows/s`);
    console.log(
      `  BatchExecuteStatement           ${String(batchRows).padEnd(9)} ${String(batch.requests).padEnd(10)} ` +
        `${batchSeconds.toFixed(2).padEnd(10)} ${Math.round(batchRate)}`,
    );
    console.log(
      `  ExecuteStatement, one per row   ${String(singleRows).padEnd(9)} ${String(singleRows).padEnd(10)} ` +
        `${singleSeconds.toFixed(2).padEnd(10)} ${Math.round(singleRate)}   (baseline)`,
    );
    console.log(
      `  speed-up: ${(batchRate / singleRate).toFixed(1)}x; rows in table: ${n} (expected ${batchRows + singleRows})`,
    );
  } finally {
    client.destroy();
    await server.close();
    await pg.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
