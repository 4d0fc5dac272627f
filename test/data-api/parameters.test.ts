import { describe, expect, it } from 'vitest';
import { DatabaseError, splitParameterSets, toSqlParameter, toSqlParameters } from '../../db/data-api';
import { sqlDecimal, sqlJson, sqlUuid } from '../../db/sql-values';

describe('toSqlParameter', () => {
  it('maps plain values to Field members', () => {
    expect(toSqlParameters({ s: 'a', i: 42, d: 1.5, b: false, n: null, u: undefined })).toEqual([
      { name: 's', value: { stringValue: 'a' } },
      { name: 'i', value: { longValue: 42 } },
      { name: 'd', value: { doubleValue: 1.5 } },
      { name: 'b', value: { booleanValue: false } },
      { name: 'n', value: { isNull: true } },
      { name: 'u', value: { isNull: true } },
    ]);
  });

  it('sends Dates and typed values with their type hint', () => {
    expect(toSqlParameter('t', new Date('2024-01-02T03:04:05.006Z'))).toEqual({
      name: 't',
      value: { stringValue: '2024-01-02 03:04:05.006' },
      typeHint: 'TIMESTAMP',
    });
    expect(toSqlParameter('p', sqlDecimal('10.01')).typeHint).toBe('DECIMAL');
    expect(toSqlParameter('j', sqlJson([1])).typeHint).toBe('JSON');
    expect(toSqlParameter('id', sqlUuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).typeHint).toBe('UUID');
    expect(toSqlParameter('blob', new Uint8Array([1, 2]))).toEqual({
      name: 'blob',
      value: { blobValue: new Uint8Array([1, 2]) },
    });
  });

  it('sends integers beyond 2^53 as doubles and refuses non-finite numbers', () => {
    expect(toSqlParameter('x', 2 ** 60).value).toEqual({ doubleValue: 2 ** 60 });
    expect(() => toSqlParameter('ratio', Number.NaN)).toThrow(/Parameter :ratio is NaN/);
    expect(() => toSqlParameter('o', { nested: true } as never)).toThrow(
      /Parameter :o has an unsupported value/,
    );
  });
});

describe('splitParameterSets', () => {
  const sql = 'INSERT INTO t (a) VALUES (:a)';
  const set = (text: string) => [{ name: 'a', value: { stringValue: text } }];

  it('splits by the number of sets', () => {
    const sets = Array.from({ length: 2500 }, (_, i) => set(String(i)));
    expect(splitParameterSets(sql, sets).map((g) => g.length)).toEqual([1000, 1000, 500]);
    expect(splitParameterSets(sql, sets, 3.5 * 1024 * 1024, 600).map((g) => g.length)).toEqual([
      600, 600, 600, 600, 100,
    ]);
  });

  it('splits by size so that every request stays under the budget', () => {
    const big = 'x'.repeat(100_000);
    const sets = Array.from({ length: 100 }, () => set(big));
    const groups = splitParameterSets(sql, sets);
    expect(groups.length).toBeGreaterThan(2);
    expect(groups.flat()).toHaveLength(100);
    for (const group of groups) {
      const body = JSON.stringify({
        sql,
        parameterSets: group,
        resourceArn: 'a'.repeat(100),
        secretArn: 'b'.repeat(100),
      });
      expect(Buffer.byteLength(body)).toBeLessThan(3.5 * 1024 * 1024);
    }
  });

  it('refuses a single set larger than a request, naming its index', () => {
    const sets = [set('small'), set('y'.repeat(4 * 1024 * 1024))];
    expect(() => splitParameterSets(sql, sets)).toThrow(/Parameter set 1 takes about/);
  });

  it('quotes the statement and keeps the error name in DatabaseError', () => {
    const cause = Object.assign(new Error('ERROR: boom; SQLState: 23505'), {
      name: 'DatabaseErrorException',
    });
    const err = new DatabaseError('ExecuteStatement', `SELECT ${'x'.repeat(300)}`, cause);
    expect(err.errorName).toBe('DatabaseErrorException');
    expect(err.sqlState).toBe('23505');
    expect(err.sql).toHaveLength(203);
    expect(err.cause).toBe(cause);
    expect(err.message).toMatch(/^ExecuteStatement failed with DatabaseErrorException: ERROR: boom/);
  });
});
