/**
 * The review's rules over one stack's diff, read from the CDK diff library's objects (resource
 * impacts, IAM statements, security group rules), never from its printed tables:
 *
 * - what happens to each resource (created, updated, replaced, possibly replaced, destroyed, orphaned);
 * - which of those lose data: a stateful resource replaced, possibly replaced, removed or orphaned;
 * - which security changes to call out: ingress open to the internet (egress never is), IAM
 *   statements that add `*` actions or resources, and new trust to principals outside the account.
 */
import './diff-plain-text';
import { ResourceImpact, type ResourceDifference } from '@aws-cdk/cloudformation-diff';
import { constructPath, type StackComparison, type TemplateResource } from './diff-compare';

/**
 * Resource types that hold data. Replacing, removing or orphaning one loses data or disconnects the
 * platform from it, so such a change fails the pull-request check unless labelled.
 */
export const STATEFUL_TYPES: ReadonlyMap<string, string> = new Map([
  ['AWS::RDS::DBCluster', 'the database cluster and all its data'],
  [
    'AWS::RDS::DBInstance',
    'a database instance (the data is in the cluster; the database is unavailable until an instance is back)',
  ],
  ['AWS::S3::Bucket', 'a bucket and the objects in it'],
  ['AWS::Glue::Database', 'the Glue database every Athena table belongs to'],
  [
    'AWS::Glue::Table',
    'a Glue table (its schema and any partitions stored in the catalog; queries that name it fail until it is back)',
  ],
  ['AWS::SecretsManager::Secret', 'a secret (replacing the database secret changes its password)'],
  ['AWS::KMS::Key', 'an encryption key (data encrypted with a deleted key cannot be read)'],
  ['AWS::ECR::Repository', 'an image repository and the images in it'],
  ['AWS::Logs::LogGroup', 'a log group and the log events in it'],
  ['AWS::DynamoDB::Table', 'a table and its items'],
  ['AWS::DynamoDB::GlobalTable', 'a table and its items'],
]);

/**
 * Properties that name a stateful resource. A new name is a new resource for some types (the
 * library reports a replacement) but an in-place update for others: a renamed Glue database leaves
 * its tables and every saved query pointing at the old name. So a change to one of these is
 * destructive whatever the impact.
 */
export const IDENTITY_PROPERTIES: ReadonlyMap<string, readonly string[]> = new Map([
  ['AWS::S3::Bucket', ['BucketName']],
  ['AWS::RDS::DBCluster', ['DBClusterIdentifier', 'DatabaseName']],
  ['AWS::RDS::DBInstance', ['DBInstanceIdentifier']],
  ['AWS::Glue::Database', ['DatabaseInput.Name']],
  ['AWS::Glue::Table', ['TableInput.Name', 'DatabaseName']],
  ['AWS::SecretsManager::Secret', ['Name']],
  ['AWS::ECR::Repository', ['RepositoryName']],
  ['AWS::Logs::LogGroup', ['LogGroupName']],
  ['AWS::DynamoDB::Table', ['TableName']],
]);

/** What CloudFormation does to a resource's physical resource on deploy. */
export type Impact = 'create' | 'update' | 'replace' | 'may-replace' | 'destroy' | 'orphan' | 'import';

const IMPACTS: Record<ResourceImpact, Impact> = {
  [ResourceImpact.WILL_CREATE]: 'create',
  [ResourceImpact.WILL_UPDATE]: 'update',
  // A difference the library rates as no change (metadata only, for example) still updates the stack.
  [ResourceImpact.NO_CHANGE]: 'update',
  [ResourceImpact.WILL_REPLACE]: 'replace',
  [ResourceImpact.MAY_REPLACE]: 'may-replace',
  [ResourceImpact.WILL_DESTROY]: 'destroy',
  [ResourceImpact.WILL_ORPHAN]: 'orphan',
  [ResourceImpact.WILL_IMPORT]: 'import',
};

export interface ResourceChange {
  readonly logicalId: string;
  /** Construct path inside the stack, when the template records it. */
  readonly path?: string;
  /** The resource type (the old one when it is removed or its type changes). */
  readonly type: string;
  readonly impact: Impact;
}

export type DestructiveKind = 'remove' | 'replace' | 'rename' | 'orphan' | 'stack-removed' | 'may-replace';

export interface DestructiveChange {
  /** The stack's CloudFormation name. */
  readonly stack: string;
  readonly logicalId: string;
  readonly path?: string;
  readonly type: string;
  readonly kind: DestructiveKind;
  /** Why it is destructive, in words: which property, what happens to the data. */
  readonly reason: string;
}

/** Something about a security change that a reviewer must look at. */
export type SecurityFinding =
  'open-to-internet' | 'wildcard-action' | 'wildcard-resource' | 'trust-outside-account';

export interface SecurityChange {
  readonly stack: string;
  readonly change: '+' | '-';
  readonly kind: 'iam-statement' | 'managed-policy' | 'ingress' | 'egress';
  /** One line, built from the statement or rule's values (never wrapped or truncated). */
  readonly text: string;
  readonly findings: readonly SecurityFinding[];
  /** The findings in words, e.g. "trusts account 111122223333". */
  readonly notes: readonly string[];
}

/** One stack's diff, classified. */
export interface StackReview {
  readonly stack: string;
  readonly id: string;
  readonly status: StackComparison['status'];
  readonly resources: readonly ResourceChange[];
  readonly destructive: readonly DestructiveChange[];
  readonly security: readonly SecurityChange[];
}

export function reviewStack(stack: StackComparison): StackReview {
  const resources = Object.entries(stack.diff.resources.changes).map(([logicalId, change]) =>
    resourceChange(logicalId, change),
  );
  const destructive =
    stack.status === 'removed'
      ? removedStackFindings(stack)
      : Object.entries(stack.diff.resources.changes).flatMap(([logicalId, change]) => {
          const finding = destructiveChange(stack.stackName, logicalId, change);
          return finding ? [finding] : [];
        });
  return {
    stack: stack.stackName,
    id: stack.id,
    status: stack.status,
    resources,
    destructive,
    security: securityChanges(stack),
  };
}

function resourceChange(logicalId: string, change: ResourceDifference): ResourceChange {
  return {
    logicalId,
    path: constructPath((change.newValue ?? change.oldValue) as TemplateResource | undefined),
    type: (change.oldResourceType ?? change.newResourceType)!,
    impact: IMPACTS[change.changeImpact],
  };
}

const retains = (resource: TemplateResource | undefined) =>
  resource?.DeletionPolicy === 'Retain' || resource?.DeletionPolicy === 'RetainExceptOnCreate';

function destructiveChange(
  stack: string,
  logicalId: string,
  change: ResourceDifference,
): DestructiveChange | undefined {
  const oldResource = change.oldValue as TemplateResource | undefined;
  if (!oldResource) return undefined; // a new resource loses nothing
  const type = oldResource.Type;
  const what = STATEFUL_TYPES.get(type);
  if (!what) return undefined;
  const base = { stack, logicalId, path: constructPath(oldResource), type };
  const properties = (impact: ResourceImpact) =>
    Object.entries(change.propertyUpdates)
      .filter(([, property]) => property.changeImpact === impact)
      .map(([name]) => name);

  switch (change.changeImpact) {
    case ResourceImpact.WILL_DESTROY:
      return {
        ...base,
        kind: 'remove',
        reason:
          oldResource.DeletionPolicy === 'Snapshot'
            ? `removed from the stack: CloudFormation deletes ${what}, keeping only a final snapshot`
            : `removed from the stack: CloudFormation deletes ${what}`,
      };
    case ResourceImpact.WILL_ORPHAN:
      return {
        ...base,
        kind: 'orphan',
        reason: `removed from the stack; its DeletionPolicy keeps it in the account, no longer managed (${what})`,
      };
    case ResourceImpact.WILL_REPLACE: {
      if (change.resourceTypeChanged) {
        return {
          ...base,
          kind: 'replace',
          reason: `type changes from ${change.oldResourceType} to ${change.newResourceType}: CloudFormation replaces ${what}`,
        };
      }
      const forcing = properties(ResourceImpact.WILL_REPLACE);
      return {
        ...base,
        kind: 'replace',
        reason: `will be replaced${forcing.length ? ` (${forcing.join(', ')} requires replacement)` : ''}: ${what}`,
      };
    }
    case ResourceImpact.MAY_REPLACE: {
      const forcing = properties(ResourceImpact.MAY_REPLACE);
      return {
        ...base,
        kind: 'may-replace',
        reason: `may be replaced${forcing.length ? ` (${forcing.join(', ')} may cause replacement)` : ''}: ${what}`,
      };
    }
    default: {
      const renamed = (IDENTITY_PROPERTIES.get(type) ?? []).find(
        (property) =>
          JSON.stringify(valueAt(change.oldProperties, property)) !==
          JSON.stringify(valueAt(change.newProperties, property)),
      );
      if (!renamed) return undefined;
      return {
        ...base,
        kind: 'rename',
        reason:
          `${renamed} changes from ${describe(valueAt(change.oldProperties, renamed))} to ` +
          `${describe(valueAt(change.newProperties, renamed))}: ${what} gets a new name`,
      };
    }
  }
}

/**
 * A stack that left the app is not deleted by a deploy; its stateful resources are listed because
 * deleting the stack afterwards would delete (or orphan) them.
 */
function removedStackFindings(stack: StackComparison): DestructiveChange[] {
  return Object.entries(stack.before?.Resources ?? {}).flatMap(([logicalId, resource]) => {
    const what = STATEFUL_TYPES.get(resource.Type);
    if (!what) return [];
    return [
      {
        stack: stack.stackName,
        logicalId,
        path: constructPath(resource),
        type: resource.Type,
        kind: 'stack-removed' as const,
        reason: retains(resource)
          ? `its stack is no longer in the app: deploying leaves it in place, deleting the stack would orphan ${what}`
          : `its stack is no longer in the app: deploying leaves it in place, deleting the stack would delete ${what}`,
      },
    ];
  });
}

function valueAt(properties: unknown, dotted: string): unknown {
  let value: unknown = properties;
  for (const key of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  return value === undefined ? '(generated)' : JSON.stringify(value);
}

const INTERNET = new Set(['0.0.0.0/0', '::/0']);

function securityChanges(stack: StackComparison): SecurityChange[] {
  const changes: SecurityChange[] = [];
  const name = stack.stackName;
  const { iamChanges, securityGroupChanges } = stack.diff;

  for (const [change, statements] of [
    ['+', iamChanges.statements.additions],
    ['-', iamChanges.statements.removals],
  ] as const) {
    for (const statement of statements) {
      const notes = change === '+' ? statementNotes(statement, stack.account) : [];
      const list = (targets: { values: readonly string[]; not: boolean }) =>
        `${targets.not ? 'NOT ' : ''}${targets.values.join(', ')}`;
      const condition =
        statement.condition && Object.keys(statement.condition as object).length > 0
          ? ` when ${JSON.stringify(statement.condition)}`
          : '';
      changes.push({
        stack: name,
        change,
        kind: 'iam-statement',
        text: `${statement.effect} ${list(statement.actions)} on ${list(statement.resources)} for ${list(statement.principals)}${condition}`,
        findings: notes.map((n) => n.finding),
        notes: notes.map((n) => n.note),
      });
    }
  }
  for (const [change, attachments] of [
    ['+', iamChanges.managedPolicies.additions],
    ['-', iamChanges.managedPolicies.removals],
  ] as const) {
    for (const attachment of attachments) {
      changes.push({
        stack: name,
        change,
        kind: 'managed-policy',
        text: `managed policy ${attachment.managedPolicyArn} attached to ${attachment.identityArn}`,
        findings: [],
        notes: [],
      });
    }
  }
  for (const [kind, direction, rules] of [
    ['ingress', 'from', securityGroupChanges.ingress],
    ['egress', 'to', securityGroupChanges.egress],
  ] as const) {
    for (const [change, list] of [
      ['+', rules.additions],
      ['-', rules.removals],
    ] as const) {
      for (const rule of list) {
        // Egress lets nothing in: only an ingress rule from anywhere opens the group to the internet.
        const open =
          kind === 'ingress' && change === '+' && rule.peer?.kind === 'cidr-ip' && INTERNET.has(rule.peer.ip);
        changes.push({
          stack: name,
          change,
          kind,
          text: `${kind} ${rule.describeProtocol()} ${direction} ${rule.describePeer()} (group ${rule.groupId})`,
          findings: open ? ['open-to-internet'] : [],
          notes: open ? [`admits ${rule.describeProtocol()} from the whole internet`] : [],
        });
      }
    }
  }
  return changes;
}

interface StatementLike {
  readonly effect: string;
  readonly actions: { readonly values: readonly string[]; readonly not: boolean };
  readonly resources: { readonly values: readonly string[]; readonly not: boolean };
  readonly principals: { readonly values: readonly string[]; readonly not: boolean };
}

/** The findings of an added statement: broad grants and trust outside the account. */
function statementNotes(
  statement: StatementLike,
  account: string | undefined,
): { finding: SecurityFinding; note: string }[] {
  if (statement.effect !== 'Allow') return [];
  const notes: { finding: SecurityFinding; note: string }[] = [];
  const wildActions = statement.actions.values.filter((a) => a === '*' || /^[\w-]+:\*$/.test(a));
  if (statement.actions.not) {
    notes.push({ finding: 'wildcard-action', note: 'allows every action but those listed (NotAction)' });
  } else if (wildActions.length > 0) {
    notes.push({ finding: 'wildcard-action', note: `allows ${wildActions.join(', ')}` });
  }
  if (statement.resources.not) {
    notes.push({ finding: 'wildcard-resource', note: 'on every resource but those listed (NotResource)' });
  } else if (statement.resources.values.includes('*')) {
    notes.push({ finding: 'wildcard-resource', note: 'on every resource (*)' });
  }
  for (const principal of statement.principals.values) {
    const outside = outsidePrincipal(principal, account);
    if (outside) notes.push({ finding: 'trust-outside-account', note: outside });
  }
  return notes;
}

/**
 * Whether a principal (as the library lists it: `AWS:<arn or account>`, `Service:<name>`,
 * `Federated:<provider>`, `*`) lies outside the stack's account, and how to say so. Service
 * principals are AWS services acting for the account; an account ID that is a template token
 * (`${AWS::AccountId}`) is the stack's own.
 */
function outsidePrincipal(principal: string, account: string | undefined): string | undefined {
  if (principal === '*' || principal === 'AWS:*') return 'trusts anyone (principal *)';
  if (principal.startsWith('Federated:')) {
    return `trusts identities of ${principal.slice('Federated:'.length)}`;
  }
  if (!principal.startsWith('AWS:')) return undefined;
  const arnOrAccount = principal.slice('AWS:'.length);
  if (arnOrAccount.includes('${AWS::AccountId}')) return undefined;
  // An account ID alone, or the account field of an ARN (whose partition may be `${AWS::Partition}`).
  const literal = arnOrAccount.split(':').find((part) => /^\d{12}$/.test(part));
  if (!literal || literal === account) return undefined;
  return `trusts account ${literal}`;
}
