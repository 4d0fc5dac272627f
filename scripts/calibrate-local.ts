import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { generateUsage } from '../lambda/generator/generators';
import { Random } from '../lambda/generator/random';
import { canonicalNdjson } from '../lambda/shared/ndjson';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  localDatabase,
  startDataApiServer,
} from '../local/data-api-server';
import { startLocalIngestion } from '../local/ingestion';
import { runMigrations } from '../migrations/runner';
import { LOCAL_PLATFORM } from '../cost/platform';

/**
 * A bounded load test of the local platform, for calibrating the simulator: the real ingest
 * endpoint, S3 stand-in, queue, loader and Data API endpoint over an in-memory PGlite, on free
 * loopback ports in a temporary folder. For each rate it sends `usage` batches on schedule for a
 * fixed time, waits for the loader to drain (with a timeout), and reads when each object was loaded.
 * Everything stops by itself and is removed afterwards.
 */

export interface CalibrationOptions {
  /** Events per second to send, one run each. */
  readonly rates: readonly number[];
  /** Seconds each run sends for. */
  readonly seconds: number;
  /** Events per request (one lake object each). */
  readonly eventsPerRequest: number;
  /** Seconds to wait for the loader to drain after the last request. */
  readonly drainTimeoutSeconds: number;
}

export interface CalibrationRun {
  readonly eventsPerSecond: number;
  readonly seconds: number;
  readonly eventsPerRequest: number;
  readonly requests: number;
  /** Objects loaded before the drain timeout. */
  readonly loadedObjects: number;
  /** Events the platform took in per second of sending (requests answered). */
  readonly acceptedEventsPerSecond: number;
  /** Events loaded per second, from the first request to the last load. */
  readonly loadedEventsPerSecond: number;
  /** Seconds from a request's scheduled time to its object's row in loaded_objects. */
  readonly lag: { readonly p50: number; readonly p95: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

export async function calibrateLocal(options: CalibrationOptions): Promise<CalibrationRun[]> {
  // The handlers log a JSON line per request and per object, as in Lambda; a load test would drown in them.
  const quiet = { info: console.info, log: console.log };
  console.info = () => undefined;
  console.log = () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'calibrate-'));
  const pg = await PGlite.create();
  const server = await startDataApiServer({ pg });
  const { db, client } = localDatabase(server.url);
  let ingestion: Awaited<ReturnType<typeof startLocalIngestion>> | undefined;
  try {
    await runMigrations(db);
    ingestion = await startLocalIngestion({
      dataDir: dir,
      dataApi: {
        endpoint: server.url,
        clusterArn: LOCAL_CLUSTER_ARN,
        secretArn: LOCAL_SECRET_ARN,
        database: LOCAL_DATABASE,
      },
      ingestPort: 0,
      generator: false,
      log: () => undefined,
    });
    const runs: CalibrationRun[] = [];
    let seed = 1;
    for (const rate of options.rates) {
      const requests = Math.max(1, Math.round((rate * options.seconds) / options.eventsPerRequest));
      const intervalMs = (options.eventsPerRequest / rate) * 1000;
      const now = new Date();
      const bodies = Array.from({ length: requests }, () =>
        canonicalNdjson(
          generateUsage({
            count: options.eventsPerRequest,
            now,
            windowMs: 86_400_000,
            random: new Random(seed++),
          }),
        ),
      );
      const scheduled = new Map<string, number>();
      const start = Date.now();
      let answered = 0;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < requests; i++) {
        await sleep(start + i * intervalMs - Date.now());
        const at = start + i * intervalMs;
        sends.push(
          fetch(`${ingestion.ingestUrl}/usage`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson' },
            body: bodies[i],
          }).then(async (response) => {
            const body = (await response.json()) as { objectKey?: string };
            if (body.objectKey) scheduled.set(body.objectKey, at);
            answered = Date.now();
          }),
        );
      }
      await Promise.all(sends);
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        ingestion.drain(),
        new Promise((resolve) => (timeout = setTimeout(resolve, options.drainTimeoutSeconds * 1000))),
      ]);
      clearTimeout(timeout);
      const loaded = await pg.query<{ object_key: string; ms: number }>(
        'SELECT object_key, (extract(epoch from loaded_at) * 1000)::float8 AS ms FROM loaded_objects',
      );
      const lags: number[] = [];
      let last = start;
      for (const row of loaded.rows) {
        const at = scheduled.get(row.object_key);
        if (at === undefined) continue;
        lags.push((row.ms - at) / 1000);
        last = Math.max(last, row.ms);
      }
      lags.sort((a, b) => a - b);
      runs.push({
        eventsPerSecond: rate,
        seconds: options.seconds,
        eventsPerRequest: options.eventsPerRequest,
        requests,
        loadedObjects: lags.length,
        acceptedEventsPerSecond:
          (requests * options.eventsPerRequest) / Math.max(0.001, (answered - start) / 1000),
        // Over the sending time at least: a few requests sent seconds apart would otherwise look faster than the rate.
        loadedEventsPerSecond:
          (lags.length * options.eventsPerRequest) / Math.max(options.seconds, (last - start) / 1000),
        lag: { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95) },
      });
    }
    return runs;
  } finally {
    await ingestion?.close();
    client.destroy();
    await server.close();
    await pg.close();
    rmSync(dir, { recursive: true, force: true });
    console.info = quiet.info;
    console.log = quiet.log;
  }
}

/**
 * The local per-object overhead that makes the model match a saturated run: what one object costs
 * the shared CPU beyond the benchmarked parsing and loading (HTTP, the S3 stand-in, notifications).
 */
export function fitLocalOverhead(run: CalibrationRun): number | undefined {
  if (run.loadedEventsPerSecond >= 0.9 * run.eventsPerSecond) return undefined; // not saturated
  const p = LOCAL_PLATFORM;
  const benchmarked =
    run.eventsPerRequest *
    (1 / (p.ingest.recordsPerVcpuSecond * p.ingest.vcpus) + 1 / p.loader.rowsPerSecond);
  return Math.max(0, run.eventsPerRequest / run.loadedEventsPerSecond - benchmarked);
}
