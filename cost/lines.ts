import type { DeploymentFacts } from './facts';
import type { RegionPrices } from './prices';
import type { Located, StackTemplate } from './templates';
import type { MonthlyUsage } from './usage';

/** One priced item of one resource: what it costs idle and under the usage profile, and why. */
export interface CostLine {
  /** Stack ID (e.g. `Database`). */
  readonly stack: string;
  /** Logical ID of the resource in its template. */
  readonly resource: string;
  readonly type: string;
  /** What is priced, e.g. `ACU-hours` or `provisioned memory`. */
  readonly item: string;
  readonly idleMonthlyUsd: number;
  readonly typicalMonthlyUsd: number;
  /** The assumption and the arithmetic behind the figures, in words. */
  readonly assumption: string;
  /**
   * The metered quantities behind the figures, per price, where a free-tier allowance may cover them.
   * @default none: the line's figures are not metered against an allowance
   */
  readonly usage?: readonly MeteredUsage[];
}

/** How much of one price a line bills a month, idle and typical, in the price's own unit. */
export interface MeteredUsage {
  /** The price's key in cost/prices.json, e.g. `lambda.requestsPerMillion`. */
  readonly price: string;
  readonly idle: number;
  readonly typical: number;
}

/** One metered price of a line: the quantity a month of usage bills, in the price's unit. */
export interface Meter {
  readonly price: string;
  readonly quantity: (usage: MonthlyUsage) => number;
}

/** A resource that has no charge of its own, with the reason. */
export interface FreeResource {
  readonly stack: string;
  readonly resource: string;
  readonly type: string;
  readonly reason: string;
}

/** What a pricer needs: the prices, the facts of the deployment, and a month of idle and typical usage. */
export interface PricingContext {
  readonly prices: RegionPrices;
  readonly facts: DeploymentFacts;
  readonly stacks: readonly StackTemplate[];
  readonly idle: MonthlyUsage;
  readonly typical: MonthlyUsage;
}

/** Prices one resource: zero or more lines (usually one per billed dimension). */
export type Pricer = (resource: Located, ctx: PricingContext) => CostLine[];

/** A line for `resource` whose idle and typical figures come from the same formula over each month of usage. */
export function line(
  resource: Located,
  item: string,
  cost: (usage: MonthlyUsage) => number,
  ctx: PricingContext,
  assumption: string,
): CostLine {
  return {
    stack: resource.stack.id,
    resource: resource.logicalId,
    type: resource.resource.Type,
    item,
    idleMonthlyUsd: cost(ctx.idle),
    typicalMonthlyUsd: cost(ctx.typical),
    assumption,
  };
}

/**
 * A line billed as quantities of prices (requests, GB-seconds, alarm metrics): its figures are the sum
 * of quantity × price, and it keeps the quantities so that free-tier allowances can be taken off.
 */
export function meteredLine(
  resource: Located,
  item: string,
  meters: readonly Meter[],
  ctx: PricingContext,
  assumption: string,
): CostLine {
  const cost = (u: MonthlyUsage) =>
    meters.reduce((sum, m) => sum + m.quantity(u) * ctx.prices.usd(m.price), 0);
  return {
    ...line(resource, item, cost, ctx, assumption),
    usage: meters.map((m) => ({
      price: m.price,
      idle: m.quantity(ctx.idle),
      typical: m.quantity(ctx.typical),
    })),
  };
}

/** A line with the same figure idle and typical (a fixed monthly charge). */
export function fixedLine(resource: Located, item: string, usd: number, assumption: string): CostLine {
  return {
    stack: resource.stack.id,
    resource: resource.logicalId,
    type: resource.resource.Type,
    item,
    idleMonthlyUsd: usd,
    typicalMonthlyUsd: usd,
    assumption,
  };
}

/** Dollars with cents, e.g. `$43.80` or `-$0.50`; small amounts keep their first significant cent fraction. */
export function usd(amount: number): string {
  if (amount < 0) return `-${usd(-amount)}`;
  if (amount !== 0 && amount < 0.005) return `$${amount.toFixed(4)}`;
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A count in words-friendly form: 26,280 or 0.5. */
export function count(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n.toFixed(2)).toString();
}
