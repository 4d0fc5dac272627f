/** Longest raw line kept with a rejection in `rejected_rows`. */
export const MAX_RAW_LINE = 10_000;

/** A raw line as kept with a rejection: at most `MAX_RAW_LINE` characters. */
export function truncateLine(line: string): string {
  return line.length > MAX_RAW_LINE ? `${line.slice(0, MAX_RAW_LINE)}...` : line;
}
