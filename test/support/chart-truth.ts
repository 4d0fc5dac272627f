import { AGE_GROUPS, TOP_N } from '../../dashboard-app/src/queries';

/**
 * The pieces of the chart tests' independent computations that several test files share: the rows,
 * a seeded random generator (so the datasets are the same on every run), and the box plot, the bar
 * chart and the age pie computed in plain TypeScript.
 */

/** A row of the `usage` dataset as the chart tests write it. */
export interface UsageRow {
  person_name: string;
  birth_date: string;
  accessed_at: string;
  session_duration: number;
  download_speed: number;
  upload_speed: number;
  consumed_traffic: number;
}

/** The measures of `usage`. */
export type UsageMeasure = 'session_duration' | 'download_speed' | 'upload_speed' | 'consumed_traffic';

/** mulberry32: a small deterministic generator of numbers in [0, 1). */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** percentile_cont over sorted values: linear interpolation between the closest ranks. */
export function percentile(sorted: number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Whole years from a `YYYY-MM-DD` birth date to today (UTC). */
export function ageToday(birth: string): number {
  const now = new Date();
  const [y, m, d] = birth.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age--;
  return age;
}

/** The box plot of sorted values, as `percentile_cont` computes its quartiles. */
export function boxOf(sorted: number[]) {
  return {
    count: sorted.length,
    min: sorted[0],
    q1: percentile(sorted, 0.25),
    median: percentile(sorted, 0.5),
    q3: percentile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}

/** The bar chart: the people with the highest maximum, ties by name. */
export function topMaxima(rows: readonly UsageRow[], value: (r: UsageRow) => number) {
  const maxima = new Map<string, number>();
  for (const r of rows) maxima.set(r.person_name, Math.max(maxima.get(r.person_name) ?? -Infinity, value(r)));
  return [...maxima]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_N)
    .map(([entity, v]) => ({ entity, value: v }));
}

/** The age pie: people per age group, from each person's earliest birth date among the rows. */
export function ageShares(rows: readonly UsageRow[]) {
  const earliest = new Map<string, string>();
  for (const r of rows) {
    const seen = earliest.get(r.person_name);
    if (!seen || r.birth_date < seen) earliest.set(r.person_name, r.birth_date);
  }
  const groups = new Map<string, number>();
  for (const birth of earliest.values()) {
    const age = ageToday(birth);
    const group = AGE_GROUPS.find((g) => age >= g.min && age < g.max)!;
    groups.set(group.label, (groups.get(group.label) ?? 0) + 1);
  }
  return AGE_GROUPS.filter((g) => groups.has(g.label)).map((g) => ({
    label: g.label,
    value: groups.get(g.label)!,
  }));
}
