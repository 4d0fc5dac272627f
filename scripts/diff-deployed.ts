/**
 * Compares the synthesized app with the deployed stacks through the CDK's programmatic toolkit
 * (`@aws-cdk/toolkit-lib`), the same code `cdk diff` runs. With the template method it reads each
 * deployed template through the bootstrap lookup role (read-only; it falls back to the current
 * credentials when that role cannot be assumed) and returns the diff as data.
 */
import './diff-plain-text';
import { DiffMethod, StackSelectionStrategy, Toolkit, type IIoHost } from '@aws-cdk/toolkit-lib';
import { fromDeployedDiff, type StackComparison } from './diff-compare';
import { readTemplate, UsageError, type StackArtifact } from './diff-synth';

/** How the deployed stacks are read: the template (read-only) or a change set (needs the deploy role). */
export type DeployedMethod = 'template' | 'auto' | 'change-set';

function diffMethod(method: DeployedMethod): DiffMethod {
  switch (method) {
    case 'template':
      return DiffMethod.TemplateOnly();
    case 'auto':
      return DiffMethod.ChangeSet({ fallbackToTemplate: true });
    case 'change-set':
      return DiffMethod.ChangeSet({ fallbackToTemplate: false });
  }
}

/**
 * The toolkit's messages: warnings (a lookup role that cannot be assumed, say) go to stderr, except
 * the request to confirm broadened permissions, which an interactive deploy asks and the review's
 * IAM section answers; errors are thrown as well, and reported once from there; the diff itself is
 * returned as data, not printed.
 */
const ioHost: IIoHost = {
  notify(msg) {
    if (
      msg.level === 'warn' &&
      !msg.message.startsWith('This deployment will make potentially sensitive changes')
    ) {
      process.stderr.write(`${msg.message}\n`);
    }
    return Promise.resolve();
  },
  requestResponse<T>(msg: { defaultResponse: T }): Promise<T> {
    return Promise.resolve(msg.defaultResponse);
  },
};

/** The name the toolkit gives a stack's diff: the stack's ID, with its CloudFormation name when that differs. */
function toolkitName(stack: StackArtifact): string {
  return stack.stackName === stack.artifactId ? stack.id : `${stack.id} (${stack.stackName})`;
}

export async function compareWithDeployed(
  assemblyDir: string,
  stacks: readonly StackArtifact[],
  method: DeployedMethod,
): Promise<StackComparison[]> {
  const toolkit = new Toolkit({ ioHost, color: false, emojis: false });
  const assembly = await toolkit.fromAssemblyDirectory(assemblyDir);
  let diffs: Awaited<ReturnType<Toolkit['diff']>>;
  try {
    diffs = await toolkit.diff(assembly, {
      stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
      method: diffMethod(method),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(
      `Reading the deployed stacks failed: ${message}\n\n` +
        'Comparing with the deployed stacks needs AWS credentials that can read their templates (the CDK bootstrap ' +
        "lookup role, or the pull-request diff role's own CloudFormation read permissions). Without them, compare " +
        'with a git ref instead: npm run diff -- --base origin/main',
    );
  }
  return stacks.map((stack) => {
    const diff = diffs[toolkitName(stack)];
    if (!diff) {
      throw new UsageError(
        `The CDK toolkit returned no diff for stack ${stack.id}; run npx cdk diff ${stack.id} to see why.`,
      );
    }
    return fromDeployedDiff({ ...stack, after: readTemplate(stack.templateFile), diff });
  });
}
