import { describe, expect, it } from 'vitest';
import { toPositional } from '../../local/named-params';

describe('toPositional', () => {
  it('numbers named parameters in order of first use and reuses repeated names', () => {
    expect(toPositional('SELECT :a, :b, :a WHERE x = :c_1')).toEqual({
      sql: 'SELECT $1, $2, $1 WHERE x = $3',
      names: ['a', 'b', 'c_1'],
    });
  });

  it('leaves casts, literals, quoted identifiers, dollar quotes and comments alone', () => {
    const sql = `SELECT :x::int, 'it''s :no', E'\\' :no', "col:no", $$ :no $$, $t$ :no $t$ -- :no\n/* :no /* :no */ */ :y`;
    const out = toPositional(sql);
    expect(out.names).toEqual(['x', 'y']);
    expect(out.sql).toBe(
      `SELECT $1::int, 'it''s :no', E'\\' :no', "col:no", $$ :no $$, $t$ :no $t$ -- :no\n/* :no /* :no */ */ $2`,
    );
  });

  it('does not treat array slices with numbers as parameters', () => {
    expect(toPositional('SELECT a[1:2] FROM t')).toEqual({ sql: 'SELECT a[1:2] FROM t', names: [] });
  });
});
