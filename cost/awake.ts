import { DAYS_PER_MONTH, HOURS_PER_MONTH, MINUTES_PER_DAY } from './units';

/**
 * What keeps Aurora awake. Aurora Serverless v2 with a minimum of 0 ACU pauses after
 * `SecondsUntilAutoPause` without connections and resumes on the next connection or Data API
 * request; AWS also resumes it for maintenance and then waits at least 20 minutes before pausing
 * again (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html).
 *
 * So every wake-up keeps it awake for the auto-pause interval N. Lay every wake-up of a day on a
 * 24-hour line, give each the interval [t, t + N], and the union of the intervals is the time it is
 * awake: a source that wakes it every M < N minutes joins its intervals into one and it never pauses.
 * Monthly events (migrations, maintenance) add their own intervals on the part of the month it
 * would otherwise be paused.
 */

export type WakeSource =
  /** Every `everyMinutes`, around the clock (a schedule). */
  | { readonly kind: 'every'; readonly name: string; readonly everyMinutes: number; readonly why: string }
  /** `perDay` wake-ups evenly spread over `overHours` hours of the day. */
  | {
      readonly kind: 'spread';
      readonly name: string;
      readonly perDay: number;
      readonly overHours: number;
      /** Minutes after midnight of the first one. @default half the gap, so spread sources do not coincide with schedules */
      readonly offsetMinutes?: number;
      readonly why: string;
    }
  /** `sessions` blocks a day adding up to `hoursPerDay`, during which it is in constant use. */
  | {
      readonly kind: 'block';
      readonly name: string;
      readonly hoursPerDay: number;
      readonly sessions: number;
      readonly why: string;
    }
  /** `perMonth` wake-ups, each holding it awake `holdMinutes` (at least the auto-pause interval). */
  | {
      readonly kind: 'monthly';
      readonly name: string;
      readonly perMonth: number;
      readonly holdMinutes: number;
      readonly why: string;
    };

export interface AwakeEstimate {
  /** Idle minutes before it pauses; undefined when it cannot pause (minimum capacity above 0). */
  readonly autoPauseMinutes: number | undefined;
  /** Minutes awake on a typical day (daily sources). */
  readonly minutesPerDay: number;
  /** Hours awake per month (730-hour month), daily and monthly sources together. */
  readonly hoursPerMonth: number;
  /** True when the daily sources keep it awake around the clock. */
  readonly neverPauses: boolean;
  /** The reasoning, one sentence per line, for the output. */
  readonly reasoning: readonly string[];
}

/** Clock time of a minute of the day, `HH:MM`. */
function clock(minute: number): string {
  const m = ((Math.round(minute) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Minutes covered by the union of intervals on a 24-hour clock (an interval past midnight wraps). */
export function coveredMinutes(intervals: ReadonlyArray<readonly [number, number]>): number {
  const pieces: Array<[number, number]> = [];
  for (const [start, end] of intervals) {
    if (end - start >= MINUTES_PER_DAY) return MINUTES_PER_DAY;
    const s = ((start % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    const e = s + (end - start);
    if (e <= MINUTES_PER_DAY) pieces.push([s, e]);
    else pieces.push([s, MINUTES_PER_DAY], [0, e - MINUTES_PER_DAY]);
  }
  pieces.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let current: [number, number] | undefined;
  for (const piece of pieces) {
    if (current && piece[0] <= current[1]) current[1] = Math.max(current[1], piece[1]);
    else {
      if (current) total += current[1] - current[0];
      current = [...piece];
    }
  }
  if (current) total += current[1] - current[0];
  return Math.min(MINUTES_PER_DAY, total);
}

/**
 * Hours per month the database is awake, given its auto-pause interval and what wakes it, with
 * the reasoning spelled out.
 */
export function estimateAwake(
  autoPauseMinutes: number | undefined,
  sources: readonly WakeSource[],
): AwakeEstimate {
  if (autoPauseMinutes === undefined) {
    return {
      autoPauseMinutes,
      minutesPerDay: MINUTES_PER_DAY,
      hoursPerMonth: HOURS_PER_MONTH,
      neverPauses: true,
      reasoning: ['The minimum capacity is above 0 ACU, so the database never pauses: awake 730 h/month.'],
    };
  }
  const n = autoPauseMinutes;
  const reasoning: string[] = [
    `It pauses after ${fmt(n)} idle minutes (databaseAutoPauseMinutes); each wake-up keeps it awake at least that long.`,
  ];
  const intervals: Array<[number, number]> = [];
  const monthly: Array<{ perMonth: number; hold: number }> = [];
  for (const source of sources) {
    switch (source.kind) {
      case 'every': {
        for (let t = 0; t < MINUTES_PER_DAY; t += source.everyMinutes) intervals.push([t, t + n]);
        reasoning.push(
          `${source.name}: every ${fmt(source.everyMinutes)} min (${source.why}); ` +
            (source.everyMinutes < n
              ? `${fmt(source.everyMinutes)} < ${fmt(n)}, so it never pauses.`
              : `${fmt(source.everyMinutes)} >= ${fmt(n)}: awake ${fmt(n)} of every ${fmt(source.everyMinutes)} min.`),
        );
        break;
      }
      case 'spread': {
        if (source.perDay <= 0) break;
        const gap = (source.overHours * 60) / source.perDay;
        const first = source.offsetMinutes ?? gap / 2;
        for (let i = 0; i < source.perDay; i++) intervals.push([first + i * gap, first + i * gap + n]);
        reasoning.push(
          `${source.name}: ${fmt(source.perDay)}/day over ${fmt(source.overHours)} h, one every ${fmt(gap)} min (${source.why}); ` +
            (gap < n ? `${fmt(gap)} < ${fmt(n)}: no pause in between.` : `each keeps it up ${fmt(n)} min.`),
        );
        break;
      }
      case 'block': {
        if (source.hoursPerDay <= 0 || source.sessions <= 0) break;
        const length = (source.hoursPerDay * 60) / source.sessions;
        const spacing = MINUTES_PER_DAY / source.sessions;
        const start = 9 * 60; // the first session at 09:00
        for (let i = 0; i < source.sessions; i++) {
          const s = start + i * spacing;
          intervals.push([s, s + length + n]);
        }
        reasoning.push(
          `${source.name}: ${fmt(source.hoursPerDay)} h/day in ${fmt(source.sessions)} session(s) from ${clock(start)} (${source.why}); ` +
            `awake throughout, then ${fmt(n)} min more each time.`,
        );
        break;
      }
      case 'monthly': {
        if (source.perMonth <= 0) break;
        monthly.push({ perMonth: source.perMonth, hold: Math.max(n, source.holdMinutes) });
        reasoning.push(
          `${source.name}: ${fmt(source.perMonth)}/month, ${fmt(Math.max(n, source.holdMinutes))} min each (${source.why}).`,
        );
        break;
      }
    }
  }
  const minutesPerDay = coveredMinutes(intervals);
  const pausedShare = 1 - minutesPerDay / MINUTES_PER_DAY;
  const monthlyHours = monthly.reduce((sum, m) => sum + (m.perMonth * m.hold) / 60, 0) * pausedShare;
  const hoursPerMonth = (minutesPerDay / 60) * DAYS_PER_MONTH + monthlyHours;
  const neverPauses = minutesPerDay >= MINUTES_PER_DAY;
  reasoning.push(
    neverPauses
      ? 'Result: awake around the clock, 730 h/month.'
      : `Result: awake ${fmt(minutesPerDay / 60)} h/day (the union of those intervals)` +
          (monthlyHours > 0 ? ` plus ${monthlyHours.toFixed(2)} h/month of monthly wake-ups` : '') +
          ` = ${hoursPerMonth.toFixed(2)} h/month.`,
  );
  return { autoPauseMinutes: n, minutesPerDay, hoursPerMonth, neverPauses, reasoning };
}
