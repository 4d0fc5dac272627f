import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getDataset } from '../../datasets';
import type { Dataset } from '../../datasets/types';
import { describeColumn, normalizeTimestamp, recordValidator, validateRecord } from '../../datasets/validate';

const usage = getDataset('usage');

const goodUsage = {
  person_name: 'Ada Lovelace',
  birth_date: '1990-12-10',
  accessed_at: '2024-05-01T14:00:00+02:00',
  session_duration: 3600,
  download_speed: 87.5,
  upload_speed: 12.25,
  consumed_traffic: 1024,
};

/** A dataset with one column of every type, to test each rule on its own. */
const everyType: Dataset = {
  name: 'every_type',
  label: 'Every type',
  description: 'test',
  format: 'ndjson',
  key: ['id'],
  columns: [
    { name: 'id', type: 'uuid', role: 'attribute', label: 'ID', description: 'id' },
    {
      name: 't',
      type: 'text',
      role: 'dimension',
      label: 'T',
      description: 't',
      maxLength: 5,
      nullable: true,
    },
    {
      name: 'c',
      type: 'text',
      role: 'dimension',
      label: 'C',
      description: 'c',
      allowed: ['a', 'b'],
      nullable: true,
    },
    {
      name: 'i',
      type: 'integer',
      role: 'measure',
      label: 'I',
      description: 'i',
      min: 0,
      max: 10,
      nullable: true,
    },
    { name: 'b', type: 'bigint', role: 'measure', label: 'B', description: 'b', nullable: true },
    { name: 'd', type: 'double', role: 'measure', label: 'D', description: 'd', nullable: true },
    { name: 'n', type: 'numeric', role: 'measure', label: 'N', description: 'n', min: 0, nullable: true },
    { name: 'f', type: 'boolean', role: 'dimension', label: 'F', description: 'f', nullable: true },
    { name: 'day', type: 'date', role: 'attribute', label: 'Day', description: 'day', nullable: true },
    { name: 'at', type: 'timestamptz', role: 'time', label: 'At', description: 'at' },
    { name: 'j', type: 'json', role: 'attribute', label: 'J', description: 'j', nullable: true },
  ],
};
const check = recordValidator(everyType);
const base = { id: '6F9619FF-8B86-D011-B42D-00CF4FC964FF', at: '2024-01-01T00:00:00Z' };

function errorFor(record: Record<string, unknown>, field: string) {
  const result = check({ ...base, ...record });
  if (result.ok) throw new Error(`expected ${field} to be rejected`);
  const error = result.errors.find((e) => e.field === field);
  if (!error) throw new Error(`no error for ${field}: ${JSON.stringify(result.errors)}`);
  return error;
}

describe('validateRecord', () => {
  it('accepts a valid usage record and normalises its timestamp to UTC', () => {
    const result = validateRecord(usage, goodUsage);
    expect(result).toEqual({ ok: true, record: { ...goodUsage, accessed_at: '2024-05-01T12:00:00.000Z' } });
  });

  it('keeps keys in column order and fills absent nullable columns with null', () => {
    const result = check({ at: '2024-01-01T00:00:00.5Z', id: base.id });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.record)).toEqual(everyType.columns.map((c) => c.name));
    expect(result.record.id).toBe('6f9619ff-8b86-d011-b42d-00cf4fc964ff');
    expect(result.record.at).toBe('2024-01-01T00:00:00.500Z');
    expect(result.record.t).toBeNull();
  });

  it('rejects a NUL character in text, which Postgres cannot store', () => {
    const result = validateRecord(usage, { ...goodUsage, person_name: 'Ada\u0000Lovelace' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors[0]).toMatchObject({ field: 'person_name', message: expect.stringMatching(/NUL/) });
  });

  it('rejects a non-object record', () => {
    for (const input of [null, 42, 'x', [1]]) {
      const result = check(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors[0].field).toBe('(record)');
    }
  });

  it('reports a missing required field and an unknown field by name', () => {
    const { accessed_at: _omit, ...rest } = goodUsage;
    const result = validateRecord(usage, { ...rest, colour: 'red' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field).sort()).toEqual(['accessed_at', 'colour']);
    expect(result.errors.find((e) => e.field === 'accessed_at')!.message).toContain('missing');
    expect(result.errors.find((e) => e.field === 'colour')!.message).toContain('not a column');
  });

  it('reports every bad field of a record, with expected type and value', () => {
    const result = validateRecord(usage, { ...goodUsage, session_duration: 'long', download_speed: -1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(2);
    const duration = result.errors.find((e) => e.field === 'session_duration')!;
    expect(duration.value).toBe('"long"');
    expect(duration.expected).toBe('32-bit integer from 0 to 604800');
    expect(result.errors.find((e) => e.field === 'download_speed')!.message).toContain('below the minimum 0');
  });

  it('checks text: type, maxLength, allowed values', () => {
    expect(errorFor({ t: 5 }, 't').message).toContain('not a string');
    expect(errorFor({ t: 'abcdef' }, 't').message).toContain('longer than 5');
    expect(check({ ...base, t: 'abcde' }).ok).toBe(true);
    expect(errorFor({ c: 'z' }, 'c').expected).toContain('one of "a", "b"');
    expect(check({ ...base, c: 'b' }).ok).toBe(true);
  });

  it('checks integer: whole, 32-bit, min/max', () => {
    expect(errorFor({ i: 1.5 }, 'i').message).toContain('not a whole number');
    expect(errorFor({ i: '3' }, 'i').message).toContain('not a number');
    expect(errorFor({ i: 11 }, 'i').message).toContain('above the maximum 10');
    expect(check({ ...base, i: 10 }).ok).toBe(true);
  });

  it('checks bigint: safe numbers, digit strings beyond 2^53, 64-bit range', () => {
    expect(errorFor({ b: 2 ** 60 }, 'b').message).toContain('string of digits');
    const big = check({ ...base, b: '9007199254740993' });
    expect(big.ok && big.record.b).toBe('9007199254740993');
    const small = check({ ...base, b: '42' });
    expect(small.ok && small.record.b).toBe(42);
    expect(errorFor({ b: '9223372036854775808' }, 'b').message).toContain('64-bit');
  });

  it('checks double: finite numbers only', () => {
    expect(errorFor({ d: '1.5' }, 'd').message).toContain('not a number');
    expect(check({ ...base, d: -1.25e10 }).ok).toBe(true);
  });

  it('checks numeric: numbers or decimal strings, normalised', () => {
    const r = check({ ...base, n: '0012.3400' });
    expect(r.ok && r.record.n).toBe('12.34');
    const m = check({ ...base, n: 0.1 });
    expect(m.ok && m.record.n).toBe('0.1');
    expect(errorFor({ n: '1,5' }, 'n').message).toContain('not a decimal');
    expect(errorFor({ n: '-1' }, 'n').message).toContain('below the minimum 0');
    expect(errorFor({ n: 1e21 }, 'n').message).toContain('decimal string');
  });

  it('checks boolean: true or false, not strings', () => {
    expect(errorFor({ f: 'true' }, 'f').message).toContain('not true or false');
    expect(check({ ...base, f: false }).ok).toBe(true);
  });

  it('checks date: YYYY-MM-DD calendar dates', () => {
    expect(errorFor({ day: '2024-02-30' }, 'day').message).toContain('calendar date');
    expect(errorFor({ day: '01/02/2024' }, 'day').message).toContain('YYYY-MM-DD');
    expect(check({ ...base, day: '2024-02-29' }).ok).toBe(true);
  });

  it('checks timestamptz: offset required, normalised to UTC', () => {
    expect(errorFor({ at: '2024-01-01T00:00:00' }, 'at').message).toContain('time zone');
    expect(errorFor({ at: '2024-13-01T00:00:00Z' }, 'at').message).toContain('calendar date');
    expect(errorFor({ at: 1700000000 }, 'at').message).toContain('not a timestamp string');
    expect(normalizeTimestamp('2024-03-10 23:30:00.123456-05:30')).toBe('2024-03-11T05:00:00.123Z');
    expect(normalizeTimestamp('2024-03-10T23:30+0100')).toBe('2024-03-10T22:30:00.000Z');
  });

  it('checks uuid', () => {
    expect(errorFor({ id: 'not-a-uuid' }, 'id').message).toContain('not a UUID');
  });

  it('accepts any JSON value in a json column', () => {
    expect(check({ ...base, j: { nested: [1, 2] } }).ok).toBe(true);
  });

  it('describes nullable columns', () => {
    expect(describeColumn(everyType.columns[3])).toBe('32-bit integer from 0 to 10, or null');
  });

  it('normalises any valid instant to the same UTC instant (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(normalizeTimestamp(`${local}${offset}`)).toBe(date.toISOString());
        },
      ),
    );
  });
});
