import { count, type CostLine } from './lines';
import type { FreeTierAllowance, RegionPrices } from './prices';

/**
 * AWS's always-free monthly allowances (cost/prices.json `freeTier`), taken off an estimate's lines.
 * AWS applies an allowance to the account's whole usage of a price, not to one resource, so the model
 * sums what every line meters of the prices an allowance covers and takes off what the free units
 * would have cost: one credit per allowance, beside the lines, which stay at list prices.
 */

/** What the estimate assumes when it applies the free tier. */
export const FREE_TIER_ASSUMPTION =
  "assumes this platform is the only user of the account's always-free allowances in the region";

/** The name the credits go under where figures are grouped by stack (the diff review's cost table). */
export const FREE_TIER_GROUP = 'AWS Free Tier';

/** What one allowance takes off a month: negative dollars, idle and typical. */
export interface FreeTierCredit {
  /** The allowance's key in cost/prices.json, e.g. `cloudwatch.alarmMetrics`. */
  readonly allowance: string;
  /** The allowance in words, e.g. `10 standard-resolution alarm metrics a month`. */
  readonly description: string;
  /** The AWS page that states it. */
  readonly source: string;
  /** Dollars a month taken off the idle total (0 or less). */
  readonly idleMonthlyUsd: number;
  /** Dollars a month taken off the typical total (0 or less). */
  readonly typicalMonthlyUsd: number;
  /** How much of the allowance the platform uses, in words. */
  readonly assumption: string;
}

interface Applied {
  /** Dollars the free units are worth, at the prices they replace. */
  readonly usd: number;
  /** Units of the covered prices the platform meters. */
  readonly used: number;
}

/** Free units go to the covered prices in their listed order, each unit worth its price. */
function apply(
  allowance: FreeTierAllowance,
  metered: ReadonlyMap<string, number>,
  prices: RegionPrices,
): Applied {
  let left = allowance.freeUnits;
  let usd = 0;
  let used = 0;
  for (const key of allowance.prices) {
    const quantity = metered.get(key) ?? 0;
    const free = Math.min(quantity, left);
    usd += free * prices.usd(key);
    left -= free;
    used += quantity;
  }
  return { usd, used };
}

/** Units of each price the lines meter, idle or typical. */
function meteredTotals(lines: readonly CostLine[], side: 'idle' | 'typical'): Map<string, number> {
  const totals = new Map<string, number>();
  for (const l of lines) {
    for (const u of l.usage ?? []) totals.set(u.price, (totals.get(u.price) ?? 0) + u[side]);
  }
  return totals;
}

/** One credit per allowance of the Region's price list, for what the lines meter of its prices. */
export function freeTierCredits(lines: readonly CostLine[], prices: RegionPrices): FreeTierCredit[] {
  const idle = meteredTotals(lines, 'idle');
  const typical = meteredTotals(lines, 'typical');
  return prices.freeTier.map((allowance) => {
    const i = apply(allowance, idle, prices);
    const t = apply(allowance, typical, prices);
    const unit = prices.entry(allowance.prices[0]!).unit;
    return {
      allowance: allowance.key,
      description: allowance.allowance,
      source: allowance.source,
      idleMonthlyUsd: -i.usd || 0,
      typicalMonthlyUsd: -t.usd || 0,
      assumption:
        `The platform meters ${count(i.used)} idle and ${count(t.used)} typical of ${count(allowance.freeUnits)} free ` +
        `(unit: ${unit}). AWS: "${allowance.quote}" (${allowance.readFrom ?? allowance.source})`,
    };
  });
}
