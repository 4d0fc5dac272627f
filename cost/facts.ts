import { follow, isConstruct, numberProp, ofType, type Located, type StackTemplate } from './templates';

/**
 * What the templates say about the things that drive cost: the database's capacity range and
 * auto-pause, the generator's schedule, how the dashboard is hosted, the WAF allowlist, the budget.
 * Read from the synthesized templates only, so two template sets (before and after a change) can
 * be compared without the settings that made them.
 */

export interface DatabaseFacts {
  /** The Serverless v2 writer instance (ACU-hours are billed on it). */
  readonly instance: Located;
  readonly cluster: Located;
  readonly minAcu: number;
  readonly maxAcu: number;
  /** Idle minutes before the instance pauses; undefined when the minimum capacity is above 0 (it never pauses). */
  readonly autoPauseMinutes: number | undefined;
  readonly publiclyAccessible: boolean;
}

export interface GeneratorFacts {
  readonly schedule: Located;
  readonly function: Located | undefined;
  readonly enabled: boolean;
  readonly expression: string;
  /** Minutes between runs. */
  readonly everyMinutes: number;
  /** Records per dataset per run (`GENERATOR_BATCH_SIZE`). */
  readonly recordsPerDataset: number;
}

export type DashboardHosting = 'app-runner' | 'lambda' | 'ecs-express' | 'none';

export interface DeploymentFacts {
  readonly database: DatabaseFacts | undefined;
  readonly generator: GeneratorFacts | undefined;
  readonly hosting: DashboardHosting;
  /** Monthly budget in USD, when the app has one. */
  readonly monthlyBudgetUsd: number | undefined;
}

/** Minutes between runs of an EventBridge Scheduler `rate(...)` expression. */
export function rateMinutes(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) {
    throw new Error(
      `Schedule expression "${expression}" is not a rate(<n> <unit>) expression; the cost model prices rate schedules only.`,
    );
  }
  const n = Number(match[1]);
  const unit = match[2]!.replace(/s$/, '');
  return n * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440);
}

function databaseFacts(stacks: readonly StackTemplate[]): DatabaseFacts | undefined {
  const instance = ofType(stacks, 'AWS::RDS::DBInstance').find(
    (r) => r.resource.Properties?.DBInstanceClass === 'db.serverless',
  );
  if (!instance) return undefined;
  const cluster = follow(instance, instance.resource.Properties?.DBClusterIdentifier);
  if (!cluster) return undefined;
  const scaling = (cluster.resource.Properties?.ServerlessV2ScalingConfiguration ?? {}) as Record<
    string,
    unknown
  >;
  const minAcu = numberProp(scaling.MinCapacity) ?? 0.5;
  // AWS: SecondsUntilAutoPause defaults to 300 s when the minimum capacity is 0.
  // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
  const seconds = numberProp(scaling.SecondsUntilAutoPause) ?? 300;
  return {
    instance,
    cluster,
    minAcu,
    maxAcu: numberProp(scaling.MaxCapacity) ?? 1,
    autoPauseMinutes: minAcu === 0 ? seconds / 60 : undefined,
    publiclyAccessible: instance.resource.Properties?.PubliclyAccessible === true,
  };
}

function generatorFacts(stacks: readonly StackTemplate[]): GeneratorFacts | undefined {
  const schedule = ofType(stacks, 'AWS::Scheduler::Schedule').find((r) =>
    isConstruct(r.logicalId, 'GeneratorSchedule'),
  );
  if (!schedule) return undefined;
  const props = schedule.resource.Properties ?? {};
  const fn = follow(schedule, (props.Target as { Arn?: unknown } | undefined)?.Arn);
  const env = ((fn?.resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables ?? {}) as Record<string, unknown>;
  const expression = String(props.ScheduleExpression ?? '');
  return {
    schedule,
    function: fn,
    enabled: props.State !== 'DISABLED',
    expression,
    everyMinutes: rateMinutes(expression),
    recordsPerDataset: numberProp(env.GENERATOR_BATCH_SIZE) ?? 100,
  };
}

/** The dashboard's hosting, from the resource types the Dashboard stack holds. */
export function dashboardHosting(stacks: readonly StackTemplate[]): DashboardHosting {
  if (ofType(stacks, 'AWS::ECS::ExpressGatewayService').length > 0) return 'ecs-express';
  if (ofType(stacks, 'AWS::AppRunner::Service').length > 0) return 'app-runner';
  if (dashboardFunctions(stacks).length > 0) return 'lambda';
  return 'none';
}

/** Functions behind a Function URL other than the ingest endpoint: the dashboard on Lambda. */
export function dashboardFunctions(stacks: readonly StackTemplate[]): Located[] {
  return ofType(stacks, 'AWS::Lambda::Url')
    .map((url) => follow(url, url.resource.Properties?.TargetFunctionArn))
    .filter((fn): fn is Located => fn !== undefined && !isConstruct(fn.logicalId, 'IngestFunction'));
}

function budgetUsd(stacks: readonly StackTemplate[]): number | undefined {
  const budget = ofType(stacks, 'AWS::Budgets::Budget')[0];
  const limit = (budget?.resource.Properties?.Budget as { BudgetLimit?: { Amount?: unknown } } | undefined)
    ?.BudgetLimit;
  return numberProp(limit?.Amount);
}

export function deploymentFacts(stacks: readonly StackTemplate[]): DeploymentFacts {
  return {
    database: databaseFacts(stacks),
    generator: generatorFacts(stacks),
    hosting: dashboardHosting(stacks),
    monthlyBudgetUsd: budgetUsd(stacks),
  };
}
