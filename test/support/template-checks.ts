/**
 * Checks over synthesized templates that follow references between resources and stacks: which topic
 * an alarm or a budget notifies, and whether that topic's policy and key let the publisher in.
 */
import { Stack } from 'aws-cdk-lib';
import type { SynthResult } from './synth';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A service that publishes to a topic on the platform's behalf. */
export interface Publisher {
  /** `stack/logicalId` of the alarm or budget. */
  readonly source: string;
  /** The service principal that calls sns:Publish. */
  readonly principal: 'cloudwatch.amazonaws.com' | 'budgets.amazonaws.com';
  /** The topic as `stack/logicalId`, resolved through cross-stack references. */
  readonly topic: string;
}

function stacksByName(app: SynthResult): Map<string, string> {
  const byName = new Map<string, string>();
  for (const value of Object.values(app)) {
    if (value instanceof Stack) byName.set(value.stackName, value.node.id);
  }
  return byName;
}

/** Follows `Ref` (same stack) and `Fn::GetStackOutput` / `Fn::ImportValue` (other stacks) to a resource. */
export function resolveResource(app: SynthResult, stack: string, value: unknown): string | undefined {
  const v = value as Json;
  if (v?.Ref) return `${stack}/${v.Ref}`;
  if (v?.['Fn::GetAtt']) return `${stack}/${v['Fn::GetAtt'][0]}`;
  const output = v?.['Fn::GetStackOutput'] as { StackName: string; OutputName: string } | undefined;
  if (output) {
    const producer = stacksByName(app).get(output.StackName);
    if (!producer) return undefined;
    const outputs = (app.json[producer]?.Outputs ?? {}) as Json;
    return resolveResource(app, producer, outputs[output.OutputName]?.Value);
  }
  return undefined;
}

const resourcesOf = (app: SynthResult, stack: string): Json => (app.json[stack]?.Resources ?? {}) as Json;

/** Every CloudWatch alarm action and every budget notification subscriber of the app. */
export function alarmAndBudgetPublishers(app: SynthResult): Publisher[] {
  const out: Publisher[] = [];
  for (const stack of Object.keys(app.json)) {
    for (const [id, r] of Object.entries(resourcesOf(app, stack))) {
      if (r.Type === 'AWS::CloudWatch::Alarm') {
        for (const action of [...(r.Properties.AlarmActions ?? []), ...(r.Properties.OKActions ?? [])]) {
          out.push({
            source: `${stack}/${id}`,
            principal: 'cloudwatch.amazonaws.com',
            topic: resolveResource(app, stack, action) ?? JSON.stringify(action),
          });
        }
      }
      if (r.Type === 'AWS::Budgets::Budget') {
        for (const n of r.Properties.NotificationsWithSubscribers ?? []) {
          for (const s of n.Subscribers ?? []) {
            if (s.SubscriptionType !== 'SNS') continue;
            out.push({
              source: `${stack}/${id}`,
              principal: 'budgets.amazonaws.com',
              topic: resolveResource(app, stack, s.Address) ?? JSON.stringify(s.Address),
            });
          }
        }
      }
    }
  }
  return out;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function allows(statement: Json, principal: string, action: string): boolean {
  if (statement.Effect !== 'Allow') return false;
  if (!list(statement.Principal?.Service).includes(principal)) return false;
  return list(statement.Action).some(
    (a) => a === action || (typeof a === 'string' && a.endsWith('*') && action.startsWith(a.slice(0, -1))),
  );
}

/**
 * Why `publisher` could not deliver, or nothing: the topic must exist with a topic policy that lets the
 * service publish (scoped to this account, and to this account's alarms for CloudWatch), and the topic's
 * KMS key must let the service generate data keys and decrypt.
 */
export function publishProblems(app: SynthResult, publisher: Publisher): string[] {
  const [stack, topicId] = publisher.topic.split('/');
  const resources = resourcesOf(app, stack!);
  const topic = resources[topicId!];
  const where = `${publisher.source} -> ${publisher.topic}`;
  if (topic?.Type !== 'AWS::SNS::Topic') return [`${where}: the target is not a topic of the app`];
  const problems: string[] = [];

  const policies = Object.values(resources).filter(
    (r: Json) =>
      r.Type === 'AWS::SNS::TopicPolicy' &&
      list(r.Properties.Topics).some((t) => (t as Json)?.Ref === topicId),
  ) as Json[];
  const statements = policies.flatMap((p) => list(p.Properties.PolicyDocument.Statement)) as Json[];
  const publish = statements.filter((s) => allows(s, publisher.principal, 'sns:Publish'));
  if (publish.length === 0)
    problems.push(`${where}: the topic policy does not let ${publisher.principal} publish`);
  for (const s of publish) {
    if (!s.Condition?.StringEquals?.['aws:SourceAccount'])
      problems.push(`${where}: ${publisher.principal} may publish without an aws:SourceAccount condition`);
    if (publisher.principal === 'cloudwatch.amazonaws.com' && !s.Condition?.ArnLike?.['aws:SourceArn'])
      problems.push(
        `${where}: CloudWatch may publish without an aws:SourceArn condition naming this account's alarms`,
      );
  }

  const keyRef = topic.Properties.KmsMasterKeyId;
  const keyId = resolveResource(app, stack!, keyRef);
  if (keyId) {
    const [keyStack, keyLogicalId] = keyId.split('/');
    const key = resourcesOf(app, keyStack!)[keyLogicalId!];
    const keyStatements = list(key?.Properties?.KeyPolicy?.Statement) as Json[];
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      if (!keyStatements.some((s) => allows(s, publisher.principal, action)))
        problems.push(`${where}: the topic's key does not allow ${publisher.principal} ${action}`);
    }
  } else if (typeof keyRef === 'string' && keyRef.includes('alias/aws/sns')) {
    problems.push(`${where}: the AWS-managed SNS key cannot be used by ${publisher.principal}`);
  }
  return problems;
}

/** A service of the app that signs in to the database: a function or a dashboard hosting. */
export interface DatabaseClient {
  /** `stack/logicalId` of the function or service. */
  readonly service: string;
  /** `stack/logicalId` of the role its code runs with. */
  readonly role: string;
  /** Its environment: variable name to value (as in the template). */
  readonly environment: Record<string, unknown>;
}

/**
 * Every function, App Runner service and ECS Express service whose environment names a database
 * secret (`DB_SECRET_ARN`), with the role its code runs as.
 */
export function databaseClients(app: SynthResult): DatabaseClient[] {
  const out: DatabaseClient[] = [];
  const pairs = (v: unknown) =>
    Object.fromEntries(list(v).map((e) => [(e as Json).Name, (e as Json).Value])) as Record<string, unknown>;
  for (const stack of Object.keys(app.json)) {
    for (const [id, r] of Object.entries(resourcesOf(app, stack))) {
      let role: string | undefined;
      let environment: Record<string, unknown> = {};
      if (r.Type === 'AWS::Lambda::Function') {
        role = resolveResource(app, stack, r.Properties.Role);
        environment = r.Properties.Environment?.Variables ?? {};
      } else if (r.Type === 'AWS::AppRunner::Service') {
        role = resolveResource(app, stack, r.Properties.InstanceConfiguration?.InstanceRoleArn);
        environment = pairs(
          r.Properties.SourceConfiguration?.ImageRepository?.ImageConfiguration?.RuntimeEnvironmentVariables,
        );
      } else if (r.Type === 'AWS::ECS::ExpressGatewayService') {
        role = resolveResource(app, stack, r.Properties.TaskRoleArn);
        environment = pairs(r.Properties.PrimaryContainer?.Environment);
      } else continue;
      if (environment.DB_SECRET_ARN === undefined) continue;
      out.push({ service: `${stack}/${id}`, role: role ?? '?', environment });
    }
  }
  return out;
}

/**
 * The secrets (`stack/logicalId`, resolved through cross-stack references) each role may read with
 * `secretsmanager:GetSecretValue`, by role (`stack/logicalId`).
 */
export function secretReadsByRole(app: SynthResult): Map<string, Set<string>> {
  const reads = new Map<string, Set<string>>();
  for (const stack of Object.keys(app.json)) {
    for (const r of Object.values(resourcesOf(app, stack)) as Json[]) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      const secrets = (list(r.Properties.PolicyDocument.Statement) as Json[])
        .filter((st) => st.Effect === 'Allow' && list(st.Action).includes('secretsmanager:GetSecretValue'))
        .flatMap((st) => list(st.Resource))
        .map((resource) => resolveResource(app, stack, resource) ?? JSON.stringify(resource));
      for (const roleRef of list(r.Properties.Roles)) {
        const role = resolveResource(app, stack, roleRef) ?? JSON.stringify(roleRef);
        const set = reads.get(role) ?? new Set<string>();
        for (const secret of secrets) set.add(secret);
        reads.set(role, set);
      }
    }
  }
  return reads;
}

/**
 * CloudFormation resource types that accept tags, with the name of their tag property, from the
 * CloudFormation resource specification that aws-cdk-lib's diff tooling ships
 * (`@aws-cdk/aws-service-spec`).
 */
export async function taggableTypes(): Promise<Map<string, string>> {
  const { loadAwsServiceSpec } = (await import('@aws-cdk/aws-service-spec')) as {
    loadAwsServiceSpec: () => Promise<{
      all: (
        table: 'resource',
      ) => Iterable<{ cloudFormationType: string; tagInformation?: { tagPropertyName: string } }>;
    }>;
  };
  const db = await loadAwsServiceSpec();
  const out = new Map<string, string>();
  for (const resource of db.all('resource')) {
    if (resource.tagInformation)
      out.set(resource.cloudFormationType, resource.tagInformation.tagPropertyName);
  }
  return out;
}
