import type { AwakeEstimate } from './awake';
import { deploymentFacts, type DeploymentFacts } from './facts';
import { FREE_TIER_ASSUMPTION, FREE_TIER_GROUP, freeTierCredits, type FreeTierCredit } from './free-tier';
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
 *
 * The lines are at list prices; AWS's always-free monthly allowances are then taken off the totals
 * (one credit per allowance), unless `freeTier: false`. Both totals are kept.
 */

export type CostSource = string | TemplateMap | readonly StackTemplate[];

export interface EstimateOptions {
  /** Region whose prices apply. @default the stacks' own Region, or us-east-1 for environment-agnostic stacks */
  readonly region?: string;
  /** Usage the typical figures assume. @default TYPICAL_PROFILE */
  readonly profile?: UsageProfile;
  /**
   * Take AWS's always-free monthly allowances off the totals, assuming the platform is their only user
   * in the account and Region.
   * @default true; false gives list prices (the totals equal the `...ListPrice` ones)
   */
  readonly freeTier?: boolean;
}

/** The free tier as an estimate applied it. */
export interface FreeTierApplied {
  readonly applied: boolean;
  /** What applying it assumes, in words. */
  readonly assumption: string;
  /** What each allowance takes off (empty when not applied). */
  readonly credits: readonly FreeTierCredit[];
}

export interface CostEstimate {
  readonly region: string;
  /** USD per month idle: the lines' idle figures, less the free tier's credits when applied. */
  readonly idleMonthlyUsd: number;
  /** USD per month under the profile: the lines' typical figures, less the free tier's credits when applied. */
  readonly typicalMonthlyUsd: number;
  /** Sum of the lines' idle figures: list prices, no free tier. */
  readonly idleMonthlyUsdListPrice: number;
  /** Sum of the lines' typical figures: list prices, no free tier. */
  readonly typicalMonthlyUsdListPrice: number;
  /** One line per priced item at list prices, in stack and logical ID order. */
  readonly lines: readonly CostLine[];
  /** AWS's always-free allowances taken off the totals. */
  readonly freeTier: FreeTierApplied;
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

/** What pricing the stacks gives: lines, credits, totals. */
export type PricedStacks = Pick<
  CostEstimate,
  | 'lines'
  | 'freeTier'
  | 'free'
  | 'unclassified'
  | 'idleMonthlyUsd'
  | 'typicalMonthlyUsd'
  | 'idleMonthlyUsdListPrice'
  | 'typicalMonthlyUsdListPrice'
  | 'awake'
>;

const sum = (figures: readonly number[]) => figures.reduce((a, b) => a + b, 0);

/**
 * The lines of every resource and the free tier's credits, for the given facts (the traps re-run this
 * with a setting changed).
 */
export function priceStacks(
  stacks: readonly StackTemplate[],
  facts: DeploymentFacts,
  prices: RegionPrices,
  profile: UsageProfile,
  freeTier = true,
): PricedStacks {
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
  const credits = freeTier ? freeTierCredits(lines, prices) : [];
  const idleList = sum(lines.map((l) => l.idleMonthlyUsd));
  const typicalList = sum(lines.map((l) => l.typicalMonthlyUsd));
  return {
    lines,
    freeTier: { applied: freeTier, assumption: FREE_TIER_ASSUMPTION, credits },
    free,
    unclassified,
    idleMonthlyUsd: idleList + sum(credits.map((c) => c.idleMonthlyUsd)),
    typicalMonthlyUsd: typicalList + sum(credits.map((c) => c.typicalMonthlyUsd)),
    idleMonthlyUsdListPrice: idleList,
    typicalMonthlyUsdListPrice: typicalList,
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
  const freeTier = options.freeTier ?? true;
  const priced = priceStacks(stacks, facts, prices, profile, freeTier);
  const usedKeys = new Set(prices.entries.map((e) => e.key));
  return {
    region,
    ...priced,
    traps: findCostTraps(stacks, facts, prices, profile, priced, (f) =>
      priceStacks(stacks, f, prices, profile, freeTier),
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

/** A free-tier credit as a line of the `AWS Free Tier` group, so deltas compare it like any line. */
function creditLine(
  credit: FreeTierCredit,
): Pick<CostLine, 'stack' | 'resource' | 'item' | 'idleMonthlyUsd' | 'typicalMonthlyUsd'> {
  return {
    stack: FREE_TIER_GROUP,
    resource: credit.allowance,
    item: credit.description,
    idleMonthlyUsd: credit.idleMonthlyUsd,
    typicalMonthlyUsd: credit.typicalMonthlyUsd,
  };
}

/**
 * `after` minus `before`, for a pull request's cost delta: the totals, and the lines (free-tier credits
 * among them, under `AWS Free Tier`) whose figures change. Lines within half a cent are left out.
 */
export function costDelta(before: CostEstimate, after: CostEstimate): CostDelta {
  type Figures = ReturnType<typeof creditLine>;
  const key = (l: Figures) => `${l.stack}\u0000${l.resource}\u0000${l.item}`;
  const linesOf = (e: CostEstimate): Figures[] => [...e.lines, ...e.freeTier.credits.map(creditLine)];
  const old = new Map(linesOf(before).map((l) => [key(l), l]));
  const seen = new Set<string>();
  const lines: Array<CostDelta['lines'][number]> = [];
  const push = (l: Figures, idle: number, typical: number) => {
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
  for (const l of linesOf(after)) {
    const k = key(l);
    seen.add(k);
    const b = old.get(k);
    push(l, l.idleMonthlyUsd - (b?.idleMonthlyUsd ?? 0), l.typicalMonthlyUsd - (b?.typicalMonthlyUsd ?? 0));
  }
  for (const b of linesOf(before)) if (!seen.has(key(b))) push(b, -b.idleMonthlyUsd, -b.typicalMonthlyUsd);
  return {
    idleMonthlyUsd: after.idleMonthlyUsd - before.idleMonthlyUsd,
    typicalMonthlyUsd: after.typicalMonthlyUsd - before.typicalMonthlyUsd,
    lines,
  };
}
