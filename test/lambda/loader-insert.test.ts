import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableSql } from '../../datasets/sql';
import { toJsonRow } from '../../db/dataset-sql';
import type { Column, ColumnType, Dataset } from '../../datasets/types';
import {
  encodeRow,
  MAX_ROWS_PARAMETER_BYTES,
  upsertStatements,
  type ObjectVersion,
} from '../../lambda/loader/insert';
import type { TypedValue } from '../../db/database';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const column = (name: string, type: ColumnType, extra: Partial<Column> = {}): Column => ({
  name,
  type,
  role: 'attribute',
  nullable: true,
  label: name,
  description: `A ${type} value.`,
  ...extra,
});

/** One column of every type, all nullable but the key. */
const everyType: Dataset = {
  name: 'every_type',
  label: 'Every type',
  description: 'One column of every column type.',
  format: 'ndjson',
  key: ['id'],
  columns: [
    column('id', 'text', { nullable: false, role: 'dimension' }),
    column('t', 'text'),
    column('i', 'integer'),
    column('b', 'bigint'),
    column('d', 'double'),
    column('n', 'numeric'),
    column('flag', 'boolean'),
    column('day', 'date'),
    column('at', 'timestamptz', { role: 'time' }),
    column('u', 'uuid'),
    column('doc', 'json'),
  ],
};

const ROWS: Record<string, unknown>[] = [
  {
    id: 'quotes',
    t: `He said "hi" \\ a back\\slash, 'single', \\"both\\" and \\u0041 as text`,
    i: 2147483647,
    b: 9007199254740991,
    d: 0.1,
    n: '0.10',
    flag: true,
    day: '1815-12-10',
    at: '2024-05-01T14:00:00+02:00',
    u: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    doc: { nested: { list: [1, 'two', null, true, 1.5, -2e-7], empty: {} }, quote: 'a"b\\c', text: 'é😀' },
  },
  {
    id: 'unicode',
    t: 'Zürich — 東京 😀 e\u0301 \u2028 \u0001 tab\t newline\n CR\r end',
    i: -2147483648,
    b: '9223372036854775807',
    d: 1.7976931348623157e308,
    n: '-12345678901234567890.123456789012345678',
    flag: false,
    day: '9999-12-31',
    at: new Date('1969-12-31T23:59:59.999Z'),
    u: '00000000-0000-0000-0000-000000000000',
    doc: [1, [2, [3]], 'x', { 'key with "quotes"': 'v' }],
  },
  {
    id: 'limits',
    t: '',
    i: 0,
    b: '-9223372036854775808',
    d: 5e-324,
    n: 0.25,
    flag: true,
    day: '2000-02-29',
    at: '2024-03-31 01:30:00.123456',
    u: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    doc: 'just a string',
  },
  {
    id: 'look-alikes',
    t: '{"a": 1}',
    i: -1,
    b: -1,
    d: -1.5e-300,
    n: '100000000000000000000000000000',
    flag: false,
    day: '0001-01-01',
    at: '2024-10-27T01:30:00.5-07:00',
    u: '123e4567-e89b-12d3-a456-426614174000',
    doc: 42,
  },
  { id: 'nulls', t: null, i: null, b: null, d: null, n: null, flag: null, day: null, at: null, u: null },
];

/** What reads back: exact text forms for bigint and timestamps, the Data API's JSON for the rest. */
const EXPECTED = [
  {
    id: 'quotes',
    t: ROWS[0].t,
    i: 2147483647,
    b: '9007199254740991',
    d: 0.1,
    n: '0.10',
    flag: true,
    day: '1815-12-10',
    at: '2024-05-01T12:00:00.000000Z',
    u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    doc: ROWS[0].doc,
  },
  {
    id: 'unicode',
    t: ROWS[1].t,
    i: -2147483648,
    b: '9223372036854775807',
    d: 1.7976931348623157e308,
    n: '-12345678901234567890.123456789012345678',
    flag: false,
    day: '9999-12-31',
    at: '1969-12-31T23:59:59.999000Z',
    u: '00000000-0000-0000-0000-000000000000',
    doc: ROWS[1].doc,
  },
  {
    id: 'limits',
    t: '',
    i: 0,
    b: '-9223372036854775808',
    d: 5e-324,
    n: '0.25',
    flag: true,
    day: '2000-02-29',
    at: '2024-03-31T01:30:00.123456Z',
    u: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    doc: 'just a string',
  },
  {
    id: 'look-alikes',
    t: '{"a": 1}',
    i: -1,
    b: '-1',
    d: -1.5e-300,
    n: '100000000000000000000000000000',
    flag: false,
    day: '0001-01-01',
    at: '2024-10-27T08:30:00.500000Z',
    u: '123e4567-e89b-12d3-a456-426614174000',
    doc: 42,
  },
  {
    id: 'nulls',
    t: null,
    i: null,
    b: null,
    d: null,
    n: null,
    flag: null,
    day: null,
    at: null,
    u: null,
    doc: null,
  },
];

const READ_BACK = `SELECT id, t, i, b::text AS b, d, n, flag, day,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, u, doc::text AS doc
  FROM every_type ORDER BY array_position(ARRAY['quotes', 'unicode', 'limits', 'look-alikes', 'nulls'], id)`;

let t: TestDatabase;

beforeAll(async () => {
  t = await startTestDatabase();
  for (const sql of createTableSql(everyType)) await t.db.execute(sql);
});
afterAll(() => t?.close());

const VERSION: ObjectVersion = {
  ingestedAt: '2024-06-01T00:00:00.000Z',
  objectKey: 'raw/every_type/x.ndjson',
};

/** The statements upserting `rows` (line numbers 1, 2, ...), built as the loader builds them. */
function statementsOf(rows: readonly Record<string, unknown>[], maxBytes?: number) {
  const encoded = rows.map((row, i) => encodeRow(everyType, { row, lineNumber: i + 1, raw: '' }, maxBytes));
  return upsertStatements(everyType, encoded, VERSION, maxBytes);
}

async function insert(rows: readonly Record<string, unknown>[], maxBytes?: number): Promise<number> {
  let inserted = 0;
  for (const { sql, params } of statementsOf(rows, maxBytes)) {
    const [counts] = await t.db.query<{ inserted: number }>(sql, params);
    inserted += counts.inserted;
  }
  return inserted;
}

async function readBack() {
  const rows = await t.db.query<{ doc: string | null }>(READ_BACK);
  return rows.map((r) => ({ ...r, doc: r.doc === null ? null : (JSON.parse(r.doc) as unknown) }));
}

describe('JSON row inserts through the local Data API', () => {
  it('store every column type exactly, whatever the session time zone, and count only new rows', async () => {
    // A session zone far from UTC: a timestamp read without its zone would shift by 5:45.
    await t.pg.exec("SET TIME ZONE 'Asia/Kathmandu'");
    try {
      expect(await insert(ROWS)).toBe(ROWS.length);
    } finally {
      await t.pg.exec("SET TIME ZONE 'UTC'");
    }
    expect(await readBack()).toEqual(EXPECTED);

    expect(await insert(ROWS)).toBe(0);
    expect(await insert([...ROWS, { id: 'new' }])).toBe(1);
    const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM every_type');
    expect(n).toBe(ROWS.length + 1);
    await t.db.execute("DELETE FROM every_type WHERE id = 'new'");
  });

  it('splits a batch into statements under the byte budget and inserts every row', async () => {
    await t.db.execute('TRUNCATE every_type');
    const budget = 900;
    const statements = statementsOf(ROWS, budget);
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.reduce((sum, s) => sum + s.rows.length, 0)).toBe(ROWS.length);
    for (const { params } of statements) {
      // The parameter as the request carries it: JSON text inside the JSON body.
      expect(Buffer.byteLength(JSON.stringify((params.rows as TypedValue).value))).toBeLessThanOrEqual(
        budget,
      );
    }
    expect(await insert(ROWS, budget)).toBe(ROWS.length);
    expect(await readBack()).toEqual(EXPECTED);
  });
});

describe('upsert statements', () => {
  it('puts a batch in one statement by default, keeping the latest version of each key', () => {
    const statements = statementsOf(ROWS);
    expect(statements).toHaveLength(1);
    expect(statements[0].sql).toBe(
      'WITH upserted AS (INSERT INTO every_type AS t (id, t, i, b, d, n, flag, day, at, u, doc, _ingested_at, _object_key, _line_number) ' +
        'SELECT r.id, r.t, r.i, r.b, r.d, r.n, r.flag, r.day, r.at, r.u, r.doc, CAST(:ingested_at AS timestamptz), :object_key, r._line_number ' +
        'FROM json_populate_recordset(NULL::every_type, CAST(:rows AS json)) AS r ' +
        'ON CONFLICT (id) DO UPDATE SET t = EXCLUDED.t, i = EXCLUDED.i, b = EXCLUDED.b, d = EXCLUDED.d, n = EXCLUDED.n, ' +
        'flag = EXCLUDED.flag, day = EXCLUDED.day, at = EXCLUDED.at, u = EXCLUDED.u, doc = EXCLUDED.doc, ' +
        '_ingested_at = EXCLUDED._ingested_at, _object_key = EXCLUDED._object_key, _line_number = EXCLUDED._line_number ' +
        'WHERE (t._ingested_at, t._object_key, t._line_number) < (EXCLUDED._ingested_at, EXCLUDED._object_key, EXCLUDED._line_number) ' +
        'RETURNING (xmax = 0) AS inserted) ' +
        'SELECT CAST(count(*) FILTER (WHERE inserted) AS integer) AS inserted, ' +
        'CAST(count(*) FILTER (WHERE NOT inserted) AS integer) AS updated FROM upserted',
    );
    expect(statements[0].params.rows).toMatchObject({ kind: 'json' });
    expect(statements[0].params).toMatchObject({
      ingested_at: VERSION.ingestedAt,
      object_key: VERSION.objectKey,
    });
    expect(MAX_ROWS_PARAMETER_BYTES).toBe(3 * 1024 * 1024);
  });

  it('counts the bytes of a row exactly as the request carries them (escaped once more)', () => {
    const row = { id: 'x', t: `${'"\\'.repeat(100)} é 😀 \u2028 \u0001 \n \t` };
    const [statement] = statementsOf([row]);
    const json = (statement.params.rows as TypedValue).value;
    expect(() => statementsOf([row], Buffer.byteLength(JSON.stringify(json)))).not.toThrow();
    expect(() => statementsOf([row], Buffer.byteLength(JSON.stringify(json)) - 1)).toThrow(
      /the row with id="x" takes \d+ bytes as JSON, more than one insert statement carries \(\d+ bytes/,
    );
  });

  it('names the dataset, column and value that do not fit', () => {
    expect(() => statementsOf([{ id: 'x', i: 1.5 }])).toThrow(
      'Dataset "every_type", column "i": value 1.5 is not an integer.',
    );
    expect(() => statementsOf([{ id: 'x', at: '2024-05-01 12:00' }])).toThrow(
      /Dataset "every_type", column "at": .*not an ISO 8601 timestamp with a time zone/,
    );
    expect(() => statementsOf([{ t: 'no key' }])).toThrow(
      'Dataset "every_type", column "id": a value is required (the column is not nullable).',
    );
  });

  it('gives each value its JSON form', () => {
    expect(
      toJsonRow(everyType, {
        id: 'x',
        b: '9223372036854775807',
        n: 0.5,
        at: new Date('2024-05-01T12:00:00Z'),
        u: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        doc: { a: [1] },
      }),
    ).toEqual({
      id: 'x',
      t: null,
      i: null,
      b: '9223372036854775807',
      d: null,
      n: '0.5',
      flag: null,
      day: null,
      at: '2024-05-01T12:00:00.000Z',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      doc: { a: [1] },
    });
  });
});
