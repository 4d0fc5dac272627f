/**
 * Throughput of the data path's code, as `npm run bench` measured it, and how a Lambda memory
 * setting buys CPU. The cost model turns these into function durations; the simulator into the
 * capacity of each component.
 *
 * The bench runs each figure on one Node.js thread, so a figure is per vCPU. It ran on a shared
 * 2-core build machine, so the figures are a floor, not a peak.
 */

/** Figures from `npm run bench -- ingestion data-api s3-access-logs`, run 2026-12-01. */
export const BENCH = {
  command: 'npm run bench -- ingestion data-api s3-access-logs',
  date: '2026-12-01',
  /** Ingest domain code (decode, validate, canonical NDJSON, gzip), gzip NDJSON input. */
  ingestRecordsPerVcpuSecond: 53_912,
  /** Loader into local Postgres (PGlite behind the local Data API endpoint), by rows per INSERT. */
  loaderRowsPerSecondByBatch: { 100: 11_241, 250: 17_156, 1000: 18_760 } as Readonly<Record<number, number>>,
  /** BatchExecuteStatement through the local Data API endpoint (1,000 parameter sets per request). */
  dataApiBatchRowsPerSecond: 3_862,
  /** One ExecuteStatement per row through the local Data API endpoint (the baseline). */
  dataApiSingleRowsPerSecond: 116,
} as const;

/**
 * Lambda allocates CPU in proportion to memory: at 1,769 MB a function has the equivalent of one
 * vCPU (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 */
export const LAMBDA_MB_PER_VCPU = 1769;

/** vCPUs a Lambda memory setting buys. */
export function lambdaVcpus(memoryMb: number): number {
  return memoryMb / LAMBDA_MB_PER_VCPU;
}

/** The loader's rows per second at a rows-per-INSERT setting (the nearest measured batch size at or below it). */
export function loaderRowsPerSecond(rowsPerInsert: number): number {
  const sizes = Object.keys(BENCH.loaderRowsPerSecondByBatch)
    .map(Number)
    .sort((a, b) => a - b);
  const size = [...sizes].reverse().find((s) => s <= rowsPerInsert) ?? sizes[0]!;
  return BENCH.loaderRowsPerSecondByBatch[size]!;
}

/** Fixed time of one ingest request besides parsing (S3 PutObject, Function URL round trip), seconds. */
export const INGEST_OVERHEAD_SECONDS = 0.1;
/** Fixed time of one loader invocation besides inserting (S3 GetObject, bookkeeping statements), seconds. */
export const LOADER_OVERHEAD_SECONDS = 0.3;
/** One generator run: three signed POSTs to the ingest endpoint, one after the other, seconds. */
export const GENERATOR_SECONDS = 1;
/** One migration deploy: resuming a paused database (15 to 30 s, AWS) plus the statements, seconds. */
export const MIGRATION_SECONDS = 60;
/** One dashboard request on Lambda: six Data API queries one after the other, seconds. */
export const DASHBOARD_REQUEST_SECONDS = 0.35;

/** Seconds one ingest request takes on a function of `memoryMb` for `records` records. */
export function ingestSeconds(records: number, memoryMb: number): number {
  return INGEST_OVERHEAD_SECONDS + records / (BENCH.ingestRecordsPerVcpuSecond * lambdaVcpus(memoryMb));
}

/** Seconds one loader invocation takes for `rows` rows at `rowsPerInsert`. */
export function loaderSeconds(rows: number, rowsPerInsert: number): number {
  return LOADER_OVERHEAD_SECONDS + rows / loaderRowsPerSecond(rowsPerInsert);
}
