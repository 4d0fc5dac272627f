import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../db/database';
import { loadObject, type ObjectReader } from '../../../lambda/loader/load-object';
import { recomputeHourlyRollups, type TouchedHour } from '../../../lambda/loader/s3-access-log/rollups';
import { runMigrations } from '../../../migrations/runner';
import {
  postgresBinaries,
  startPostgres,
  waitsForLock,
  type PostgresServer,
  type PostgresSession,
} from '../../support/postgres-server';
import { startTestDatabase, type TestDatabase } from '../../support/local-database';

/**
 * Hourly rollups stay exact when loaders recompute the same hours at the same time: with many
 * sessions (a real PostgreSQL server, as Aurora serves many loaders) and with interleaved loaders
 * through the local Data API (one PGlite session).
 */

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';

/** The rollups as held, and as a full recomputation from the base table gives them. */
async function rollupsAndTruth(db: Database) {
  const held = await db.query(
    `SELECT bucket, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24') AS hour, requests, bytes_sent, errors,
            distinct_keys, distinct_remote_ips
     FROM s3_access_log_hourly ORDER BY 1, 2`,
  );
  const truth = await db.query(
    `SELECT bucket, to_char(date_trunc('hour', request_time, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24') AS hour,
            count(*) AS requests, CAST(coalesce(sum(bytes_sent), 0) AS bigint) AS bytes_sent,
            count(*) FILTER (WHERE http_status >= 400) AS errors,
            count(DISTINCT key) AS distinct_keys, count(DISTINCT remote_ip) AS distinct_remote_ips
     FROM s3_access_logs GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return { held, truth };
}

const bin = postgresBinaries();

// Needs PostgreSQL server binaries (apt package postgresql; present on GitHub's Ubuntu runners).
describe.skipIf(!bin)('rollup recomputes from concurrent sessions (real PostgreSQL)', () => {
  let server: PostgresServer;
  let admin: PostgresSession;
  let rows = 0;
  const HOURS: TouchedHour[] = [
    { bucket: 'b', hour: '2024-01-01T10:00:00Z' },
    { bucket: 'b', hour: '2024-01-01T11:00:00Z' },
  ];

  /** Inserts `count` requests into an hour, as a loader's committed batch. */
  async function insertRows(db: Database, hour: TouchedHour, count: number) {
    for (let i = 0; i < count; i++) {
      rows += 1;
      await db.execute(
        `INSERT INTO s3_access_logs (record_id, bucket, request_time, request_id, operation, key, bytes_sent, http_status, remote_ip)
         VALUES (:id, :bucket, CAST(:time AS timestamptz) + interval '1 minute' * :minute, :id, 'REST.GET.OBJECT', :key, 10, 200, '192.0.2.1')`,
        { id: `r${rows}`, bucket: hour.bucket, time: hour.hour, minute: i % 60, key: `k${rows}` },
      );
    }
  }

  beforeAll(async () => {
    server = await startPostgres(bin!);
    admin = await server.connect();
    await runMigrations(admin);
  }, 300_000);
  afterAll(() => server?.stop());

  it.each([0, 1])(
    'equal a full recomputation when a recompute of both hours stalls on hour %i while another loader adds rows to the other hour',
    async (stalled) => {
      const [loader1, loader2, blocker] = await Promise.all([
        server.connect(),
        server.connect(),
        server.connect(),
      ]);
      try {
        for (const hour of HOURS) await insertRows(admin, hour, 5);
        await recomputeHourlyRollups(admin, HOURS);
        const other = HOURS[1 - stalled];
        // Another session holds the rollup row of one hour, so loader 1's recompute of both hours
        // stops there, after it has read the base table.
        await blocker.execute('BEGIN');
        await blocker.query(
          'SELECT requests FROM s3_access_log_hourly WHERE bucket = :bucket AND hour = CAST(:hour AS timestamptz) FOR UPDATE',
          HOURS[stalled] as never,
        );
        const first = recomputeHourlyRollups(loader1, HOURS);
        expect(await waitsForLock(admin, loader1.pid, first)).toBe(true);
        // Meanwhile loader 2 commits rows of the other hour and recomputes it.
        await insertRows(loader2, other, 3);
        const second = recomputeHourlyRollups(loader2, [other]);
        await waitsForLock(admin, loader2.pid, second);
        await blocker.execute('COMMIT');
        await Promise.all([first, second]);
        const { held, truth } = await rollupsAndTruth(admin);
        expect(held).toEqual(truth);
      } finally {
        for (const s of [loader1, loader2, blocker]) s.close();
      }
    },
    60_000,
  );
});

describe('rollups under interleaved loaders (local Data API)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await startTestDatabase();
  });
  afterAll(() => t?.close());

  /** A log object of `count` records, one every `stepSeconds`, from `start`. */
  function logObject(start: number, count: number, stepSeconds: number, seed: string): string {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const d = new Date(start + i * stepSeconds * 1000);
      const stamp = `[${String(d.getUTCDate()).padStart(2, '0')}/Jan/2024:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000]`;
      lines.push(
        `${OWNER} bucket-${i % 2} ${stamp} 192.0.2.${i % 7} ${OWNER} ${seed}${i} REST.GET.OBJECT k${i % 11} ` +
          `"GET /k HTTP/1.1" ${i % 9 === 0 ? 404 : 200} - ${i * 10} 100 5 1 "-" "curl/8" -`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  it('equal a full recomputation after loaders of overlapping hours run at once', async () => {
    const start = Date.UTC(2024, 0, 5, 9, 30);
    const objects = new Map<string, string>([
      ['s3-access-logs/a', logObject(start, 300, 20, 'A')],
      ['s3-access-logs/b', logObject(start + 15 * 60_000, 300, 17, 'B')],
      ['s3-access-logs/c', logObject(start + 40 * 60_000, 200, 31, 'C')],
    ]);
    const reader: ObjectReader = {
      async getObjectStream(_bucket, key) {
        const text = objects.get(key);
        return text === undefined
          ? undefined
          : { etag: key, lastModified: new Date(), body: fs.createReadStream(writeTemp(key, text)) };
      },
    };
    const quiet = { info: () => undefined, warn: () => undefined };
    await Promise.all(
      [...objects.keys()].map((key, i) =>
        loadObject(
          {
            reader,
            db: t.db,
            routing: { lakeBucket: 'lake', logBucket: 'logs' },
            batchSize: 7 + i * 13,
            log: quiet,
            accessLogRules: { keepAllOperations: true },
          },
          { bucket: 'logs', key },
        ),
      ),
    );
    const { held, truth } = await rollupsAndTruth(t.db);
    expect(truth.length).toBeGreaterThan(4);
    expect(held).toEqual(truth);
  });
});

const TEMP = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'rollup-logs-'));
function writeTemp(key: string, text: string): string {
  const file = path.join(TEMP, key.replace(/\//g, '_'));
  fs.writeFileSync(file, text);
  return file;
}
