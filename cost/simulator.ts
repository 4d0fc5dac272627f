import { limit } from './limits';
import { eventSize } from './measured';
import type { PlatformModel } from './platform';

/**
 * A queue model of the data path: producers → ingest function → lake (S3) → object-created events
 * (EventBridge) → queue (SQS) → loader → Aurora, plus the Athena scan a full-history chart needs.
 * Each stage has a capacity (from the benchmarks and the documented limits); the loader drains the
 * queue at the smallest capacity behind it, so a backlog grows at (arrivals − drain) until events
 * outwait the queue's retention and are deleted, and the lag of an event is its ingest time, the
 * wait for its batch, its place in the backlog, and its own load.
 * The arithmetic is in docs/scaling.md.
 */

export interface SimulationInput {
  readonly eventsPerSecond: number;
  readonly hours: number;
  /** Events per ingest request (one lake object each). @default 500 */
  readonly eventsPerRequest?: number;
  /** Datasets the events spread over (each has its own lake prefix and table). @default 1 */
  readonly datasets?: number;
  /** Events already waiting in the queue at the start (e.g. after an outage or a backfill). @default 0 */
  readonly initialBacklogEvents?: number;
}

export interface ComponentLoad {
  readonly name: string;
  /** Demand and capacity in the same unit. */
  readonly demand: number;
  readonly capacity: number;
  readonly unit: string;
  /** demand ÷ capacity; 1 or more is saturated. */
  readonly utilisation: number;
  /** What caps it, with the source of the figure. */
  readonly limitedBy: string;
  /** The setting that moves the cap. */
  readonly setting: string;
  /** `rate`: a throughput the path needs all along; `scan`: the size of one query, which grows with the hours. */
  readonly kind: 'rate' | 'scan';
}

export interface SimulationResult {
  readonly platform: string;
  readonly input: Required<SimulationInput>;
  readonly components: readonly ComponentLoad[];
  /** The most utilised throughput component; saturated when its utilisation is 1 or more. */
  readonly bottleneck: ComponentLoad;
  readonly saturated: boolean;
  /** Events per second accepted by ingest (the rest are throttled at the producer). */
  readonly acceptedEventsPerSecond: number;
  /** Events per second the path behind the lake drains. */
  readonly drainEventsPerSecond: number;
  /** Events waiting to be loaded, at evenly spaced hours. */
  readonly backlog: ReadonlyArray<{ readonly hour: number; readonly events: number }>;
  /** Seconds after the start at which an initial backlog is gone (undefined: never, or none). */
  readonly drainedAfterSeconds: number | undefined;
  /**
   * When events start to outwait the loader queue's retention: from `afterHours` on, SQS deletes
   * `eventsPerSecond` of them unloaded (their objects stay in the lake). Undefined when none do.
   */
  readonly expiry:
    | { readonly afterHours: number; readonly eventsPerSecond: number; readonly retentionSeconds: number }
    | undefined;
  /** Seconds from an event's request to its row in Postgres. */
  readonly lag: { readonly p50: number; readonly p95: number; readonly max: number };
  /** ACUs Aurora needs to keep up (0.5 at least). */
  readonly acuNeeded: number;
  readonly perDay: {
    readonly objects: number;
    readonly putRequests: number;
    readonly getRequests: number;
    readonly events: number;
    readonly rows: number;
  };
  /** Bytes a chart over one dataset's full history scans after `hours`, and when it passes the cutoff. */
  readonly athena: {
    readonly fullHistoryBytes: number;
    readonly cutoffBytes: number | undefined;
    readonly exceedsCutoffAfterHours: number | undefined;
  };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

function load(
  name: string,
  demand: number,
  capacity: number,
  unit: string,
  limitedBy: string,
  setting: string,
  kind: ComponentLoad['kind'] = 'rate',
): ComponentLoad {
  const utilisation = demand === 0 ? 0 : capacity > 0 ? demand / capacity : Infinity;
  return { name, demand, capacity, unit, utilisation, limitedBy, setting, kind };
}

export function simulate(platform: PlatformModel, input: SimulationInput): SimulationResult {
  const lambda = input.eventsPerSecond;
  const perRequest = input.eventsPerRequest ?? 500;
  const datasets = input.datasets ?? 1;
  const hours = input.hours;
  const backlog0 = input.initialBacklogEvents ?? 0;
  if (!(lambda >= 0) || !(hours > 0) || !(perRequest >= 1) || !(datasets >= 1) || !(backlog0 >= 0)) {
    throw new Error(
      `Simulation needs events per second >= 0, hours > 0, events per request >= 1, datasets >= 1 and a backlog >= 0; ` +
        `got ${JSON.stringify(input)}.`,
    );
  }
  const size = eventSize(perRequest);
  const requestsPerSecond = lambda / perRequest;
  const { ingest, loader, database } = platform;

  // Ingest: each request parses its events on the function's share of a vCPU.
  const ingestSeconds = ingest.overheadSeconds + perRequest / (ingest.recordsPerVcpuSecond * ingest.vcpus);
  const ingestCapacity = (ingest.concurrency / ingestSeconds) * perRequest;
  const payloadBytes = perRequest * size.jsonBytes;
  const payloadLimit = limit('lambda.syncPayloadBytes');

  // Loader: one object after the other in each invocation, `concurrency` invocations at once.
  const objectSeconds = loader.overheadSeconds + perRequest / loader.rowsPerSecond;
  const loaderCapacity = (loader.concurrency / objectSeconds) * perRequest;
  const databaseCapacity = database.maxAcu * database.rowsPerSecondPerAcu;

  const components: ComponentLoad[] = [
    load(
      'ingest function',
      lambda,
      payloadBytes > payloadLimit ? 0 : ingestCapacity,
      'events/s',
      payloadBytes > payloadLimit
        ? `requests of ${perRequest} events are ${Math.round(payloadBytes / 1e6)} MB, over the 6 MB Function URL payload limit`
        : `${ingest.concurrency.toLocaleString('en-US')} concurrent requests × ${perRequest} events ÷ ${ingestSeconds.toFixed(3)} s each`,
      'Lambda concurrent executions quota (Service Quotas), or more events per request',
    ),
  ];
  if (platform.putsPerPrefixPerSecond !== undefined) {
    components.push(
      load(
        'lake PUTs per prefix',
        requestsPerSecond / datasets,
        platform.putsPerPrefixPerSecond,
        'PUT/s',
        'S3: 3,500 PUT/s per partitioned prefix (raw/<dataset>/dt=<day>/)',
        'more events per request, or an hour partition in the key',
      ),
    );
  }
  if (platform.eventsPerSecond !== undefined) {
    components.push(
      load(
        'object-created events',
        requestsPerSecond,
        platform.eventsPerSecond,
        'events/s',
        'EventBridge: 18,750 target invocations/s in us-east-1 (delayed past it)',
        'EventBridge invocations quota (Service Quotas), or more events per request',
      ),
    );
  }
  components.push(
    load(
      'loader',
      lambda,
      loaderCapacity,
      'events/s',
      `${loader.concurrency} at once × ${perRequest} rows ÷ ${objectSeconds.toFixed(3)} s per object`,
      'the loader event source maximum concurrency (ObjectLoader maxConcurrency, lib/constructs/object-loader.ts)',
    ),
    load(
      'Aurora',
      lambda,
      databaseCapacity,
      'rows/s',
      `databaseMaxAcu ${database.maxAcu} × ${Math.round(database.rowsPerSecondPerAcu).toLocaleString('en-US')} rows/s per ACU`,
      'databaseMaxAcu (-c databaseMaxAcu=N, up to 256)',
    ),
  );
  let sharedCapacity = Infinity;
  if (platform.sharedCpu) {
    const cpuPerEvent =
      1 / (ingest.recordsPerVcpuSecond * ingest.vcpus) +
      1 / loader.rowsPerSecond +
      (ingest.overheadSeconds + loader.overheadSeconds) / perRequest;
    sharedCapacity = 1 / cpuPerEvent;
    components.push(
      load(
        'one shared CPU',
        lambda,
        sharedCapacity,
        'events/s',
        'ingest, loader and Postgres in one process',
        'none (one process)',
      ),
    );
  }
  const cutoff = platform.athenaScanCutoffBytes;
  const bytesPerHour = (lambda * 3600 * size.gzipBytes) / datasets;
  const fullHistoryBytes = bytesPerHour * hours;
  if (cutoff !== undefined) {
    components.push(
      load(
        'Athena full-history chart',
        fullHistoryBytes,
        cutoff,
        'bytes scanned',
        `the workgroup cancels queries scanning over ${Math.round(cutoff / 1024 / 1024)} MB`,
        'athenaScanLimitMb, or Parquet and compaction so a chart scans less',
        'scan',
      ),
    );
  }

  const accepted = Math.min(lambda, components[0]!.capacity);
  const eventsCapacity =
    platform.eventsPerSecond !== undefined ? platform.eventsPerSecond * perRequest : Infinity;
  const drain = Math.min(loaderCapacity, databaseCapacity, sharedCapacity, eventsCapacity);
  const growth = accepted - drain;
  const total = hours * 3600;
  // A message older than the queue's retention is deleted unloaded. The loader takes the oldest
  // first, so once the wait reaches the retention the queue holds the last `retention` seconds of
  // arrivals and loses (arrivals − drain) a second; a loaded event has waited the retention.
  const retention = loader.queueRetentionSeconds ?? Infinity;
  const waitAt = (events: number) => (drain > 0 ? events / drain : events > 0 ? Infinity : 0);
  const backlogAt = (t: number) =>
    Math.min(Math.max(0, backlog0 + growth * t), Math.max(backlog0, accepted * retention));
  const expiresAt =
    retention === Infinity || accepted === 0
      ? undefined
      : drain === 0
        ? 0
        : backlog0 / drain > retention
          ? 0
          : growth > 0
            ? (retention * drain - backlog0) / growth
            : undefined;
  const expiry =
    expiresAt !== undefined && expiresAt <= total
      ? { afterHours: expiresAt / 3600, eventsPerSecond: Math.max(0, growth), retentionSeconds: retention }
      : undefined;
  const backlog = Array.from({ length: 7 }, (_, i) => ({
    hour: (hours * i) / 6,
    events: backlogAt((total * i) / 6),
  }));

  // Lag: ingest + wait for the batch to fill (up to the batching window) + the backlog ahead + its own load.
  const objectsPerSecond = accepted / perRequest;
  const fill =
    loader.batchingWindowSeconds > 0 && objectsPerSecond > 0
      ? Math.min(loader.batchingWindowSeconds, (loader.batchSize - 1) / objectsPerSecond)
      : 0;
  const gapSeconds = objectsPerSecond > 0 ? 1 / objectsPerSecond : Infinity;
  const resume =
    database.autoPauseMinutes !== undefined && gapSeconds > database.autoPauseMinutes * 60
      ? database.resumeSeconds
      : 0;
  const lags: number[] = [];
  for (let i = 0; i <= 100; i++) {
    const wait = Math.min(waitAt(backlogAt((total * i) / 100)), drain > 0 ? retention : Infinity);
    for (let j = 0; j < 20; j++)
      lags.push(ingestSeconds + ((j + 0.5) / 20) * fill + wait + objectSeconds + resume);
  }
  lags.sort((a, b) => a - b);

  const bottleneck = components
    .filter((c) => c.kind === 'rate')
    .reduce((a, b) => (b.utilisation > a.utilisation ? b : a));
  const perDayObjects = objectsPerSecond * 86400;
  return {
    platform: platform.name,
    input: {
      eventsPerSecond: lambda,
      hours,
      eventsPerRequest: perRequest,
      datasets,
      initialBacklogEvents: backlog0,
    },
    components,
    bottleneck,
    saturated: bottleneck.utilisation >= 1,
    acceptedEventsPerSecond: accepted,
    drainEventsPerSecond: drain,
    backlog,
    drainedAfterSeconds: backlog0 > 0 && growth < 0 ? backlog0 / -growth : undefined,
    expiry,
    lag: { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95), max: lags[lags.length - 1]! },
    acuNeeded: lambda > 0 ? Math.max(0.5, lambda / database.rowsPerSecondPerAcu) : 0,
    perDay: {
      objects: perDayObjects,
      putRequests: perDayObjects,
      getRequests: perDayObjects,
      events: perDayObjects,
      rows: accepted * 86400,
    },
    athena: {
      fullHistoryBytes,
      cutoffBytes: cutoff,
      exceedsCutoffAfterHours: cutoff !== undefined && bytesPerHour > 0 ? cutoff / bytesPerHour : undefined,
    },
  };
}
