/**
 * Quartiles and the equal-width histogram of a measure from its fine histogram: the geometric bins
 * of `metric_rollup_bin` (migration 0006), each spanning 2% of its values, merged over a range.
 * Values are taken as spread evenly inside their bin; the minimum and maximum are exact (they come
 * with the histogram), so no figure leaves [min, max]. A quartile is off by at most the width of
 * the bin it falls in (2% of its value); a histogram count by at most the values of the fine bins
 * that straddle its two edges. The charts that use these say they are approximate.
 */
import { METRIC_BIN_GROWTH, METRIC_BIN_OFFSET } from '../../migrations/0006_metric_rollups';

/** One bin of a fine histogram and the number of values in it. */
export interface FineBin {
  readonly bin: number;
  readonly n: number;
}

/** The values a fine bin holds: [lower, upper) for positive bins, (lower, upper] for negative ones. */
export function binBounds(bin: number): [number, number] {
  if (bin === 0) return [0, 0];
  const exponent = Math.abs(bin) - METRIC_BIN_OFFSET;
  const small = Math.pow(METRIC_BIN_GROWTH, exponent);
  const large = Math.pow(METRIC_BIN_GROWTH, exponent + 1);
  return bin > 0 ? [small, large] : [-large, -small];
}

interface Span {
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/** The bins in value order with their bounds clamped to [min, max]. */
function spans(bins: readonly FineBin[], min: number, max: number): Span[] {
  return [...bins]
    .filter((b) => b.n > 0)
    .sort((a, b) => a.bin - b.bin)
    .map((b) => {
      const [lo, hi] = binBounds(b.bin);
      const clampedLo = Math.min(Math.max(lo, min), max);
      return { lo: clampedLo, hi: Math.max(Math.min(hi, max), clampedLo), n: b.n };
    });
}

/** The value of rank `rank` (0-based) among `count` values, spread evenly inside their bins. */
function valueAt(ordered: readonly Span[], count: number, min: number, max: number, rank: number): number {
  if (rank <= 0) return min;
  if (rank >= count - 1) return max;
  let before = 0;
  for (const span of ordered) {
    if (rank < before + span.n) return span.lo + ((rank - before + 0.5) / span.n) * (span.hi - span.lo);
    before += span.n;
  }
  return max;
}

/** Quartiles as `percentile_cont` computes them (linear between the two nearest ranks). */
export function approximateQuartiles(
  bins: readonly FineBin[],
  min: number,
  max: number,
): { q1: number; median: number; q3: number } {
  const ordered = spans(bins, min, max);
  const count = ordered.reduce((sum, s) => sum + s.n, 0);
  const quantile = (p: number) => {
    const position = p * (count - 1);
    const lower = Math.floor(position);
    const low = valueAt(ordered, count, min, max, lower);
    const high = valueAt(ordered, count, min, max, Math.ceil(position));
    return low + (high - low) * (position - lower);
  };
  return { q1: quantile(0.25), median: quantile(0.5), q3: quantile(0.75) };
}

/**
 * Counts of `binCount` equal-width bins from `min` to `max` (the last one closed, as `width_bucket`
 * with the maximum put in the last bin), each fine bin shared between the bins it overlaps in
 * proportion to the overlap. Rounded so that the counts add up to the number of values.
 */
export function approximateHistogram(
  bins: readonly FineBin[],
  min: number,
  max: number,
  binCount: number,
): number[] {
  const ordered = spans(bins, min, max);
  const total = ordered.reduce((sum, s) => sum + s.n, 0);
  if (max === min) return [total];
  const width = (max - min) / binCount;
  const indexOf = (v: number) => Math.min(Math.floor((v - min) / width), binCount - 1);
  const shares = new Array<number>(binCount).fill(0);
  for (const span of ordered) {
    if (span.hi <= span.lo) {
      shares[indexOf(span.lo)] += span.n;
      continue;
    }
    for (let i = indexOf(span.lo); i <= indexOf(span.hi); i++) {
      const overlap = Math.min(span.hi, min + (i + 1) * width) - Math.max(span.lo, min + i * width);
      if (overlap > 0) shares[i] += (span.n * overlap) / (span.hi - span.lo);
    }
  }
  // Largest remainders: whole counts that still add up to the number of values.
  const counts = shares.map(Math.floor);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
  let missing = total - counts.reduce((sum, c) => sum + c, 0);
  for (const [, i] of order) {
    if (missing <= 0) break;
    counts[i] += 1;
    missing -= 1;
  }
  return counts;
}
