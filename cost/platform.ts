import { deploymentFacts } from './facts';
import { limit } from './limits';
import { LOADER_ROWS_PER_STATEMENT } from './measured';
import { isConstruct, numberProp, ofType, type StackTemplate } from './templates';
import {
  BENCH,
  INGEST_OVERHEAD_SECONDS,
  LOADER_OVERHEAD_SECONDS,
  lambdaVcpus,
  loaderRowsPerSecond,
} from './throughput';

/**
 * The data path as the simulator sees it: how fast each stage is and what caps it, read from the
 * synthesized templates (AWS) or stated for the local platform (`npm start`).
 */
export interface PlatformModel {
  readonly name: string;
  readonly ingest: {
    /** Memory of the ingest function (buys CPU: 1,769 MB is one vCPU). */
    readonly memoryMb: number;
    /** Concurrent ingest requests at most. */
    readonly concurrency: number;
    readonly overheadSeconds: number;
    /** Records per vCPU-second of the ingest code. */
    readonly recordsPerVcpuSecond: number;
    /** vCPUs one ingest instance has (memory / 1,769 MB on Lambda). */
    readonly vcpus: number;
  };
  readonly loader: {
    /** Loader invocations at once (the event source's maximum concurrency). */
    readonly concurrency: number;
    /** Messages (objects) per invocation. */
    readonly batchSize: number;
    /** Seconds the event source waits to fill a batch. */
    readonly batchingWindowSeconds: number;
    /** Seconds a message waits in the loader queue before the queue deletes it unloaded; undefined for never. */
    readonly queueRetentionSeconds: number | undefined;
    /** Per-object time besides inserting rows (S3 GetObject, bookkeeping statements). */
    readonly overheadSeconds: number;
    /** Rows per second one loader inserts. */
    readonly rowsPerSecond: number;
  };
  readonly database: {
    readonly maxAcu: number;
    readonly autoPauseMinutes: number | undefined;
    /** Rows per second the database absorbs per ACU. */
    readonly rowsPerSecondPerAcu: number;
    readonly resumeSeconds: number;
  };
  /** Athena cancels a query scanning more than this (the workgroup's cutoff), or undefined. */
  readonly athenaScanCutoffBytes: number | undefined;
  /** Object PUTs per second one lake prefix takes; undefined for no limit. */
  readonly putsPerPrefixPerSecond: number | undefined;
  /** Object-created events per second EventBridge delivers; undefined for no limit. */
  readonly eventsPerSecond: number | undefined;
  /** One process does everything (ingest, loader, database share one CPU). */
  readonly sharedCpu: boolean;
}

/**
 * Rows per second Aurora absorbs per ACU: the benchmarked insert rate of one core (local Postgres,
 * 1,000 rows per INSERT) divided by 4 ACU per vCPU. A floor: PGlite is Postgres compiled to
 * WebAssembly on one thread, slower than Aurora's native engine.
 */
export function auroraRowsPerSecondPerAcu(): number {
  return loaderRowsPerSecond(LOADER_ROWS_PER_STATEMENT) / limit('aurora.acuPerVcpu');
}

/** The deployed data path, from the synthesized templates and the documented limits. */
export function awsPlatform(stacks: readonly StackTemplate[]): PlatformModel {
  const facts = deploymentFacts(stacks);
  const fn = (path: string) =>
    ofType(stacks, 'AWS::Lambda::Function').find((r) => isConstruct(r.logicalId, path))?.resource
      .Properties ?? {};
  const ingestProps = fn('IngestFunction');
  const ingestMemory = numberProp(ingestProps.MemorySize) ?? 512;
  const mapping =
    ofType(stacks, 'AWS::Lambda::EventSourceMapping').find((m) => m.logicalId.startsWith('LoaderFunction'))
      ?.resource.Properties ?? {};
  const maxConcurrency = numberProp(
    (mapping.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency,
  );
  const queue = ofType(stacks, 'AWS::SQS::Queue').find((q) => isConstruct(q.logicalId, 'LoaderQueue'));
  const cutoff = ofType(stacks, 'AWS::Athena::WorkGroup')
    .map(
      (w) =>
        (
          w.resource.Properties?.WorkGroupConfiguration as
            { BytesScannedCutoffPerQuery?: unknown } | undefined
        )?.BytesScannedCutoffPerQuery,
    )
    .map(numberProp)
    .find((v) => v !== undefined);
  return {
    name: 'AWS',
    ingest: {
      memoryMb: ingestMemory,
      concurrency: numberProp(ingestProps.ReservedConcurrentExecutions) ?? limit('lambda.accountConcurrency'),
      overheadSeconds: INGEST_OVERHEAD_SECONDS,
      recordsPerVcpuSecond: BENCH.ingestRecordsPerVcpuSecond,
      vcpus: lambdaVcpus(ingestMemory),
    },
    loader: {
      concurrency: maxConcurrency ?? limit('lambda.sqs.maxConcurrentInvocations'),
      batchSize: numberProp(mapping.BatchSize) ?? 10,
      batchingWindowSeconds: numberProp(mapping.MaximumBatchingWindowInSeconds) ?? 0,
      queueRetentionSeconds:
        numberProp(queue?.resource.Properties?.MessageRetentionPeriod) ??
        limit('sqs.defaultRetentionSeconds'),
      overheadSeconds: LOADER_OVERHEAD_SECONDS,
      rowsPerSecond: loaderRowsPerSecond(LOADER_ROWS_PER_STATEMENT),
    },
    database: {
      maxAcu: facts.database?.maxAcu ?? 1,
      autoPauseMinutes: facts.database?.autoPauseMinutes,
      rowsPerSecondPerAcu: auroraRowsPerSecondPerAcu(),
      resumeSeconds: limit('aurora.resumeSeconds'),
    },
    athenaScanCutoffBytes: cutoff,
    putsPerPrefixPerSecond: limit('s3.putPerSecondPerPrefix'),
    eventsPerSecond: limit('eventbridge.invocationsPerSecond'),
    sharedCpu: false,
  };
}

/** Per-object overhead of the local loader: a file read from the S3 stand-in and loopback round trips. */
export const LOCAL_OBJECT_OVERHEAD_SECONDS = 0.01;

/**
 * `npm start`: one Node.js process runs the ingest endpoint, the S3 stand-in, an in-process queue
 * that hands the loader up to 10 messages at a time, one at a time, with no batching window, and
 * the Data API endpoint over PGlite. Everything shares one CPU.
 */
export const LOCAL_PLATFORM: PlatformModel = {
  name: 'local (npm start)',
  ingest: {
    memoryMb: 1769,
    concurrency: 1,
    overheadSeconds: 0,
    recordsPerVcpuSecond: BENCH.ingestRecordsPerVcpuSecond,
    vcpus: 1,
  },
  loader: {
    concurrency: 1,
    batchSize: 10,
    batchingWindowSeconds: 0,
    queueRetentionSeconds: undefined,
    overheadSeconds: LOCAL_OBJECT_OVERHEAD_SECONDS,
    rowsPerSecond: loaderRowsPerSecond(LOADER_ROWS_PER_STATEMENT),
  },
  database: {
    maxAcu: 1,
    autoPauseMinutes: undefined,
    rowsPerSecondPerAcu: loaderRowsPerSecond(LOADER_ROWS_PER_STATEMENT),
    resumeSeconds: 0,
  },
  athenaScanCutoffBytes: undefined,
  putsPerPrefixPerSecond: undefined,
  eventsPerSecond: undefined,
  sharedCpu: true,
};
