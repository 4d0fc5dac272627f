import type { AwakeEstimate } from './awake';
import { deploymentFacts, type DeploymentFacts } from './facts';
import type { CostLine, FreeResource, PricingContext } from './lines';
import { functionInvocations } from './pricers/compute';
import { priceLogGroup } from './pricers/storage';
import { pricesFor, type PriceEntry, type RegionPrices } from './prices';
import { TYPICAL_PROFILE, idleProfile, type UsageProfile } from './profile';
import { RESOURCE_TYPES } from './resource-types';
import {
  allResources,
  fromTemplates,
  readAssembly,
  regionOf,
  type StackTemplate,
  type TemplateMap,
} from './templates';
import { findCostTraps, type CostTrap } from './traps';
import { monthlyUsage } from './usage';

/**
 * `estimateCost`: the monthly cost of a synthesized app, per stack and per resource, idle and under
 * a usage profile, from its templates, the price list and the profile.
 *
 * ```ts
 * const before = estimateCost('cdk.out.base');           // a cloud assembly folder
 * const after = estimateCost({ Database: templateJson });  // or templates by stack ID
 * const delta = costDelta(before, after);                 // { idleMonthlyUsd, typicalMonthlyUsd, lines }
 * ```
 */

export type CostSource = string | TemplateMap | readonly StackTemplate[];

export interface EstimateOptions {
  /** Region whose prices apply. @default the stacks' own Region, or us-east-1 for environment-agnostic stacks */
  readonly region?: string;
  /** Usage the typical figures assume. @default TYPICAL_PROFILE */
  readonly profile?: UsageProfile;
}

export interface CostEstimate {
  readonly region: string;
  /** Sum of the lines' idle figures, USD per month. */
  readonly idleMonthlyUsd: number;
  /** Sum of the lines' typical figures, USD per month. */
  readonly typicalMonthlyUsd: number;
  /** One line per priced item, in stack and logical ID order. */
  readonly lines: readonly CostLine[];
  /** Resources without a charge of their own, with the reason. */
  readonly free: readonly FreeResource[];
  /** Resource types the model neither prices nor lists as free (should be empty). */
  readonly unclassified: readonly {
    readonly stack: string;
    readonly resource: string;
    readonly type: string;
  }[];
  /** What keeps Aurora awake, idle and typical. */
  readonly awake: { readonly idle: AwakeEstimate; readonly typical: AwakeEstimate };
  /** Settings that defeat scale-to-zero or add a fixed monthly cost, with the figure. */
  readonly traps: readonly CostTrap[];
  readonly profile: UsageProfile;
  /** Prices used whose figure no AWS text confirmed (see cost/prices.json). */
  readonly unconfirmedPrices: readonly PriceEntry[];
}

function stacksOf(source: CostSource): StackTemplate[] {
  if (typeof source === 'string') return readAssembly(source);
  if (Array.isArray(source)) return [...(source as readonly StackTemplate[])];
  return fromTemplates(source as TemplateMap);
}

/** The lines of every resource, for the given facts (the traps re-run this with a setting changed). */
export function priceStacks(
  stacks: readonly StackTemplate[],
  facts: DeploymentFacts,
  prices: RegionPrices,
  profile: UsageProfile,
): Pick<CostEstimate, 'lines' | 'free' | 'unclassified' | 'idleMonthlyUsd' | 'typicalMonthlyUsd' | 'awake'> {
  const ctx: PricingContext = {
    prices,
    facts,
    stacks,
    idle: monthlyUsage(facts, idleProfile(profile)),
    typical: monthlyUsage(facts, profile),
  };
  const lines: CostLine[] = [];
  const free: FreeResource[] = [];
  const unclassified: CostEstimate['unclassified'][number][] = [];
  for (const located of allResources(stacks)) {
    const classification = RESOURCE_TYPES[located.resource.Type];
    const where = { stack: located.stack.id, resource: located.logicalId, type: located.resource.Type };
    if (!classification) unclassified.push(where);
    else if (classification.kind === 'free') free.push({ ...where, reason: classification.reason });
    else if (classification.pricer === 'log-group') {
      lines.push(...priceLogGroup(located, ctx, (fn, u) => functionInvocations(fn, ctx, u)));
    } else lines.push(...classification.pricer(located, ctx));
  }
  return {
    lines,
    free,
    unclassified,
    idleMonthlyUsd: lines.reduce((sum, l) => sum + l.idleMonthlyUsd, 0),
    typicalMonthlyUsd: lines.reduce((sum, l) => sum + l.typicalMonthlyUsd, 0),
    awake: { idle: ctx.idle.awake, typical: ctx.typical.awake },
  };
}

/** The Region an estimate prices: the option, else the stacks' own, else us-east-1. */
export function estimateRegion(stacks: readonly StackTemplate[], region?: string): string {
  return region ?? stacks.map(regionOf).find((r) => r !== undefined) ?? 'us-east-1';
}

/**
 * Estimates the monthly cost of the app in `source`: a cloud assembly folder (what `cdk synth`
 * wrote), templates by stack ID, or stack templates.
 */
export function estimateCost(source: CostSource, options: EstimateOptions = {}): CostEstimate {
  const stacks = stacksOf(source);
  const region = estimateRegion(stacks, options.region);
  const prices = pricesFor(region);
  const profile = options.profile ?? TYPICAL_PROFILE;
  const facts = deploymentFacts(stacks);
  const priced = priceStacks(stacks, facts, prices, profile);
  const usedKeys = new Set(prices.entries.map((e) => e.key));
  return {
    region,
    ...priced,
    traps: findCostTraps(stacks, facts, prices, profile, priced, (f) =>
      priceStacks(stacks, f, prices, profile),
    ),
    profile,
    unconfirmedPrices: prices.entries.filter((e) => e.unconfirmed && usedKeys.has(e.key)),
  };
}

/** How two estimates differ: totals and the lines whose figures changed (matched by stack, resource and item). */
export interface CostDelta {
  readonly idleMonthlyUsd: number;
  readonly typicalMonthlyUsd: number;
  readonly lines: ReadonlyArray<{
    readonly stack: string;
    readonly resource: string;
    readonly item: string;
    readonly idleMonthlyUsd: number;
    readonly typicalMonthlyUsd: number;
  }>;
}

/** `after` minus `before`, for a pull request's cost delta. Lines within half a cent are left out. */
export function costDelta(before: CostEstimate, after: CostEstimate): CostDelta {
  const key = (l: CostLine) => `${l.stack}\u0000${l.resource}\u0000${l.item}`;
  const old = new Map(before.lines.map((l) => [key(l), l]));
  const seen = new Set<string>();
  const lines: Array<CostDelta['lines'][number]> = [];
  const push = (l: CostLine, idle: number, typical: number) => {
    if (Math.abs(idle) >= 0.005 || Math.abs(typical) >= 0.005) {
      lines.push({
        stack: l.stack,
        resource: l.resource,
        item: l.item,
        idleMonthlyUsd: idle,
        typicalMonthlyUsd: typical,
      });
    }
  };
  for (const l of after.lines) {
    const k = key(l);
    seen.add(k);
    const b = old.get(k);
    push(l, l.idleMonthlyUsd - (b?.idleMonthlyUsd ?? 0), l.typicalMonthlyUsd - (b?.typicalMonthlyUsd ?? 0));
  }
  for (const b of before.lines) if (!seen.has(key(b))) push(b, -b.idleMonthlyUsd, -b.typicalMonthlyUsd);
  return {
    idleMonthlyUsd: after.idleMonthlyUsd - before.idleMonthlyUsd,
    typicalMonthlyUsd: after.typicalMonthlyUsd - before.typicalMonthlyUsd,
    lines,
  };
}
