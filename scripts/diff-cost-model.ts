/**
 * The review's cost estimator: the platform's cost model (`cost/model.ts`, the same as `npm run cost`)
 * over one side's templates, its lines grouped by stack for `costDeltaOf`. The free tier's credits are
 * the account's, not a stack's: they form a group of their own, `AWS Free Tier`, so the sum over the
 * groups is the total with the free tier and each stack shows its list prices.
 */
import { FREE_TIER_ASSUMPTION, FREE_TIER_GROUP } from '../cost/free-tier';
import { estimateCost, type EstimateOptions } from '../cost/model';
import { describeProfile } from '../cost/report';
import { TYPICAL_PROFILE } from '../cost/profile';
import type { TemplateMap } from '../cost/templates';
import type { CostEstimator, StackCost } from './diff-cost';

type Group = { idleUsd: number; typicalUsd: number; lines: StackCost['lines'][number][] };

/** Prices each side of the comparison as a whole app; stacks are keyed by their CloudFormation name. */
export function modelEstimator(options: EstimateOptions = {}): CostEstimator {
  return (templates) => {
    const groups = new Map<string, Group>();
    for (const name of templates.keys()) groups.set(name, { idleUsd: 0, typicalUsd: 0, lines: [] });
    if (templates.size === 0) return groups;
    const estimate = estimateCost(Object.fromEntries(templates) as TemplateMap, options);
    const add = (group: Group, key: string, label: string, idleUsd: number, typicalUsd: number) => {
      group.idleUsd += idleUsd;
      group.typicalUsd += typicalUsd;
      group.lines.push({ key, label, idleUsd, typicalUsd });
    };
    for (const line of estimate.lines) {
      const label = `${line.item} (${line.resource})`;
      add(
        groups.get(line.stack)!,
        `${line.resource}/${line.item}`,
        label,
        line.idleMonthlyUsd,
        line.typicalMonthlyUsd,
      );
    }
    if (estimate.freeTier.applied) {
      const credits: Group = { idleUsd: 0, typicalUsd: 0, lines: [] };
      for (const c of estimate.freeTier.credits) {
        add(credits, c.allowance, `always free: ${c.description}`, c.idleMonthlyUsd, c.typicalMonthlyUsd);
      }
      groups.set(FREE_TIER_GROUP, credits);
    }
    return groups;
  };
}

/** What the figures assume, shown under the cost table. */
export function costBasis(options: EstimateOptions = {}): string {
  const freeTier =
    (options.freeTier ?? true)
      ? `less AWS's always-free monthly allowances (the ${FREE_TIER_GROUP} row; it ${FREE_TIER_ASSUMPTION})`
      : 'no free tier';
  return (
    `Estimated by the cost model (npm run cost) in ${options.region ?? 'us-east-1'}, list prices before tax, ${freeTier}. ` +
    `Idle: nobody sends data or opens the dashboard. Typical: ${describeProfile(options.profile ?? TYPICAL_PROFILE)}.`
  );
}
