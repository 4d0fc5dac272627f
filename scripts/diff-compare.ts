/**
 * One stack's two templates and the CDK's own diff between them (`@aws-cdk/cloudformation-diff`,
 * the library behind `cdk diff`): the input of every rule in the review. Both ways of comparing end
 * here: two synthesized templates (`--base`), or the CDK toolkit's diff against the deployed stack.
 */
import './diff-plain-text';
import { fullDiff, formatDifferences, type TemplateDiff } from '@aws-cdk/cloudformation-diff';

/** A CloudFormation template, as far as the review reads it. */
export interface Template {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
  readonly Outputs?: Readonly<Record<string, TemplateOutput>>;
  readonly [section: string]: unknown;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly [attribute: string]: unknown;
}

export interface TemplateOutput {
  readonly Value?: unknown;
  readonly Export?: { readonly Name?: unknown };
  readonly [attribute: string]: unknown;
}

/** How a stack changes as a whole. `added`: not deployed (or not in the base) yet; `removed`: no longer in the app. */
export type StackStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface StackComparison {
  /** The stack's ID in the app (what `cdk deploy <stack>` takes). */
  readonly id: string;
  /** The CloudFormation stack name (what other stacks' `Fn::GetStackOutput` names). */
  readonly stackName: string;
  readonly status: StackStatus;
  /** The stack before the change; undefined when it is new. */
  readonly before?: Template;
  /** The stack after the change; undefined when it left the app. */
  readonly after?: Template;
  /** The CDK's diff from `before` to `after`, with the toolkit's own bookkeeping hidden. */
  readonly diff: TemplateDiff;
  /** The stack's account when the app pins it (a literal account ID); undefined for environment-agnostic stacks. */
  readonly account?: string;
}

/** Compares two templates of one stack with the CDK's diff library. */
export function compareStack(stack: {
  readonly id: string;
  readonly stackName: string;
  readonly before?: Template;
  readonly after?: Template;
  readonly account?: string;
}): StackComparison {
  if (!stack.before && !stack.after) {
    throw new Error(`Stack ${stack.id}: neither a template before nor after the change; nothing to compare.`);
  }
  const diff = hideToolkitBookkeeping(fullDiff(stack.before ?? {}, stack.after ?? {}));
  return { ...stack, diff, status: statusOf(stack.before, stack.after, diff) };
}

/**
 * A stack compared with its deployed template by the CDK toolkit, which returns the diff but not
 * the deployed template. The template before the change is rebuilt from the two: every resource and
 * output the diff does not name is the same before and after (the toolkit's `AWS::CDK::Metadata`
 * resource is left out). A stack that is not deployed has an empty template (CloudFormation
 * requires at least one resource in a deployed stack).
 */
export function fromDeployedDiff(stack: {
  readonly id: string;
  readonly stackName: string;
  readonly after: Template;
  readonly diff: TemplateDiff;
  readonly account?: string;
}): StackComparison {
  const diff = hideToolkitBookkeeping(stack.diff);
  const resources = { ...stack.after.Resources } as Record<string, TemplateResource>;
  for (const [logicalId, change] of Object.entries(diff.resources.changes)) {
    if (change.oldValue) resources[logicalId] = change.oldValue as TemplateResource;
    else delete resources[logicalId];
  }
  // The diff hides the toolkit's metadata resource, so whether it was deployed is unknown: leave it out.
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::CDK::Metadata') delete resources[logicalId];
  }
  const outputs = { ...stack.after.Outputs } as Record<string, TemplateOutput>;
  for (const [name, change] of Object.entries(diff.outputs.changes)) {
    if (change.oldValue !== undefined) outputs[name] = change.oldValue as TemplateOutput;
    else delete outputs[name];
  }
  const deployed = Object.keys(resources).length > 0;
  const before: Template | undefined = deployed ? { Resources: resources, Outputs: outputs } : undefined;
  return { ...stack, diff, before, status: statusOf(before, stack.after, diff) };
}

function statusOf(
  before: Template | undefined,
  after: Template | undefined,
  diff: TemplateDiff,
): StackStatus {
  if (!before) return 'added';
  if (!after) return 'removed';
  return diff.isEmpty ? 'unchanged' : 'changed';
}

/**
 * Hides what the toolkit adds to every stack and what `cdk diff` hides too: the `AWS::CDK::Metadata`
 * resource (version reporting) and the `CheckBootstrapVersion` rule.
 */
function hideToolkitBookkeeping(diff: TemplateDiff): TemplateDiff {
  diff.resources = diff.resources.filter(
    (change) =>
      change?.oldResourceType !== 'AWS::CDK::Metadata' && change?.newResourceType !== 'AWS::CDK::Metadata',
  );
  diff.unknown = diff.unknown.filter(
    (change) =>
      !(change?.oldValue as Record<string, unknown> | undefined)?.['CheckBootstrapVersion'] &&
      !(change?.newValue as Record<string, unknown> | undefined)?.['CheckBootstrapVersion'],
  );
  return diff;
}

/** The construct path of a resource inside its stack (`Cluster`, `LakeBucket`), from its `aws:cdk:path` metadata. */
export function constructPath(resource: TemplateResource | undefined): string | undefined {
  const path = resource?.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return undefined;
  const parts = path.split('/').slice(1);
  if (parts.at(-1) === 'Resource' && parts.length > 1) parts.pop();
  return parts.length > 0 ? parts.join('/') : undefined;
}

/**
 * The stack's diff as `cdk diff` prints it, printed by the CDK's diff library (`formatDifferences`)
 * under a `Stack` line. A stack that left the app is described, not diffed: deploying leaves it in
 * place.
 */
export function renderStackDiff(stack: StackComparison): string {
  const title = stack.stackName === stack.id ? stack.id : `${stack.id} (${stack.stackName})`;
  const lines: string[] = [`Stack ${title}`];
  if (stack.status === 'added') lines.push('A new stack.');
  if (stack.status === 'removed') {
    lines.push(
      'The stack is no longer in the app. Deploying leaves it in place; deleting it (cdk destroy) would do this:',
    );
  }
  if (stack.diff.isEmpty) {
    lines.push('There were no differences');
    return lines.join('\n');
  }
  const chunks: string[] = [];
  // The library needs only `write`; a full Writable would buffer the text asynchronously.
  const stream = {
    write(chunk: string): boolean {
      chunks.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  formatDifferences(stream, stack.diff, { ...pathsOf(stack.before), ...pathsOf(stack.after) });
  return [...lines, chunks.join('').trimEnd()].join('\n');
}

function pathsOf(template: Template | undefined): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template?.Resources ?? {})) {
    const path = resource.Metadata?.['aws:cdk:path'];
    if (typeof path === 'string') paths[logicalId] = path;
  }
  return paths;
}
