/**
 * How the local Athena reads its tables, where it must behave as Athena does and DuckDB on its own
 * would not: partition projection (range, date format, NOW, `injected`), the bytes scanned (the
 * files of the partitions read, once per table reference), the workgroup's per-query cutoff, the
 * RegexSerDe over access-log lines and the JSON SerDe over the lake's batches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_LAKE_BUCKET, LOCAL_LOG_BUCKET } from '../../local/ingestion';
import {
  accessLogKey,
  runQuery,
  startTestAthena,
  writeBatch,
  writeObject,
  type TestAthena,
} from './athena-fixtures';

const NOW = new Date('2025-03-10T12:00:00Z');
const record = (day: string, i: number) => ({
  person_name: `person ${i}`,
  birth_date: '1990-01-01',
  accessed_at: `${day}T0${i}:00:00.000Z`,
  session_duration: 60 * i,
  download_speed: i,
  upload_speed: 1,
  consumed_traffic: 10 * i,
});

let t: TestAthena;
const sizes: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestAthena({ now: () => NOW });
  for (const day of ['2025-03-01', '2025-03-02', '2025-03-03']) {
    sizes[day] = writeBatch(t.s3Root, 'usage', [record(day, 1), record(day, 2)]).size;
  }
  // Before the projection's first day, after NOW, and a folder not in the yyyy-MM-dd format.
  writeBatch(t.s3Root, 'usage', [record('2019-12-31', 1)]);
  writeBatch(t.s3Root, 'usage', [record('2025-03-11', 1)]);
  writeObject(
    t.s3Root,
    LOCAL_LAKE_BUCKET,
    'raw/usage/dt=2025-3-4/x.ndjson.gz',
    fs.readFileSync(firstFile('2025-03-01')),
  );
  // Files Hive-style readers skip, and an upload of the S3 stand-in in progress.
  writeObject(t.s3Root, LOCAL_LAKE_BUCKET, 'raw/usage/dt=2025-03-01/_SUCCESS', 'x');
  writeObject(t.s3Root, LOCAL_LAKE_BUCKET, 'raw/usage/dt=2025-03-01/.hidden.ndjson.gz', 'x');
  writeObject(t.s3Root, LOCAL_LAKE_BUCKET, 'raw/usage/dt=2025-03-01/y.ndjson.gz.1234.1700000000000.tmp', 'x');
});
afterAll(() => t?.close());

function firstFile(day: string): string {
  const dir = path.join(t.s3Root, LOCAL_LAKE_BUCKET, 'raw', 'usage', `dt=${day}`);
  return path.join(
    dir,
    fs.readdirSync(dir).find((f) => /^[0-9a-f]{64}\.ndjson\.gz$/.test(f))!,
  );
}

describe('partition projection and bytes scanned', () => {
  it('reads only the partitions the query names: bytes scanned are the sizes of those files', async () => {
    const one = await runQuery(t.client, "SELECT count(*) FROM usage WHERE dt = '2025-03-02'");
    expect(one.rows).toEqual([['2']]);
    expect(one.execution.Statistics?.DataScannedInBytes).toBe(sizes['2025-03-02']);

    const range = await runQuery(
      t.client,
      "SELECT count(*) FROM usage WHERE dt >= '2025-03-02' AND person_name <> ''",
    );
    expect(range.rows).toEqual([['4']]);
    expect(range.execution.Statistics?.DataScannedInBytes).toBe(sizes['2025-03-02']! + sizes['2025-03-03']!);
  });

  it('a query without a partition filter reads every projected day, and nothing outside the projection', async () => {
    const all = await runQuery(t.client, 'SELECT dt, count(*) FROM usage GROUP BY dt ORDER BY dt');
    // 2019-12-31 is before the first day, 2025-03-11 after NOW, dt=2025-3-4 not in the format.
    expect(all.rows).toEqual([
      ['2025-03-01', '2'],
      ['2025-03-02', '2'],
      ['2025-03-03', '2'],
    ]);
    expect(all.execution.Statistics?.DataScannedInBytes).toBe(
      Object.values(sizes).reduce((a, b) => a + b, 0),
    );
    expect(all.types).toEqual(['varchar', 'bigint']);
  });

  it('counts the bytes of each table reference: a table read twice is scanned twice', async () => {
    const join = await runQuery(
      t.client,
      "SELECT count(*) FROM usage a JOIN usage b ON a.person_name = b.person_name WHERE a.dt = '2025-03-01' AND b.dt = '2025-03-02'",
    );
    expect(join.rows).toEqual([['2']]);
    expect(join.execution.Statistics?.DataScannedInBytes).toBe(sizes['2025-03-01']! + sizes['2025-03-02']!);
  });
  it('does not prune the null-extended side of an outer join by its WHERE conditions', async () => {
    const sql =
      "SELECT count(*) FROM usage a LEFT JOIN usage b ON a.person_name = b.person_name AND b.dt = '2025-03-02' " +
      "WHERE a.dt = '2025-03-01' AND b.dt IS NULL";
    const answer = await runQuery(t.client, sql);
    // Both people of 2025-03-01 have a row on 2025-03-02: no row of a stays unmatched.
    expect(answer.rows).toEqual([['0']]);
    const all = Object.values(sizes).reduce((a, b) => a + b, 0);
    expect(answer.execution.Statistics?.DataScannedInBytes).toBe(sizes['2025-03-01']! + all);
  });
});

describe('the workgroup per-query scan cutoff', () => {
  let limited: TestAthena;
  beforeAll(async () => {
    limited = await startTestAthena({ scanLimitMb: 10, now: () => NOW });
    writeBatch(limited.s3Root, 'usage', [record('2025-03-01', 1)]);
    // 11 MB that do not compress: more than the 10 MB cutoff.
    writeObject(
      limited.s3Root,
      LOCAL_LAKE_BUCKET,
      'raw/usage/dt=2025-03-05/big.ndjson.gz',
      randomBytes(11 * 1024 * 1024),
    );
  });
  afterAll(() => limited?.close());

  it('cancels a query whose files exceed the cutoff, with the reason Athena gives, before reading them', async () => {
    const answer = await runQuery(limited.client, 'SELECT count(*) FROM usage');
    expect(answer.execution.Status?.State).toBe('CANCELLED');
    expect(answer.execution.Status?.StateChangeReason).toMatch(/^Bytes scanned limit was exceeded/);
    expect(answer.execution.Status?.StateChangeReason).toContain(String(10 * 1024 * 1024));
    expect(answer.execution.Statistics?.DataScannedInBytes).toBe(0);
  });

  it('runs the same table when the query names partitions under the cutoff; primary has no cutoff', async () => {
    const narrow = await runQuery(limited.client, "SELECT count(*) FROM usage WHERE dt = '2025-03-01'");
    expect(narrow.execution.Status?.State).toBe('SUCCEEDED');
    expect(narrow.rows).toEqual([['1']]);
    // Without the cutoff the 11 MB file is read, and it is not gzip: the query fails reading it.
    const primary = await runQuery(limited.client, 'SELECT count(*) FROM usage', { workgroup: 'primary' });
    expect(primary.execution.Status?.State).toBe('FAILED');
  });
});

describe('the S3 access-log table: RegexSerDe over delivered log lines, injected source_bucket', () => {
  const line = (bucket: string, key: string, status: string, bytes: string) =>
    `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be ${bucket} [09/Mar/2025:10:00:00 +0000] 192.0.2.3 ` +
    `arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT ${key} "GET /${bucket}/${key} HTTP/1.1" ` +
    `${status} - ${bytes} 434234 38 37 "-" "curl/8.5.0" - hostid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader ` +
    `${bucket}.s3.us-east-1.amazonaws.com TLSv1.3 - Yes us-east-1`;

  beforeAll(() => {
    writeObject(
      t.s3Root,
      LOCAL_LOG_BUCKET,
      accessLogKey('photos', '2025-03-09', '2025-03-09-10-00-00-A'),
      [
        line('photos', 'cat%2B1.jpg', '200', '1024'),
        line('photos', 'gone.jpg', '404', '-'),
        'not a log line',
        '',
      ].join('\r\n'),
    );
    writeObject(
      t.s3Root,
      LOCAL_LOG_BUCKET,
      accessLogKey('videos', '2025-03-09', 'B'),
      `${line('videos', 'a.mp4', '206', '99')}\n`,
    );
    // Before the projection's first day (2023/11/01): never read.
    writeObject(
      t.s3Root,
      LOCAL_LOG_BUCKET,
      accessLogKey('photos', '2023-10-31', 'C'),
      `${line('photos', 'old', '200', '1')}\n`,
    );
    writeObject(
      t.s3Root,
      LOCAL_LOG_BUCKET,
      accessLogKey('zipped', '2025-03-08', '2024-03-09-00-00-00-compressed.log.gz'),
      fs.readFileSync(
        path.resolve(import.meta.dirname, '../fixtures/s3-access-logs/2024-03-09-00-00-00-compressed.log.gz'),
      ),
    );
  });

  it('fails without a static equality on source_bucket, as Athena does for an injected column', async () => {
    for (const where of ['', "WHERE source_bucket LIKE 'ph%'", 'WHERE source_bucket = requester']) {
      const answer = await runQuery(t.client, `SELECT count(*) FROM s3_access_logs ${where}`);
      expect(answer.execution.Status?.State, where).toBe('FAILED');
      expect(answer.execution.Status?.StateChangeReason, where).toMatch(
        /^CONSTRAINT_VIOLATION: For the injected projected partition column source_bucket, the WHERE clause must contain only static equality conditions/,
      );
    }
  });

  it('reads each line with the regex: typed columns, "-" as null, a line that does not match as a row of nulls', async () => {
    const answer = await runQuery(
      t.client,
      `SELECT bucket_name, url_decode(key), httpstatus, bytessent, useragent, aclrequired, source_bucket, "timestamp"
       FROM s3_access_logs WHERE source_bucket = 'photos' ORDER BY requestid NULLS LAST, httpstatus`,
    );
    expect(answer.types).toEqual([
      'varchar',
      'varchar',
      'varchar',
      'bigint',
      'varchar',
      'varchar',
      'varchar',
      'varchar',
    ]);
    expect(answer.rows).toEqual([
      ['photos', 'cat+1.jpg', '200', '1024', '"curl/8.5.0"', 'Yes', 'photos', '2025/03/09'],
      ['photos', 'gone.jpg', '404', null, '"curl/8.5.0"', 'Yes', 'photos', '2025/03/09'],
      [null, null, null, null, null, null, 'photos', '2025/03/09'],
    ]);
  });

  it('takes every value of source_bucket IN (...), and decompresses .gz log objects', async () => {
    const answer = await runQuery(
      t.client,
      "SELECT source_bucket, count(*) FROM s3_access_logs WHERE source_bucket IN ('videos', 'zipped') GROUP BY 1 ORDER BY 1",
    );
    expect(answer.rows).toEqual([
      ['videos', '1'],
      ['zipped', '3'],
    ]);
  });
});

describe('the JSON SerDe', () => {
  it('fails the query on a malformed line (ignore.malformed.json=FALSE) or a value of the wrong type, naming the object', async () => {
    const bad = await startTestAthena({ now: () => NOW });
    try {
      writeObject(
        bad.s3Root,
        LOCAL_LAKE_BUCKET,
        'raw/usage/dt=2025-03-01/bad.ndjson',
        '{"person_name": "x", \n',
      );
      const answer = await runQuery(bad.client, "SELECT count(*) FROM usage WHERE dt = '2025-03-01'");
      expect(answer.execution.Status?.State).toBe('FAILED');
      expect(answer.execution.Status?.StateChangeReason).toMatch(/^HIVE_BAD_DATA: /);
      expect(answer.execution.Status?.StateChangeReason).toContain(
        's3://local-lake/raw/usage/dt=2025-03-01/bad.ndjson',
      );
      writeObject(
        bad.s3Root,
        LOCAL_LAKE_BUCKET,
        'raw/usage/dt=2025-03-02/type.ndjson',
        '{"person_name": "x", "session_duration": "long"}\n',
      );
      const typed = await runQuery(
        bad.client,
        "SELECT sum(session_duration) FROM usage WHERE dt = '2025-03-02'",
      );
      // A value that does not fit its column's type fails the query that reads the column.
      expect(typed.execution.Status?.StateChangeReason).toMatch(/^HIVE_BAD_DATA: .*"long"/);
    } finally {
      await bad.close();
    }
  });
});
