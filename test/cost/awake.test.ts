import { describe, expect, test } from 'vitest';
import { coveredMinutes, estimateAwake } from '../../cost/awake';

const maintenance = {
  kind: 'monthly',
  name: 'maintenance',
  perMonth: 1,
  holdMinutes: 20,
  why: 'AWS',
} as const;

describe('what keeps Aurora awake', () => {
  test('the union of intervals counts an overlap once and wraps past midnight', () => {
    expect(
      coveredMinutes([
        [0, 10],
        [5, 15],
      ]),
    ).toBe(15);
    expect(coveredMinutes([[1430, 1450]])).toBe(20);
    expect(
      coveredMinutes([
        [0, 10],
        [20, 30],
      ]),
    ).toBe(20);
    expect(coveredMinutes([[0, 2000]])).toBe(1440);
  });

  test('a schedule every 5 minutes with auto-pause after 10 never pauses: 730 h a month', () => {
    const awake = estimateAwake(10, [
      { kind: 'every', name: 'generator', everyMinutes: 5, why: 'rate(5 minutes)' },
      maintenance,
    ]);
    expect(awake.neverPauses).toBe(true);
    expect(awake.hoursPerMonth).toBe(730);
    expect(awake.reasoning.join('\n')).toContain('5 < 10, so it never pauses');
  });

  test('a schedule every 60 minutes with auto-pause after 10 keeps it up 10 of every 60 minutes', () => {
    const awake = estimateAwake(10, [
      { kind: 'every', name: 'generator', everyMinutes: 60, why: 'rate(1 hour)' },
    ]);
    // 24 wake-ups × 10 min = 240 min a day = 4 h; × 730/24 days.
    expect(awake.minutesPerDay).toBe(240);
    expect(awake.hoursPerMonth).toBeCloseTo(4 * (730 / 24), 10);
    expect(awake.neverPauses).toBe(false);
  });

  test('a wake-up every M minutes with M equal to the auto-pause interval covers the day', () => {
    expect(estimateAwake(10, [{ kind: 'every', name: 'g', everyMinutes: 10, why: '' }]).minutesPerDay).toBe(
      1440,
    );
  });

  test('spread wake-ups and a dashboard session add up as the union of their intervals', () => {
    const awake = estimateAwake(10, [
      { kind: 'spread', name: 'objects', perDay: 4, overHours: 24, why: '' }, // at 03:00, 09:00, 15:00, 21:00
      { kind: 'block', name: 'dashboard', hoursPerDay: 1, sessions: 1, why: '' }, // 09:00 to 10:10
    ]);
    // 03:00-03:10, 09:00-10:10 (the 09:00 object falls inside the session), 15:00-15:10, 21:00-21:10.
    expect(awake.minutesPerDay).toBe(10 + 70 + 10 + 10);
  });

  test('monthly wake-ups count only on the part of the month it would be paused', () => {
    const idle = estimateAwake(10, [maintenance]);
    expect(idle.hoursPerMonth).toBeCloseTo(20 / 60, 10);
    const busy = estimateAwake(10, [{ kind: 'every', name: 'g', everyMinutes: 5, why: '' }, maintenance]);
    expect(busy.hoursPerMonth).toBe(730);
  });

  test('maintenance holds it at least 20 minutes even with a shorter auto-pause, and longer with a longer one', () => {
    expect(estimateAwake(5, [maintenance]).hoursPerMonth).toBeCloseTo(20 / 60, 10);
    expect(estimateAwake(60, [maintenance]).hoursPerMonth).toBeCloseTo(1, 10);
  });

  test('a minimum capacity above 0 never pauses', () => {
    const awake = estimateAwake(undefined, []);
    expect(awake.hoursPerMonth).toBe(730);
    expect(awake.reasoning[0]).toMatch(/minimum capacity is above 0/);
  });
});
