import { dashboardFunctions } from '../facts';
import { count, line, meteredLine, type CostLine, type PricingContext } from '../lines';
import { DASHBOARD_REFRESH_SECONDS, LOADER_ROWS_PER_STATEMENT } from '../measured';
import { follow, isConstruct, numberProp, type Located } from '../templates';
import {
  DASHBOARD_REQUEST_SECONDS,
  GENERATOR_SECONDS,
  MIGRATION_SECONDS,
  ingestSeconds,
  loaderSeconds,
} from '../throughput';
import { HOURS_PER_MONTH } from '../units';
import type { MonthlyUsage } from '../usage';

/**
 * Compute: Lambda functions (requests and GB-seconds, arm64 or x86), the dashboard on App Runner
 * (provisioned memory while idle, vCPU and memory while serving), and the dashboard on ECS Express
 * Mode (a Fargate task, its share of an Application Load Balancer, public IPv4 addresses).
 */

interface FunctionWork {
  readonly invocations: (u: MonthlyUsage) => number;
  readonly seconds: (u: MonthlyUsage) => number;
  readonly what: string;
}

/** What a function of the platform does in a month, recognised by its construct path. */
function functionWork(fn: Located, memoryMb: number, ctx: PricingContext): FunctionWork {
  const id = fn.logicalId;
  if (isConstruct(id, 'IngestFunction')) {
    return {
      invocations: (u) => u.ingestRequests,
      seconds: (u) => (u.ingestRequests > 0 ? ingestSeconds(u.ingestEvents / u.ingestRequests, memoryMb) : 0),
      what: 'one invocation per ingest request; 0.1 s plus the records at the benchmarked rate for its memory',
    };
  }
  if (isConstruct(id, 'LoaderFunction')) {
    return {
      invocations: (u) => u.loaderInvocations,
      seconds: (u) =>
        u.loaderInvocations > 0
          ? loaderSeconds(u.rowsLoaded / u.loaderInvocations, LOADER_ROWS_PER_STATEMENT)
          : 0,
      what: 'one invocation per object (a generator run arrives as one batch); 0.3 s plus rows at the benchmarked load rate',
    };
  }
  if (isConstruct(id, 'GeneratorFunction')) {
    return {
      invocations: (u) => u.generatorRuns,
      seconds: () => GENERATOR_SECONDS,
      what: `one invocation per schedule run, ${GENERATOR_SECONDS} s each`,
    };
  }
  if (isConstruct(id, 'SchemaMigrationsFunction')) {
    return {
      invocations: (u) => u.profile.migrationDeploysPerMonth,
      seconds: () => MIGRATION_SECONDS,
      what: `one invocation per deploy with a new migration, ${MIGRATION_SECONDS} s (mostly waiting for the database to resume)`,
    };
  }
  if (dashboardFunctions(ctx.stacks).some((d) => d.stack === fn.stack && d.logicalId === id)) {
    return {
      invocations: (u) => u.dashboardRequests,
      seconds: () => DASHBOARD_REQUEST_SECONDS,
      what: `the dashboard: one invocation per refresh, ${DASHBOARD_REQUEST_SECONDS} s each`,
    };
  }
  return {
    invocations: () => 0,
    seconds: () => 0,
    what: 'runs only during deploys (custom resource), a few invocations a year',
  };
}

/** Invocations per month of a function of the app (0 for deploy-time functions). */
export function functionInvocations(fn: Located, ctx: PricingContext, u: MonthlyUsage): number {
  return functionWork(fn, numberProp(fn.resource.Properties?.MemorySize) ?? 128, ctx).invocations(u);
}

export function priceFunction(fn: Located, ctx: PricingContext): CostLine[] {
  const props = fn.resource.Properties ?? {};
  const memoryMb = numberProp(props.MemorySize) ?? 128;
  const arm = Array.isArray(props.Architectures) && props.Architectures.includes('arm64');
  const work = functionWork(fn, memoryMb, ctx);
  const n = work.invocations(ctx.typical);
  return [
    meteredLine(
      fn,
      'requests and GB-seconds',
      [
        { price: 'lambda.requestsPerMillion', quantity: (u) => work.invocations(u) / 1e6 },
        {
          price: arm ? 'lambda.armGbSecond' : 'lambda.x86GbSecond',
          quantity: (u) => work.invocations(u) * work.seconds(u) * (memoryMb / 1024),
        },
      ],
      ctx,
      `${memoryMb} MB ${arm ? 'arm64' : 'x86_64'}; ${work.what}. Typical: ${count(n)} invocations × ` +
        `${work.seconds(ctx.typical).toFixed(2)} s; idle: ${count(work.invocations(ctx.idle))}.`,
    ),
  ];
}

/** A size written as "<n> <unit>" or as a plain count of `perUnit` parts (CPU units, MiB). */
function size(value: unknown, unit: string, perUnit: number, example: string): number {
  const text = String(value ?? '').trim();
  const match = new RegExp(`^([\\d.]+)\\s*${unit}$`, 'i').exec(text);
  if (match) return Number(match[1]);
  const parts = Number(text);
  if (Number.isFinite(parts) && parts > 0) return parts / perUnit;
  throw new Error(`Size "${text}" is neither "<n> ${unit}" nor a count like ${example}.`);
}

/** vCPUs of an App Runner or ECS size: "0.25 vCPU", "1 vCPU", or CPU units ("256", "1024"). */
export const vcpus = (value: unknown): number => size(value, 'vCPU', 1024, '1024 CPU units');

/** Gigabytes of an App Runner or ECS size: "0.5 GB", "2 GB", or MiB ("512", "2048"). */
export const gigabytes = (value: unknown): number => size(value, 'GB', 1024, '2048 MiB');

export function priceAppRunner(service: Located, ctx: PricingContext): CostLine[] {
  const config = (service.resource.Properties?.InstanceConfiguration ?? {}) as Record<string, unknown>;
  const cpu = vcpus(config.Cpu ?? '1 vCPU');
  const memory = gigabytes(config.Memory ?? '2 GB');
  const scaling = follow(service, service.resource.Properties?.AutoScalingConfigurationArn);
  // App Runner keeps at least MinSize instances provisioned (default 1).
  const minSize = numberProp(scaling?.resource.Properties?.MinSize) ?? 1;
  const provisioned = ctx.prices.usd('apprunner.provisionedGbHour');
  const activeCpu = ctx.prices.usd('apprunner.activeVcpuHour');
  const activeMemory = ctx.prices.usd('apprunner.activeGbHour');
  const cost = (u: MonthlyUsage) => {
    const activeHours = Math.min(HOURS_PER_MONTH, u.dashboardHours);
    return (
      minSize * memory * provisioned * (HOURS_PER_MONTH - activeHours) +
      (cpu * activeCpu + memory * activeMemory) * activeHours
    );
  };
  return [
    line(
      service,
      'provisioned and active instance',
      cost,
      ctx,
      `${minSize} instance(s) of ${cpu} vCPU / ${memory} GB always provisioned: memory × $${provisioned}/GB-h × 730 h; ` +
        `active (vCPU and memory) while the dashboard is open: ${count(ctx.typical.dashboardHours)} h/month typical.`,
    ),
  ];
}

/** Public IPv4 addresses of an internet-facing ALB: one per Availability Zone, at least two. */
export const ALB_PUBLIC_ADDRESSES = 2;
/** Express Mode services sharing one ALB (up to 25 in a VPC share one); this platform has one. */
export const EXPRESS_SERVICES_SHARING_ALB = 1;

export function priceExpressService(service: Located, ctx: PricingContext): CostLine[] {
  const props = service.resource.Properties ?? {};
  // Express Mode defaults: 1 vCPU, 2 GB, x86_64, at least one task, public subnets with a public IP per task.
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/express-service-work.html
  const cpu = vcpus(props.Cpu ?? '1024');
  const memory = gigabytes(props.Memory ?? '2048');
  const minTasks =
    numberProp((props.ScalingTarget as { MinTaskCount?: unknown } | undefined)?.MinTaskCount) ?? 1;
  const p = ctx.prices;
  const taskHour = cpu * p.usd('fargate.x86VcpuHour') + memory * p.usd('fargate.x86GbHour');
  const ipHour = p.usd('vpc.publicIpv4Hour');
  const albHour = p.usd('alb.hour') / EXPRESS_SERVICES_SHARING_ALB;
  // One LCU covers 25 new connections a second; a page refreshing every 5 s opens at most one connection per refresh.
  const lcuHours = (u: MonthlyUsage) => (1 / DASHBOARD_REFRESH_SECONDS / 25) * u.dashboardHours;
  return [
    line(
      service,
      'Fargate task',
      () => minTasks * taskHour * HOURS_PER_MONTH,
      ctx,
      `${minTasks} task(s) of ${cpu} vCPU / ${memory} GB on Fargate Linux/x86, running all month (Express Mode keeps at least one).`,
    ),
    line(
      service,
      'load balancer share',
      (u) => albHour * HOURS_PER_MONTH + lcuHours(u) * p.usd('alb.lcuHour'),
      ctx,
      `The Application Load Balancer Express Mode creates, shared by ${EXPRESS_SERVICES_SHARING_ALB} service(s): ` +
        '730 ALB-hours plus LCU-hours while the dashboard is open.',
    ),
    line(
      service,
      'public IPv4 addresses',
      () => (ALB_PUBLIC_ADDRESSES / EXPRESS_SERVICES_SHARING_ALB + minTasks) * ipHour * HOURS_PER_MONTH,
      ctx,
      `${ALB_PUBLIC_ADDRESSES} for the internet-facing load balancer (two Availability Zones) and one per task in public subnets, ` +
        `$${ipHour}/h each.`,
    ),
  ];
}
