import type { DeploymentFacts } from './facts';
import { usd, type CostLine } from './lines';
import type { RegionPrices } from './prices';
import type { UsageProfile } from './profile';
import { ofType, type StackTemplate } from './templates';
import { HOURS_PER_MONTH } from './units';

/**
 * Cost traps: settings that defeat scale-to-zero or add a fixed monthly cost. Each trap names the
 * setting and the figure, and points at the resource it is about, so `cdk synth` can attach it as
 * a warning there and `npm run cost` can print it.
 */
export interface CostTrap {
  /** Stable ID, also the warning's acknowledgement ID (`@analytics/cost:<id>`). */
  readonly id: string;
  readonly stack: string;
  readonly resource: string;
  /** What the trap adds to the idle month, USD. */
  readonly monthlyUsd: number;
  readonly message: string;
}

/** A trap is reported from this many dollars a month. */
export const TRAP_THRESHOLD_USD = 1;
/** `databaseMaxAcu` is "large" when one day at that capacity costs more than this share of the monthly budget. */
export const MAX_ACU_DAY_SHARE_OF_BUDGET = 0.5;

/** An estimate's lines and idle total. */
export interface Priced {
  readonly lines: readonly CostLine[];
  readonly idleMonthlyUsd: number;
}
/** Prices the app again with some facts changed (to measure what a setting adds). */
export type Reprice = (facts: DeploymentFacts) => Priced;

const sumIdle = (lines: readonly CostLine[], stack: string, resource: string) =>
  lines.filter((l) => l.stack === stack && l.resource === resource).reduce((s, l) => s + l.idleMonthlyUsd, 0);

export function findCostTraps(
  stacks: readonly StackTemplate[],
  facts: DeploymentFacts,
  prices: RegionPrices,
  profile: UsageProfile,
  priced: Priced,
  reprice: Reprice,
): CostTrap[] {
  const traps: CostTrap[] = [];
  const region = prices.region;
  const acuHour = prices.usd('aurora.acuHour');
  const db = facts.database;

  const generator = facts.generator;
  if (generator?.enabled) {
    const without = reprice({ ...facts, generator: { ...generator, enabled: false } });
    const added = priced.idleMonthlyUsd - without.idleMonthlyUsd;
    const pause = db?.autoPauseMinutes;
    if (added >= TRAP_THRESHOLD_USD) {
      const wakes =
        pause !== undefined && generator.everyMinutes < pause
          ? `wakes the database more often than databaseAutoPauseMinutes ${pause}: it never pauses`
          : `wakes the database every ${generator.everyMinutes} minutes`;
      traps.push({
        id: 'generator-keeps-database-awake',
        stack: generator.schedule.stack.id,
        resource: generator.schedule.logicalId,
        monthlyUsd: added,
        message:
          `generatorRate ${generator.expression} ${wakes}, about +${usd(added)}/month idle (${region}, Aurora at ` +
          `${profile.awakeAcu} ACU; up to ${usd(HOURS_PER_MONTH * (db?.maxAcu ?? 1) * acuHour)} at databaseMaxAcu ${db?.maxAcu ?? '?'}). ` +
          'Turn it off (-c generatorEnabled=false) or slow it down (-c generatorRate=...) unless you want demo data flowing.',
      });
    }
  }

  if (db && db.minAcu > 0) {
    const monthly = HOURS_PER_MONTH * db.minAcu * acuHour;
    traps.push({
      id: 'database-never-pauses',
      stack: db.cluster.stack.id,
      resource: db.cluster.logicalId,
      monthlyUsd: monthly,
      message: `The database's minimum capacity is ${db.minAcu} ACU, so it never pauses: at least +${usd(monthly)}/month (${region}).`,
    });
  }

  if (db?.publiclyAccessible) {
    const monthly = sumIdle(
      priced.lines.filter((l) => l.item === 'public IPv4 address'),
      db.instance.stack.id,
      db.instance.logicalId,
    );
    traps.push({
      id: 'public-database-address',
      stack: db.instance.stack.id,
      resource: db.instance.logicalId,
      monthlyUsd: monthly,
      message:
        `allowedCidrs makes the database publicly accessible: +${usd(monthly)}/month for its public IPv4 address, ` +
        'paused or not. Use the Data API (no address) unless you need psql from those networks.',
    });
  }

  if (db && facts.monthlyBudgetUsd !== undefined) {
    const day = db.maxAcu * 24 * acuHour;
    if (day > MAX_ACU_DAY_SHARE_OF_BUDGET * facts.monthlyBudgetUsd) {
      traps.push({
        id: 'large-database-max-acu',
        stack: db.cluster.stack.id,
        resource: db.cluster.logicalId,
        monthlyUsd: HOURS_PER_MONTH * db.maxAcu * acuHour,
        message:
          `databaseMaxAcu ${db.maxAcu} lets one busy day cost up to ${usd(day)} (${db.maxAcu} ACU × 24 h × $${acuHour}), ` +
          `${Math.round((100 * day) / facts.monthlyBudgetUsd)}% of monthlyBudgetUsd ${facts.monthlyBudgetUsd}; a month at the cap is ` +
          `${usd(HOURS_PER_MONTH * db.maxAcu * acuHour)}. Lower it unless your load needs it.`,
      });
    }
  }

  for (const acl of ofType(stacks, 'AWS::WAFv2::WebACL')) {
    const monthly = sumIdle(priced.lines, acl.stack.id, acl.logicalId);
    if (monthly >= TRAP_THRESHOLD_USD) {
      traps.push({
        id: 'waf-fixed-cost',
        stack: acl.stack.id,
        resource: acl.logicalId,
        monthlyUsd: monthly,
        message:
          `dashboardAllowedCidrs puts an AWS WAF web ACL in front of the dashboard: a fixed +${usd(monthly)}/month ` +
          `(${region}) plus ${usd(prices.usd('waf.requestsPerMillion'))} per million requests. The login alone costs nothing.`,
      });
    }
  }

  for (const service of ofType(stacks, 'AWS::ECS::ExpressGatewayService')) {
    const monthly = sumIdle(priced.lines, service.stack.id, service.logicalId);
    traps.push({
      id: 'ecs-express-always-on',
      stack: service.stack.id,
      resource: service.logicalId,
      monthlyUsd: monthly,
      message:
        `dashboardHosting ecs-express keeps a Fargate task, a load balancer and public IPv4 addresses running: ` +
        `+${usd(monthly)}/month even when nobody opens the dashboard (${region}). dashboardHosting lambda idles at $0.`,
    });
  }

  return traps;
}
