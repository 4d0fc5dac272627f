import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
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

/**
 * Acknowledges `AwsSolutions-IAM5` for exactly these resources (ARN tokens) and wildcard actions
 * (e.g. `s3:GetObject*` from `grantRead`) on `scope`; any other wildcard still fails synthesis.
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
  actions: readonly string[] = [],
): void {
  for (const action of actions) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
  }
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
