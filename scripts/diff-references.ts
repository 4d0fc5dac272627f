/**
 * Stacks that read an output of another stack which this change alters.
 *
 * With weak cross-stack references (`Fn::GetStackOutput`, the app's `defaultCrossStackReferences`),
 * the consumer resolves the producer's output when the consumer is created or updated, and is not
 * told when the output changes later: it keeps the old value until it is deployed again
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html).
 * With `Fn::ImportValue`, CloudFormation refuses to change an exported value another stack imports
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html).
 *
 * An output changes when its value in the template changes or it is removed, and also when its value
 * stays `{ "Ref": "X" }` but X is replaced: the text is the same, the physical ID is new.
 */
import './diff-plain-text';
import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { StackComparison, Template } from './diff-compare';

export type ReadFunction = 'Fn::GetStackOutput' | 'Fn::ImportValue';

export interface StaleReader {
  /** CloudFormation name of the stack that reads the output. */
  readonly consumer: string;
  /** Its ID in the app, for `cdk deploy <id>`. */
  readonly consumerId: string;
  /** Whether the consumer's own template changes too (then a full deploy updates it anyway). */
  readonly consumerChanges: boolean;
  readonly producer: string;
  readonly producerId: string;
  /** The output's logical ID in the producer's template. */
  readonly output: string;
  readonly via: ReadFunction;
  /** How the output changes, e.g. "its value changes" or "it refers to LakeBucket9CD7BBD2, which is replaced". */
  readonly why: string;
  /** What to do, in one sentence. */
  readonly advice: string;
}

interface Read {
  readonly producer: string;
  readonly output: string;
  readonly via: ReadFunction;
}

/** Every consumer (in the app after the change) that reads an output the change alters. */
export function findStaleReaders(stacks: readonly StackComparison[]): StaleReader[] {
  const byName = new Map(stacks.map((s) => [s.stackName, s]));
  const exports = exportsByName(stacks);
  const readers: StaleReader[] = [];
  for (const consumer of stacks) {
    // A new stack is created after the stacks it reads (cdk deploy orders them), so it reads the new value.
    if (!consumer.after || consumer.status === 'added') continue;
    const seen = new Set<string>();
    for (const read of readsOf(consumer.after, exports)) {
      const key = `${read.producer}/${read.output}/${read.via}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const producer = byName.get(read.producer);
      if (!producer || producer === consumer) continue;
      const why = changedOutputs(producer).get(read.output);
      if (!why) continue;
      const consumerChanges = consumer.status !== 'unchanged';
      readers.push({
        consumer: consumer.stackName,
        consumerId: consumer.id,
        consumerChanges,
        producer: producer.stackName,
        producerId: producer.id,
        output: read.output,
        via: read.via,
        why,
        advice: adviceFor(read.via, consumer, producer, consumerChanges),
      });
    }
  }
  return readers;
}

/**
 * `cdk deploy` skips a stack whose template and tags match the deployed ones unless given `--force`
 * (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html), so a reader whose own template
 * does not change needs it to resolve the new value.
 */
function adviceFor(
  via: ReadFunction,
  consumer: StackComparison,
  producer: StackComparison,
  consumerChanges: boolean,
): string {
  if (via === 'Fn::ImportValue') {
    return (
      `CloudFormation refuses to change an exported value while ${consumer.stackName} imports it, so deploying ` +
      `${producer.stackName} fails: stop importing it in ${consumer.stackName} first.`
    );
  }
  return consumerChanges
    ? `redeploy ${consumer.stackName} after ${producer.stackName} (cdk deploy --all does, in that order) so that it reads the new value.`
    : `redeploy ${consumer.stackName} after ${producer.stackName} so that it reads the new value: ` +
        `npx cdk deploy ${consumer.id} --force (its template does not change, so without --force the deploy skips it).`;
}

/** Outputs of a stack that change, with how. New outputs change nothing for existing readers. */
export function changedOutputs(stack: StackComparison): Map<string, string> {
  const changed = new Map<string, string>();
  for (const [name, change] of Object.entries(stack.diff.outputs.changes)) {
    if (change.isRemoval) changed.set(name, 'it is removed');
    else if (change.isUpdate) changed.set(name, 'its value changes');
  }
  const replaced = new Map<string, string>();
  for (const [logicalId, change] of Object.entries(stack.diff.resources.changes)) {
    if (change.changeImpact === ResourceImpact.WILL_REPLACE) replaced.set(logicalId, 'is replaced');
    if (change.changeImpact === ResourceImpact.MAY_REPLACE) replaced.set(logicalId, 'may be replaced');
  }
  for (const [name, output] of Object.entries(stack.after?.Outputs ?? {})) {
    if (changed.has(name)) continue;
    const target = [...referencedResources(output.Value)].find((id) => replaced.has(id));
    if (target) changed.set(name, `it refers to ${target}, which ${replaced.get(target)}`);
  }
  return changed;
}

/** Logical IDs a template value refers to through `Ref`, `Fn::GetAtt` or `Fn::Sub`. */
function referencedResources(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedResources(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner)
          ? inner[0]
          : typeof inner === 'string'
            ? inner.split('.')[0]
            : undefined;
        if (typeof target === 'string') into.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{([^!}.][^}.]*)(?:\.[^}]*)?\}/g)) into.add(m[1]!);
        }
        if (Array.isArray(inner)) referencedResources(inner[1], into);
      } else referencedResources(inner, into);
    }
  }
  return into;
}

/** Export name -> the stack and output that export it, for `Fn::ImportValue`. */
function exportsByName(stacks: readonly StackComparison[]): Map<string, { stack: string; output: string }> {
  const exports = new Map<string, { stack: string; output: string }>();
  for (const stack of stacks) {
    for (const template of [stack.before, stack.after]) {
      for (const [output, definition] of Object.entries(template?.Outputs ?? {})) {
        const name = definition.Export?.Name;
        if (typeof name === 'string') exports.set(name, { stack: stack.stackName, output });
      }
    }
  }
  return exports;
}

/** The outputs of other stacks a template reads: literal stack and output names only (a token cannot be matched). */
function readsOf(template: Template, exports: Map<string, { stack: string; output: string }>): Read[] {
  const reads: Read[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Fn::GetStackOutput' && inner && typeof inner === 'object' && !Array.isArray(inner)) {
        const { StackName, OutputName } = inner as Record<string, unknown>;
        if (typeof StackName === 'string' && typeof OutputName === 'string') {
          reads.push({ producer: StackName, output: OutputName, via: 'Fn::GetStackOutput' });
        }
      } else if (key === 'Fn::ImportValue' && typeof inner === 'string') {
        const exported = exports.get(inner);
        if (exported)
          reads.push({ producer: exported.stack, output: exported.output, via: 'Fn::ImportValue' });
      }
      walk(inner);
    }
  };
  walk(template.Resources);
  walk(template.Outputs);
  walk(template['Conditions']);
  return reads;
}
