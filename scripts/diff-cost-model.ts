/**
 * The review's cost estimator: the platform's cost model (`cost/model.ts`, the same as `npm run cost`)
 * over one side's templates, its lines grouped by stack for `costDeltaOf`.
 */
import { estimateCost, type EstimateOptions } from '../cost/model';
import { describeProfile } from '../cost/report';
import { TYPICAL_PROFILE } from '../cost/profile';
import type { TemplateMap } from '../cost/templates';
import type { CostEstimator, StackCost } from './diff-cost';

/** Prices each side of the comparison as a whole app; stacks are keyed by their CloudFormation name. */
export function modelEstimator(options: EstimateOptions = {}): CostEstimator {
  return (templates) => {
    const stacks = new Map<
      string,
      { idleUsd: number; typicalUsd: number; lines: StackCost['lines'][number][] }
    >();
    for (const name of templates.keys()) stacks.set(name, { idleUsd: 0, typicalUsd: 0, lines: [] });
    if (templates.size === 0) return stacks;
    const estimate = estimateCost(Object.fromEntries(templates) as TemplateMap, options);
    for (const line of estimate.lines) {
      const stack = stacks.get(line.stack)!;
      stack.idleUsd += line.idleMonthlyUsd;
      stack.typicalUsd += line.typicalMonthlyUsd;
      stack.lines.push({
        key: `${line.resource}/${line.item}`,
        label: `${line.item} (${line.resource})`,
        idleUsd: line.idleMonthlyUsd,
        typicalUsd: line.typicalMonthlyUsd,
      });
    }
    return stacks;
  };
}

/** What the figures assume, shown under the cost table. */
export function costBasis(options: EstimateOptions = {}): string {
  return (
    `Estimated by the cost model (npm run cost) in ${options.region ?? 'us-east-1'}, list prices before tax. ` +
    `Idle: nobody sends data or opens the dashboard. Typical: ${describeProfile(options.profile ?? TYPICAL_PROFILE)}.`
  );
}
