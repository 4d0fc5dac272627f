/**
 * Partition projection as Athena documents it: the values of `date` (Java pattern, NOW and
 * NOW±N<UNIT> bounds, interval), `integer` (range, interval, digits) and `enum` columns, and the
 * table property errors Athena gives for a table it cannot project.
 */
import { describe, expect, it } from 'vitest';
import {
  formatProjectedDate,
  parseProjectedDate,
  partitionPath,
  projectedValues,
  readProjection,
  type ProjectedColumn,
} from '../../local/athena/projection';

const NOW = new Date('2025-03-10T13:45:00Z');
const table = (parameters: Record<string, string>, keys = ['p']) => ({
  name: 't',
  partitionKeys: keys.map((name) => ({ name })),
  parameters: { 'projection.enabled': 'true', ...parameters },
});
const values = (parameters: Record<string, string>) =>
  projectedValues(
    readProjection(table(parameters), NOW).columns[0] as Exclude<ProjectedColumn, { kind: 'injected' }>,
  );

describe('partition projection', () => {
  it('formats and parses Java date patterns, refusing dates that do not exist', () => {
    expect(formatProjectedDate(NOW, 'yyyy/MM/dd/HH')).toBe('2025/03/10/13');
    expect(parseProjectedDate('2025/03/10', 'yyyy/MM/dd')?.toISOString()).toBe('2025-03-10T00:00:00.000Z');
    expect(parseProjectedDate('2025-02-30', 'yyyy-MM-dd')).toBeUndefined();
    expect(parseProjectedDate('2025-3-1', 'yyyy-MM-dd')).toBeUndefined();
  });

  it('projects dates from the first day to NOW, in the format, every interval', () => {
    const days = {
      'projection.p.type': 'date',
      'projection.p.format': 'yyyy-MM-dd',
      'projection.p.range': '2025-03-07,NOW',
      'projection.p.interval': '1',
      'projection.p.interval.unit': 'DAYS',
    };
    expect(values(days)).toEqual(['2025-03-07', '2025-03-08', '2025-03-09', '2025-03-10']);
    expect(values({ ...days, 'projection.p.interval': '2' })).toEqual(['2025-03-07', '2025-03-09']);
    expect(values({ ...days, 'projection.p.range': 'NOW-2DAYS,NOW' })).toEqual([
      '2025-03-08',
      '2025-03-09',
      '2025-03-10',
    ]);
    expect(
      values({
        ...days,
        'projection.p.format': 'yyyy/MM/dd/HH',
        'projection.p.range': 'NOW-2HOURS,NOW',
        'projection.p.interval.unit': 'HOURS',
      }),
    ).toEqual(['2025/03/10/11', '2025/03/10/12', '2025/03/10/13']);
  });

  it('projects integers with digits, and enums as listed', () => {
    expect(
      values({
        'projection.p.type': 'integer',
        'projection.p.range': '8,12',
        'projection.p.interval': '2',
        'projection.p.digits': '3',
      }),
    ).toEqual(['008', '010', '012']);
    expect(values({ 'projection.p.type': 'enum', 'projection.p.values': 'eu,us' })).toEqual(['eu', 'us']);
  });

  it('gives Athena INVALID_TABLE_PROPERTY errors for a table it cannot project', () => {
    expect(() => readProjection(table({}, ['a', 'b']), NOW)).toThrow(
      'INVALID_TABLE_PROPERTY: Table t is configured for partition projection, but the following partition columns are missing projection configuration: [a, b]',
    );
    expect(() =>
      readProjection(
        table({ 'projection.p.type': 'date', 'projection.p.format': 'yyyy', 'projection.p.range': 'x,NOW' }),
        NOW,
      ),
    ).toThrow(/projection.p.range bound "x" is neither NOW/);
    expect(() => partitionPath('${a}/${b}/', { a: '1' })).toThrow(
      /names \$\{b\}, which is not a partition column/,
    );
  });
});
