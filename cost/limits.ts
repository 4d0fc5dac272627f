import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The documented AWS limits of the data path (`cost/limits.json`), each with its source: what the
 * simulator checks every component's demand against.
 */
export interface Limit {
  readonly key: string;
  readonly value: number;
  readonly unit: string;
  /** Whether Service Quotas (or a support case) can raise it. */
  readonly adjustable: boolean;
  readonly read: string;
  readonly source: string;
  readonly readFrom?: string;
  readonly note?: string;
}

export const LIMITS_FILE = join(import.meta.dirname, 'limits.json');

let cached: ReadonlyMap<string, Limit> | undefined;

/** Every limit by key, checked once: a value, a unit, a read date and an https source each. */
export function loadLimits(): ReadonlyMap<string, Limit> {
  if (cached) return cached;
  const { limits } = JSON.parse(readFileSync(LIMITS_FILE, 'utf8')) as { limits: Limit[] };
  const problems = limits.flatMap((l, i) =>
    [
      typeof l.value !== 'number' || !(l.value > 0) ? `"value" must be a positive number` : '',
      !l.unit ? '"unit" is missing' : '',
      !/^\d{4}-\d{2}-\d{2}$/.test(l.read ?? '') ? '"read" must be YYYY-MM-DD' : '',
      !l.source?.startsWith('https://') ? '"source" must be an https:// URL' : '',
    ]
      .filter(Boolean)
      .map((p) => `limits[${i}] (${l.key}): ${p}`),
  );
  if (problems.length > 0) throw new Error(`${LIMITS_FILE}:\n  - ${problems.join('\n  - ')}`);
  cached = new Map(limits.map((l) => [l.key, l]));
  return cached;
}

/** The value of a limit; throws naming the key when the file lacks it. */
export function limit(key: string): number {
  const found = loadLimits().get(key);
  if (!found)
    throw new Error(`cost/limits.json has no "${key}" limit. Add it with its value, unit and source.`);
  return found.value;
}
