import { Stack, Validations, attachCustomSynthesis } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { AppFunction } from './app-function';

const BASIC_EXECUTION_ROLE =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names it in a finding
 * (`Fn::Join` concatenated, `Ref`/`Fn::GetAtt` as `<Id.Attr>`, anything else as JSON).
 */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const n = node as Record<string, unknown>;
  if (n['Fn::Join']) {
    const [delimiter, items] = n['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (n['Fn::Sub']) return flatten(n['Fn::Sub']);
  if (n['Fn::GetAtt']) {
    const [resource, attribute] = n['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (n['Fn::ImportValue']) return flatten(n['Fn::ImportValue']);
  if (n.Ref) return `<${flatten(n.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges the cdk-nag findings every platform function shares, on the function's own role
 * (the narrowest scope): the basic execution managed policy and, when given,
 * resource wildcards for object prefixes (S3 has no narrower resource for "any object under a
 * prefix"). The wildcard resources are named exactly as cdk-nag reports them once cross-stack
 * references are resolved, so nothing else on the role is acknowledged by accident.
 */
export function acknowledgeFunctionFindings(
  fn: AppFunction,
  wildcards?: { readonly resources: readonly string[]; readonly reason: string },
): void {
  const role = fn.role as iam.Role;
  Validations.of(role).acknowledge({
    id: BASIC_EXECUTION_ROLE,
    reason: 'AWSLambdaBasicExecutionRole only lets the function write its own logs.',
  });
  if (wildcards) acknowledgeWildcardResources(role, wildcards.resources, wildcards.reason);
}

/** Acknowledges `AwsSolutions-IAM5` for exactly these resources (ARN tokens) on `scope`. */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  // Cross-stack references only take their final form during synthesis, so the finding IDs are
  // computed then (construct validations run after references are resolved).
  scope.node.addValidation({
    validate: () => {
      const stack = Stack.of(scope);
      for (const resource of resources) {
        Validations.of(scope).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`,
          reason,
        });
      }
      return [];
    },
  });
}

/**
 * Acknowledges the cdk-nag wildcard findings (AwsSolutions-IAM5) of a role's default policy, one
 * by one, once cross-stack references are resolved (findings quote the resolved ARNs). Only
 * wildcards matching the expected patterns are acknowledged: any other wildcard added later
 * still fails synthesis.
 */
export function acknowledgeWildcards(
  role: iam.Role,
  expected: { readonly actions: RegExp[]; readonly resources: RegExp[]; readonly reason: string },
): void {
  attachCustomSynthesis(role, {
    onSynthesize: () => {
      const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
      if (!policy) return;
      const document = Stack.of(policy).resolve(policy.policyDocument) as {
        Statement?: { Effect: string; Action: string | string[]; Resource: unknown }[];
      };
      const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
      for (const statement of document.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of list(statement.Action).filter((a) => a.includes('*'))) {
          if (expected.actions.some((re) => re.test(action))) {
            Validations.of(policy).acknowledge({
              id: `AwsSolutions-IAM5[Action::${action}]`,
              reason: expected.reason,
            });
          }
        }
        for (const resource of list(statement.Resource)
          .map(flatten)
          .filter((r) => r.includes('*'))) {
          if (expected.resources.some((re) => re.test(resource))) {
            Validations.of(policy).acknowledge({
              id: `AwsSolutions-IAM5[Resource::${resource}]`,
              reason: expected.reason,
            });
          }
        }
      }
    },
  });
}
