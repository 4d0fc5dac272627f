import { count, line, fixedLine, meteredLine, usd, type CostLine, type PricingContext } from '../lines';
import { allResources, isConstruct, numberProp, referencedId, type Located } from '../templates';
import { DAYS_PER_MONTH, GB } from '../units';
import { ACCESS_LOG_LINE_BYTES, type MonthlyUsage } from '../usage';

/**
 * Storage: the S3 buckets (storage and requests), the ECR repository, CloudWatch log groups
 * (ingestion and storage) and the VPC flow log (vended log ingestion).
 */

/** Log bytes one Lambda invocation writes: START, END and REPORT lines plus one JSON line. */
export const LOG_BYTES_PER_INVOCATION = 600;
/** Objects an Athena query writes to the results bucket (the result CSV and its metadata). */
export const OBJECTS_PER_ATHENA_QUERY = 2;

export function priceBucket(bucket: Located, ctx: PricingContext): CostLine[] {
  const p = ctx.prices;
  const put = p.usd('s3.putPer1000') / 1000;
  const get = p.usd('s3.getPer1000') / 1000;
  const storage = p.usd('s3.standardGbMonth');
  if (isConstruct(bucket.logicalId, 'LakeBucket')) {
    return [
      line(
        bucket,
        'storage',
        (u) => (u.lakeBytes / GB) * storage,
        ctx,
        `What a month adds: ${count(ctx.typical.ingestEvents)} events typical as gzip NDJSON (measured size per event); ` +
          'idle excludes data you store.',
      ),
      line(
        bucket,
        'requests',
        (u) => u.lakeObjects * put + u.lakeObjects * get,
        ctx,
        `One PUT per ingest request and one GET by the loader per object: ${count(ctx.typical.lakeObjects)} objects typical.`,
      ),
      line(
        bucket,
        'lifecycle transitions',
        (u) => u.lakeObjectsTiered * (p.usd('s3.transitionToIntelligentTieringPer1000') / 1000),
        ctx,
        'Raw objects over 128 KB move to Intelligent-Tiering after 90 days, one transition request each (steady state); ' +
          `smaller ones stay in S3 Standard: ${count(ctx.typical.lakeObjectsTiered)} of ${count(ctx.typical.lakeObjects)} typical.`,
      ),
    ];
  }
  if (isConstruct(bucket.logicalId, 'LogBucket')) {
    return [
      line(
        bucket,
        'storage',
        (u) => ((u.accessLogLines * ACCESS_LOG_LINE_BYTES) / GB) * storage,
        ctx,
        `${count(ctx.typical.accessLogLines)} access log lines a month typical, ${ACCESS_LOG_LINE_BYTES} bytes each.`,
      ),
      line(
        bucket,
        'requests',
        (u) => u.accessLogObjects * get,
        ctx,
        'Log delivery PUTs are not charged (S3 server access logging docs); one GET per delivered object by the loader.',
      ),
    ];
  }
  if (isConstruct(bucket.logicalId, 'AthenaResultsBucket')) {
    return [
      line(
        bucket,
        'requests',
        (u) => u.athenaQueries * OBJECTS_PER_ATHENA_QUERY * (put + get),
        ctx,
        `Each Athena query writes ${OBJECTS_PER_ATHENA_QUERY} objects the dashboard reads back; results expire after 7 days, so storage is negligible.`,
      ),
    ];
  }
  return [fixedLine(bucket, 'storage', 0, 'A bucket the model has no usage for: only what you store in it.')];
}

export function priceRepository(repository: Located, ctx: PricingContext): CostLine[] {
  const price = ctx.prices.usd('ecr.storageGbMonth');
  return [
    line(
      repository,
      'image storage',
      (u) => u.profile.dashboardImagesStored * u.profile.dashboardImageGb * price,
      ctx,
      `${ctx.typical.profile.dashboardImagesStored} dashboard image(s) of ${ctx.typical.profile.dashboardImageGb} GB ` +
        '(the lifecycle rule keeps the last 10); basic scanning and same-Region pulls are free.',
    ),
  ];
}

/** Functions whose logs go to `group` (their LoggingConfig names it). */
function writers(group: Located, ctx: PricingContext): Located[] {
  return allResources(ctx.stacks).filter(
    (r) =>
      r.stack === group.stack &&
      r.resource.Type === 'AWS::Lambda::Function' &&
      referencedId((r.resource.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup) ===
        group.logicalId,
  );
}

/** Invocations per month of a function, as its compute line counts them. */
export type InvocationCounter = (fn: Located, u: MonthlyUsage) => number;

export function priceLogGroup(
  group: Located,
  ctx: PricingContext,
  invocations: InvocationCounter,
): CostLine[] {
  const retention = numberProp(group.resource.Properties?.RetentionInDays) ?? 3653;
  const fns = writers(group, ctx);
  const bytes = (u: MonthlyUsage) =>
    fns.reduce((sum, fn) => sum + invocations(fn, u), 0) * LOG_BYTES_PER_INVOCATION;
  // At the end of a month the group holds what the last `retention` days ingested.
  const kept = Math.min(1, retention / DAYS_PER_MONTH);
  return [
    meteredLine(
      group,
      'ingestion and storage',
      [
        { price: 'logs.ingestGb', quantity: (u) => bytes(u) / GB },
        { price: 'logs.storageGbMonth', quantity: (u) => (kept * bytes(u)) / GB },
      ],
      ctx,
      fns.length > 0
        ? `${LOG_BYTES_PER_INVOCATION} bytes per invocation of ${fns.map((f) => f.logicalId).join(', ')}; ` +
            `kept ${retention} days.`
        : 'Written rarely (deploy-time functions, Postgres logs while awake, rejected flows): assumed negligible.',
    ),
  ];
}

export function priceFlowLog(flowLog: Located, ctx: PricingContext): CostLine[] {
  const reachable = ctx.facts.database?.publiclyAccessible === true;
  return [
    fixedLine(
      flowLog,
      'vended log ingestion',
      0,
      reachable
        ? 'REJECT records only: whatever the internet sends to the public database endpoint is rejected and logged ' +
            `at ${usd(ctx.prices.usd('logs.vendedIngestGb'))}/GB; not estimated.`
        : 'REJECT records only, and the isolated subnets have no route from the internet: assumed none.',
    ),
  ];
}
