import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadObject, type LoadDependencies, type ObjectReader } from '../../lambda/loader/load-object';
import { isRetryableDataApiError } from '../../db/data-api';
import type { Database } from '../../db/database';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

/**
 * One row the database cannot store never sinks the rows around it: the loader isolates it, loads
 * the others, and keeps it in `rejected_rows` with the database's reason. Errors that mean "try
 * again" are never taken for bad data.
 */

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const routing = { lakeBucket: 'lake', logBucket: 'logs', accessLogsPrefix: 's3-access-logs/' };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function usageLine(i: number, name = `Person ${i}`): string {
  return JSON.stringify({
    person_name: name,
    birth_date: '1980-01-01',
    accessed_at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    session_duration: 100,
    download_speed: 20.5,
    upload_speed: 2,
    consumed_traffic: 10,
  });
}

function accessLogLine(requestId: string, agent = 'curl/8.5.0'): string {
  return (
    `${OWNER} bucket-a [06/Feb/2019:00:10:00 +0000] 192.0.2.3 ${OWNER} ${requestId} REST.GET.OBJECT a.jpg ` +
    `"GET /bucket-a/a.jpg HTTP/1.1" 200 - 10 10 5 1 "-" "${agent}" -`
  );
}

/** Objects held in memory, as `{ bucket/key: text }`. */
function reader(objects: Record<string, string>): ObjectReader {
  return {
    async getObjectStream(bucket, key) {
      const text = objects[`${bucket}/${key}`];
      if (text === undefined) return undefined;
      return {
        etag: `etag-${text.length}`,
        lastModified: new Date('2024-02-01T00:00:00Z'),
        body: (async function* () {
          yield Buffer.from(text);
        })(),
      };
    },
  };
}

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.pg.exec('TRUNCATE usage, s3_access_logs, s3_access_log_hourly, loaded_objects, rejected_rows');
});

async function rejectedRows() {
  const r = await t.pg.query<{ object_key: string; line_number: number; reason: string; raw_line: string }>(
    'SELECT object_key, line_number, reason, raw_line FROM rejected_rows ORDER BY line_number',
  );
  return r.rows;
}

async function count(table: string): Promise<number> {
  return (await t.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

function deps(objects: Record<string, string>, db: Database = t.db, batchSize = 100): LoadDependencies {
  return { reader: reader(objects), db, routing, batchSize, log: quiet };
}

describe('a row the database cannot store', () => {
  it('does not sink its batch: a lone surrogate is rejected with its reason, its neighbours load', async () => {
    const key = 'raw/usage/dt=2024-01-01/surrogate.ndjson';
    const lines = [usageLine(1), usageLine(2, 'Ada \udc00'), usageLine(3)];
    const outcome = await loadObject(deps({ [`lake/${key}`]: lines.join('\n') }), { bucket: 'lake', key });
    expect(outcome).toMatchObject({ status: 'loaded', rowsInserted: 2, rowsRejected: 1 });
    expect(await count('usage')).toBe(2);
    const [rejected] = await rejectedRows();
    expect(rejected).toMatchObject({ object_key: key, line_number: 2, raw_line: lines[1] });
    expect(rejected.reason).toMatch(/surrogate/);
  });

  it('is isolated when only the database refuses it, and kept with the database reason', async () => {
    await t.pg.exec("ALTER TABLE usage ADD CONSTRAINT no_mallory CHECK (person_name <> 'Mallory')");
    try {
      const key = 'raw/usage/dt=2024-01-01/mallory.ndjson';
      const bad = new Set([7, 120, 121, 250]);
      const lines = Array.from({ length: 250 }, (_, i) =>
        usageLine(i + 1, bad.has(i + 1) ? 'Mallory' : undefined),
      );
      const outcome = await loadObject(deps({ [`lake/${key}`]: lines.join('\n') }), { bucket: 'lake', key });
      expect(outcome).toMatchObject({ status: 'loaded', rowsInserted: 246, rowsRejected: 4 });
      expect(await count('usage')).toBe(246);
      const rejected = await rejectedRows();
      expect(rejected.map((r) => r.line_number)).toEqual([7, 120, 121, 250]);
      for (const r of rejected) {
        expect(r.reason).toMatch(/no_mallory/);
        expect(r.reason).toMatch(/23514/);
        expect(r.raw_line).toBe(lines[r.line_number - 1]);
      }
      // Loading it again changes nothing: the good rows are there, the bad ones recorded once.
      await t.pg.exec('DELETE FROM loaded_objects');
      await loadObject(deps({ [`lake/${key}`]: lines.join('\n') }), { bucket: 'lake', key });
      expect(await count('usage')).toBe(246);
      expect(await count('rejected_rows')).toBe(4);
    } finally {
      await t.pg.exec('ALTER TABLE usage DROP CONSTRAINT no_mallory');
    }
  });

  it('is kept with its line cut to 10,000 characters, as a line that could not be parsed', async () => {
    await t.pg.exec(
      'ALTER TABLE s3_access_logs ADD CONSTRAINT short_agent CHECK (length(user_agent) < 10000)',
    );
    try {
      const key = 's3-access-logs/2019-02-06-00-00-00-LONG';
      const lines = [accessLogLine('REQ1'), accessLogLine('REQ2', 'a'.repeat(20_000))];
      const outcome = await loadObject(deps({ [`logs/${key}`]: lines.join('\n') }), { bucket: 'logs', key });
      expect(outcome).toMatchObject({ status: 'loaded', rowsInserted: 1, rowsRejected: 1 });
      const [rejected] = await rejectedRows();
      expect(rejected.reason).toMatch(/short_agent/);
      expect(rejected.raw_line).toBe(`${lines[1].slice(0, 10_000)}...`);
    } finally {
      await t.pg.exec('ALTER TABLE s3_access_logs DROP CONSTRAINT short_agent');
    }
  });

  it('is never confused with a database that is resuming: the load fails to be retried, nothing is rejected', async () => {
    let failures = 1;
    const resumeOnce = (sql: string) => {
      if (sql.includes('INSERT INTO usage') && failures-- > 0) {
        throw Object.assign(new Error('The Aurora DB instance is resuming after being auto-paused.'), {
          name: 'DatabaseResumingException',
        });
      }
    };
    const resuming: Database = {
      query: async (sql, params) => {
        resumeOnce(sql);
        return t.db.query(sql, params);
      },
      execute: async (sql, params) => {
        resumeOnce(sql);
        return t.db.execute(sql, params);
      },
      transaction: (work) => t.db.transaction(work),
      batch: (sql, sets, options) => t.db.batch(sql, sets, options),
    };
    const key = 'raw/usage/dt=2024-01-01/resuming.ndjson';
    const objects = { [`lake/${key}`]: [usageLine(1), usageLine(2)].join('\n') };
    const failed = await loadObject(deps(objects, resuming), { bucket: 'lake', key }).catch(
      (err: unknown) => err,
    );
    expect(isRetryableDataApiError(failed)).toBe(true);
    expect(await count('rejected_rows')).toBe(0);
    expect(await count('loaded_objects')).toBe(0);
    const retried = await loadObject(deps(objects, resuming), { bucket: 'lake', key });
    expect(retried).toMatchObject({ status: 'loaded', rowsInserted: 2, rowsRejected: 0 });
  });
});

describe('S3 access log lines containing NUL', () => {
  it('are kept in rejected_rows with the reason, never counted as skipped and dropped', async () => {
    const key = 's3-access-logs/2019-02-06-00-00-00-NUL';
    const lines = [accessLogLine('REQ1'), accessLogLine('REQ2', 'cu\u0000rl'), accessLogLine('REQ3')];
    const outcome = await loadObject(deps({ [`logs/${key}`]: `${lines.join('\n')}\n` }), {
      bucket: 'logs',
      key,
    });
    expect(outcome).toMatchObject({ status: 'loaded', rowsInserted: 2, rowsRejected: 1, rowsSkipped: 0 });
    const [rejected] = await rejectedRows();
    expect(rejected).toMatchObject({ object_key: key, line_number: 2 });
    expect(rejected.reason).toMatch(/NUL/);
    // Postgres text cannot hold NUL: the stored line shows it as \u0000.
    expect(rejected.raw_line).toBe(lines[1].replace('\u0000', '\\u0000'));
  });
});
