/**
 * Each place where Trino (Athena engine version 3) and DuckDB answer the same SQL differently: the
 * test shows DuckDB's own answer, then the local Athena's, which must be Trino's. Where Postgres
 * computes the same chart (quartiles, ages), its answer is checked too. Finally the SQL the
 * dashboard generates for Athena runs unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../datasets';
import { chartQueries, measuresOf } from '../../dashboard-app/src/queries';
import { TRINO_FUNCTIONS } from '../../local/athena/dialect';
import { runQuery, startTestAthena, writeBatch, type TestAthena } from './athena-fixtures';

let t: TestAthena;
let duck: DuckDBInstance;
let raw: DuckDBConnection;
let pg: PGlite;

beforeAll(async () => {
  t = await startTestAthena();
  duck = await DuckDBInstance.create(':memory:');
  raw = await duck.connect();
  pg = await PGlite.create();
});
afterAll(async () => {
  raw?.closeSync();
  duck?.closeSync();
  await pg?.close();
  await t?.close();
});

/** DuckDB's own answer (first row), or its error message. */
async function duckdb(sql: string): Promise<unknown[] | string> {
  try {
    return (await raw.runAndReadAll(sql)).getRowsJson()[0] ?? [];
  } catch (err) {
    return (err as Error).message;
  }
}

/** The local Athena's first row, through the SDK. */
async function athena(sql: string, parameters?: string[]): Promise<(string | null)[]> {
  const answer = await runQuery(t.client, sql, { parameters });
  expect(answer.execution.Status?.StateChangeReason, sql).toBeUndefined();
  return answer.rows[0]!;
}

describe('Trino semantics on the local Athena, where DuckDB differs', () => {
  it('integer division truncates toward zero', async () => {
    expect(await duckdb('SELECT 7 / 2, -7 / 2')).toEqual([3.5, -3.5]);
    expect(await athena('SELECT 7 / 2, -7 / 2, 7.0 / 2')).toEqual(['3', '-3', '3.5']);
  });

  it('approx_percentile exists, and matches Postgres percentile_cont on the same values', async () => {
    const values = '(VALUES (1.5), (2.25), (3.0), (10.75)) AS t(x)';
    expect(await duckdb(`SELECT approx_percentile(x, 0.25) FROM ${values}`)).toMatch(
      /approx_percentile does not exist/,
    );
    const local = await athena(`SELECT approx_percentile(x, 0.25), approx_percentile(x, 0.5) FROM ${values}`);
    const postgres = await pg.query<{ q1: number; median: number }>(
      `SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY x) AS q1, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS median FROM ${values}`,
    );
    expect(local.map(Number)).toEqual([postgres.rows[0]!.q1, postgres.rows[0]!.median]);
    expect(local).toEqual(['2.0625', '2.625']);
    // On integers Trino answers with a value of the same type: a value of the data.
    expect(
      await athena('SELECT approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3), (10)) AS t(x)'),
    ).toEqual(['2']);
  });

  it('from_iso8601_timestamp parses ISO 8601 with a zone into an instant', async () => {
    expect(await duckdb("SELECT from_iso8601_timestamp('2024-05-01T12:00:00+02:00')")).toMatch(
      /does not exist/,
    );
    expect(
      await athena(
        "SELECT to_unixtime(from_iso8601_timestamp('2024-05-01T12:00:00+02:00')), from_iso8601_timestamp('2024-05-01T10:00:00Z') = TIMESTAMP '2024-05-01 10:00:00'",
      ),
    ).toEqual(['1.7145576E9', 'true']);
  });

  it('date_trunc on a date returns a date', async () => {
    expect(await duckdb("SELECT date_trunc('month', DATE '2024-03-07')")).toEqual(['2024-03-01 00:00:00']);
    const answer = await runQuery(t.client, "SELECT date_trunc('month', DATE '2024-03-07')");
    expect(answer.rows[0]).toEqual(['2024-03-01']);
    expect(answer.types).toEqual(['date']);
    expect(await athena("SELECT date_trunc('hour', TIMESTAMP '2024-03-07 10:11:12.345')")).toEqual([
      '2024-03-07 10:00:00.000',
    ]);
  });

  it('date_diff counts whole units elapsed, as the age chart and Postgres age() do', async () => {
    const sql = "SELECT date_diff('year', DATE '2000-06-01', DATE '2024-05-31')";
    expect(await duckdb(sql)).toEqual(['24']);
    expect(await athena(sql)).toEqual(['23']);
    const postgres = await pg.query<{ years: number }>(
      "SELECT date_part('year', age(DATE '2024-05-31', DATE '2000-06-01'))::int AS years",
    );
    expect(postgres.rows[0]!.years).toBe(23);
  });

  it('least and greatest return null when an argument is null', async () => {
    expect(await duckdb('SELECT least(1, NULL), greatest(1, NULL, 3)')).toEqual([1, 3]);
    expect(await athena('SELECT least(1, NULL), greatest(1, NULL, 3), least(4, 2, 3)')).toEqual([
      null,
      null,
      '2',
    ]);
  });

  it('date_format takes MySQL specifiers (%i minutes, %s seconds), as the saved queries use it', async () => {
    expect(await duckdb("SELECT date_format(TIMESTAMP '2024-05-01 13:07:09', '%Y')")).toMatch(
      /does not exist/,
    );
    expect(
      await athena(
        "SELECT date_format(TIMESTAMP '2024-05-01 13:07:09', '%Y/%m/%d %H:%i:%s'), date_format(DATE '2024-05-01', '%Y-%m-%d')",
      ),
    ).toEqual(['2024/05/01 13:07:09', '2024-05-01']);
  });

  it("url_decode decodes '+' as a space", async () => {
    expect(await duckdb("SELECT url_decode('a+b%2Bc')")).toEqual(['a+b+c']);
    expect(await athena("SELECT url_decode('a+b%2Bc')")).toEqual(['a b+c']);
  });

  it('unnamed result columns are _col0, _col1 (by position)', async () => {
    const answer = await runQuery(t.client, 'SELECT 1 + 1, 2 AS two, count(*) FROM (VALUES (1)) AS t(x)');
    expect(answer.header).toEqual(['_col0', 'two', '_col2']);
  });

  it('functions DuckDB spells differently: to_unixtime, regexp_like, day_of_week, date_add, approx_distinct', async () => {
    for (const name of ['to_unixtime', 'regexp_like', 'day_of_week', 'approx_distinct']) {
      expect(await duckdb(`SELECT ${name}(1)`)).toMatch(/does not exist/);
    }
    expect(
      await athena(
        "SELECT to_unixtime(TIMESTAMP '1970-01-02 00:00:00.500'), regexp_like('503', '^[45]'), day_of_week(DATE '2024-01-07'), date_add('day', 1, DATE '2024-01-31'), approx_distinct(x) FROM (VALUES (1), (1), (2)) AS t(x)",
      ),
    ).toEqual(['86400.5', 'true', '7', '2024-02-01', '2']);
  });

  it('nulls sort last whatever the direction, and the session time zone is UTC', async () => {
    const answer = await runQuery(
      t.client,
      'SELECT x FROM (VALUES (1), (NULL), (2)) AS t(x) ORDER BY x DESC',
    );
    expect(answer.rows).toEqual([['2'], ['1'], [null]]);
    expect(await athena("SELECT CAST(TIMESTAMP '2024-01-01 23:30:00' AS timestamp with time zone)")).toEqual([
      '2024-01-01 23:30:00.000 UTC',
    ]);
  });

  it('execution parameters replace ? in order, but not a ? inside a string or a comment', async () => {
    expect(
      await athena("SELECT '?', ? /* ? */, ? -- ?\n", ["'a'", "TIMESTAMP '2024-01-01 00:00:00.000'"]),
    ).toEqual(['?', 'a', '2024-01-01 00:00:00.000']);
  });

  it('every Trino function the dialect reproduces is listed in local/README.md', () => {
    const readme = fs.readFileSync(
      path.resolve(import.meta.dirname, '..', '..', 'local', 'README.md'),
      'utf8',
    );
    const section = readme.slice(readme.indexOf('## Local Athena'));
    for (const name of Object.keys(TRINO_FUNCTIONS)) expect(section, name).toContain(`\`${name}\``);
  });
});

describe('the SQL the dashboard generates for Athena', () => {
  it('runs unchanged on the local Athena for every chart of every lake dataset', async () => {
    writeBatch(t.s3Root, 'usage', [
      {
        person_name: 'Ada',
        birth_date: '1990-05-01',
        accessed_at: '2025-03-02T10:00:00.000Z',
        session_duration: 60,
        download_speed: 12.5,
        upload_speed: 2.25,
        consumed_traffic: 100,
      },
    ]);
    const selection = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-08T00:00:00Z') };
    for (const dataset of DATASETS.filter((d) => d.format === 'ndjson')) {
      for (const query of Object.values(
        chartQueries({ ...selection, dataset, measure: measuresOf(dataset)[0]! }, 'athena'),
      )) {
        if (!query) continue;
        const answer = await runQuery(t.client, query.sql, { parameters: [...query.executionParameters] });
        expect(
          answer.execution.Status?.State,
          `${dataset.name} ${query.chart}: ${answer.execution.Status?.StateChangeReason}`,
        ).toBe('SUCCEEDED');
      }
    }
  });
});
