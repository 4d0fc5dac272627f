/**
 * The database view: tables with their row counts and sizes, what the loader has ingested, and
 * the queries running right now. Row counts are the planner's estimates (kept current by
 * autovacuum), so the page stays instant on tables of any size; small tables are counted exactly.
 * It lists the tables the dashboard's database role may read (`migrations/roles.ts`); the queries
 * of other roles show as Postgres lets that role see them.
 */
import type { Database } from '../../db/database';
import { num } from './charts';
import type { DatabaseStatus } from './contract';

/** Tables with fewer estimated rows than this are counted exactly. */
const EXACT_COUNT_BELOW = 100_000;

export async function databaseStatus(db: Database): Promise<Omit<DatabaseStatus, 'updatedAt'>> {
  const tables = await db.query(
    `SELECT c.relname AS name, CAST(c.reltuples AS bigint) AS estimated_rows,
            pg_total_relation_size(c.oid) AS total_bytes, pg_relation_size(c.oid) AS table_bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND has_any_column_privilege(c.oid, 'SELECT')
     ORDER BY c.relname`,
  );
  const rows = [];
  for (const t of tables) {
    const name = String(t.name);
    let count = num(t.estimated_rows) ?? -1;
    let exact = false;
    // reltuples is -1 until the table is first analyzed; small tables are cheap to count.
    if (count < EXACT_COUNT_BELOW && /^[a-z_][a-z0-9_]*$/.test(name)) {
      const [row] = await db.query(`SELECT count(*) AS n FROM "${name}"`);
      count = num(row?.n) ?? 0;
      exact = true;
    }
    rows.push({
      name,
      rows: count,
      exact,
      totalBytes: num(t.total_bytes) ?? 0,
      tableBytes: num(t.table_bytes) ?? 0,
    });
  }

  const hasLoader = rows.some((t) => t.name === 'loaded_objects');
  const ingestion = hasLoader
    ? (
        await db.query(
          `SELECT dataset, count(*) AS objects, CAST(sum(rows_inserted) AS bigint) AS rows_inserted,
                  CAST(sum(rows_rejected) AS bigint) AS rows_rejected, CAST(sum(rows_skipped) AS bigint) AS rows_skipped,
                  date_part('epoch', max(loaded_at)) * 1000 AS last_loaded_at
           FROM loaded_objects GROUP BY dataset ORDER BY dataset`,
        )
      ).map((r) => ({
        dataset: String(r.dataset),
        objects: num(r.objects) ?? 0,
        rowsInserted: num(r.rows_inserted) ?? 0,
        rowsRejected: num(r.rows_rejected) ?? 0,
        rowsSkipped: num(r.rows_skipped) ?? 0,
        lastLoadedAt: num(r.last_loaded_at),
      }))
    : [];
  const hasRejected = rows.some((t) => t.name === 'rejected_rows');
  const recentRejections = hasRejected
    ? (
        await db.query(
          `SELECT bucket, object_key, line_number, reason, date_part('epoch', rejected_at) * 1000 AS at
           FROM rejected_rows ORDER BY rejected_at DESC, object_key, line_number LIMIT 10`,
        )
      ).map((r) => ({
        bucket: String(r.bucket),
        objectKey: String(r.object_key),
        line: num(r.line_number),
        reason: String(r.reason),
        at: num(r.at),
      }))
    : [];

  const active = await db.query(
    `SELECT pid, state, coalesce(usename, '') AS usename,
            date_part('epoch', now() - query_start) * 1000 AS running_ms, left(query, 300) AS query
     FROM pg_stat_activity
     WHERE state IS NOT NULL AND state <> 'idle' AND pid <> pg_backend_pid()
     ORDER BY query_start NULLS LAST LIMIT 50`,
  );

  return {
    tables: rows,
    loaderInstalled: hasLoader,
    ingestion,
    recentRejections,
    activeQueries: active.map((a) => ({
      pid: num(a.pid),
      state: String(a.state),
      user: String(a.usename),
      runningMs: num(a.running_ms),
      query: String(a.query),
    })),
  };
}
