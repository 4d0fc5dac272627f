import { describe, expect, it } from 'vitest';
import {
  parseSqlTimestamp,
  sqlDate,
  sqlDecimal,
  sqlJson,
  sqlTime,
  sqlTimestamp,
  sqlUuid,
} from '../../db/sql-values';

describe('sql-values', () => {
  it('formats timestamps in UTC as YYYY-MM-DD HH:MM:SS.fff', () => {
    expect(sqlTimestamp(new Date('2024-05-01T12:00:00.5Z'))).toEqual({
      kind: 'timestamp',
      value: '2024-05-01 12:00:00.500',
    });
    expect(sqlTimestamp('2024-05-01T14:00:00+02:00').value).toBe('2024-05-01 12:00:00.000');
    expect(sqlTimestamp('2024-05-01 12:00:00.123456').value).toBe('2024-05-01 12:00:00.123456');
  });

  it('rejects timestamps without a zone, naming the value', () => {
    expect(() => sqlTimestamp('2024-05-01T12:00:00')).toThrow(
      /"2024-05-01T12:00:00" is not an ISO 8601 timestamp/,
    );
    expect(() => sqlTimestamp(new Date('nope'))).toThrow(/invalid/);
  });

  it('checks dates, times, decimals and UUIDs', () => {
    expect(sqlDate('2024-02-29')).toEqual({ kind: 'date', value: '2024-02-29' });
    expect(() => sqlDate('2024-2-29')).toThrow(/YYYY-MM-DD/);
    expect(sqlTime('12:30:00.25').value).toBe('12:30:00.25');
    expect(() => sqlTime('25h')).toThrow(/HH:MM:SS/);
    expect(sqlDecimal('-0012.500')).toEqual({ kind: 'decimal', value: '-0012.500' });
    expect(sqlDecimal(1.25).value).toBe('1.25');
    expect(() => sqlDecimal(1e21)).toThrow(/not a decimal number/);
    expect(() => sqlDecimal('1,5')).toThrow(/"1,5"/);
    expect(sqlUuid('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11').value).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
    expect(() => sqlUuid('x')).toThrow(/not a UUID/);
  });

  it('serialises JSON and refuses values without a JSON form', () => {
    expect(sqlJson({ a: [1, null] })).toEqual({ kind: 'json', value: '{"a":[1,null]}' });
    expect(() => sqlJson(undefined)).toThrow(/no JSON representation/);
  });

  it('reads Data API timestamps as UTC', () => {
    expect(parseSqlTimestamp('2024-05-01 12:00:00').toISOString()).toBe('2024-05-01T12:00:00.000Z');
    expect(parseSqlTimestamp('2024-05-01 12:00:00.123456').toISOString()).toBe('2024-05-01T12:00:00.123Z');
    expect(parseSqlTimestamp('2024-05-01 14:00:00+02').toISOString()).toBe('2024-05-01T12:00:00.000Z');
    expect(() => parseSqlTimestamp('May 1st')).toThrow(/"May 1st" is not a timestamp/);
  });
});
