import { describe, expect, it } from 'vitest';
import { toPositional } from '../../local/data-api/named-params';

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

  it('accepts names made of digits, as Drizzle (:1) and kysely-data-api (:0) send them', () => {
    expect(toPositional('INSERT INTO t VALUES (:1, :2, :10) RETURNING :1::int, :0, :2a, :a_1')).toEqual({
      sql: 'INSERT INTO t VALUES ($1, $2, $3) RETURNING $1::int, $4, $5, $6',
      names: ['1', '2', '10', '0', '2a', 'a_1'],
    });
    expect(toPositional('SELECT x FROM t WHERE id=:1 LIMIT :2 OFFSET :3').names).toEqual(['1', '2', '3']);
  });

  it('leaves a bare colon, a colon before a non-name character and a trailing colon alone', () => {
    expect(toPositional("SELECT ':' || x, y : z, w:")).toEqual({
      sql: "SELECT ':' || x, y : z, w:",
      names: [],
    });
  });
});
