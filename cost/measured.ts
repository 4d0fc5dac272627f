import { gzipSync } from 'node:zlib';
import { DEFAULT_REFRESH_SECONDS } from '../dashboard-app/src/config';
import { CHART_NAMES } from '../dashboard-app/src/contract';
import { GENERATORS } from '../lambda/generator/generators';
import { Random } from '../lambda/generator/random';
import { DEFAULT_BATCH_SIZE } from '../lambda/loader/load-object';
import { canonicalNdjson } from '../lambda/shared/ndjson';

/**
 * Figures the model measures from the platform's own code instead of assuming them: the size of
 * an event as the ingest function writes it (generated records, canonical NDJSON, gzip), the
 * queries one dashboard refresh runs, and the loader's rows per INSERT.
 */

/** Datasets the generator sends one batch of per run. */
export const GENERATED_DATASETS = Object.keys(GENERATORS);

/** Data API statements one dashboard refresh runs (one per chart). */
export const QUERIES_PER_REFRESH = CHART_NAMES.length;

/** Rows the loader inserts per statement (`LOADER_BATCH_SIZE` default). */
export const LOADER_ROWS_PER_STATEMENT = DEFAULT_BATCH_SIZE;

/** Seconds between dashboard refreshes while a page is open (the dashboard's default). */
export const DASHBOARD_REFRESH_SECONDS = DEFAULT_REFRESH_SECONDS;

export interface EventSize {
  /** Average bytes of one event as canonical NDJSON (about its size as a Postgres row with indexes). */
  readonly jsonBytes: number;
  /** Average bytes of one event in a gzip NDJSON lake object of `batch` events. */
  readonly gzipBytes: number;
}

const sizes = new Map<number, EventSize>();

/**
 * Size of an event, measured on generated records of every dataset in batches of `batch` (at most
 * 2,000, beyond which gzip gains little). Deterministic: a fixed seed and a fixed clock.
 */
export function eventSize(batch: number): EventSize {
  const n = Math.max(1, Math.min(2_000, Math.round(batch)));
  const known = sizes.get(n);
  if (known) return known;
  let json = 0;
  let gzip = 0;
  let events = 0;
  for (const generate of Object.values(GENERATORS)) {
    const records = generate({ count: n, now: new Date(Date.UTC(2026, 0, 1)), random: new Random(11) });
    const text = canonicalNdjson(records);
    json += Buffer.byteLength(text);
    gzip += gzipSync(text).length;
    events += records.length;
  }
  const size = { jsonBytes: json / events, gzipBytes: gzip / events };
  sizes.set(n, size);
  return size;
}
