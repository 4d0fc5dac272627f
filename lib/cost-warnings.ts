import { Annotations, type App, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { estimateCost } from '../cost/model';
import type { StackTemplate, TemplateResource } from '../cost/templates';

/** Prefix of the cost warnings' IDs; acknowledge one with `Annotations.of(x).acknowledgeWarning('@analytics/cost:<id>')`. */
export const COST_WARNING_PREFIX = '@analytics/cost';

/**
 * Makes `cdk synth` warn, with the figure, about every setting that defeats scale-to-zero or adds a
 * fixed monthly cost. The check runs the cost model over the templates the stacks are about to
 * render (after every construct and Aspect has done its work, before the assembly is written),
 * and attaches each trap as a warning to the resource it is about.
 */
export function warnOfCostTraps(app: App): void {
  app.node.addValidation({
    validate: () => {
      annotateCostTraps(app);
      return [];
    },
  });
}

function annotateCostTraps(app: App): void {
  const stacks = new Map<Stack, Record<string, TemplateResource>>();
  const constructs = new Map<string, IConstruct>();
  for (const construct of app.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    const stack = Stack.of(construct);
    const rendered = stack.resolve(construct._toCloudFormation()) as {
      Resources?: Record<string, TemplateResource>;
    };
    const resources = stacks.get(stack) ?? {};
    for (const [logicalId, resource] of Object.entries(rendered.Resources ?? {})) {
      resources[logicalId] = resource;
      constructs.set(`${stack.node.id}/${logicalId}`, construct);
    }
    stacks.set(stack, resources);
  }
  const templates: StackTemplate[] = [...stacks].map(([stack, resources]) => ({
    id: stack.node.id,
    stackName: stack.stackName,
    resources,
  }));
  // Prices of us-east-1 for environment-agnostic stacks, as `npm run cost` shows them.
  for (const trap of estimateCost(templates).traps) {
    const target = constructs.get(`${trap.stack}/${trap.resource}`) ?? app;
    Annotations.of(target).addWarningV2(`${COST_WARNING_PREFIX}:${trap.id}`, trap.message);
  }
}
