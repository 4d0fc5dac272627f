/**
 * The security and cost invariants of the design, checked over every stack of the synthesized app
 * (with real function bundles), so that a new stack or resource is covered without a new test. The
 * app is synthesized once per dashboard hosting, since each hosting brings resources of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { DASHBOARD_HOSTINGS } from '../lib/config';
import { allResources, costWarning, synthApp, type Finding, type SynthResult } from './support/synth';
import {
  alarmAndBudgetPublishers,
  databaseClients,
  publishProblems,
  resolveResource,
  secretReadsByRole,
  taggableTypes,
} from './support/template-checks';

type Resource = ReturnType<typeof allResources>[number][2];

const props = (r: Resource) => (r.Properties ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether a resource's tags (a Key/Value list, or a map) carry the Project cost allocation tag. */
const hasProjectTag = (tags: unknown): boolean =>
  Array.isArray(tags)
    ? tags.some((t: { Key?: string; Value?: string }) => t.Key === 'Project' && t.Value === 'analytics')
    : (tags as Record<string, string> | undefined)?.Project === 'analytics';

/** The cost warnings each hosting is meant to raise at synth (its only findings). */
const HOSTING_COST_WARNINGS: Record<string, Finding[]> = {
  'ecs-express': [
    costWarning(
      'ecs-express-always-on',
      'Dashboard/Dashboard/Service',
      'dashboardHosting lambda idles at $0',
    ),
  ],
};

/** Each hosting's synthesized app, for the checks that compare synths. */
const synthesized = new Map<string, SynthResult>();

describe.each(DASHBOARD_HOSTINGS)('with dashboardHosting=%s', (hosting) => {
  let app: SynthResult;
  let resources: ReturnType<typeof allResources>;
  const ofType = (type: string) => resources.filter(([, , r]) => r.Type === type);

  beforeAll(() => {
    app = synthApp({ dashboardHosting: hosting }, { bundle: true });
    synthesized.set(hosting, app);
    resources = allResources(app);
  }, 300_000);

  describe('network', () => {
    test('no ingress from 0.0.0.0/0 or ::/0 anywhere', () => {
      const open = (rule: Record<string, unknown>) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0';
      for (const [stack, id, r] of ofType('AWS::EC2::SecurityGroup')) {
        for (const rule of (props(r).SecurityGroupIngress ?? []) as Record<string, unknown>[]) {
          expect(open(rule), `${stack}/${id}`).toBe(false);
        }
      }
      for (const [stack, id, r] of ofType('AWS::EC2::SecurityGroupIngress')) {
        expect(open(props(r)), `${stack}/${id}`).toBe(false);
      }
    });

    test('no NAT gateway and no interface endpoints to pay for', () => {
      expect(ofType('AWS::EC2::NatGateway')).toEqual([]);
      expect(
        ofType('AWS::EC2::VPCEndpoint').filter(([, , r]) => props(r).VpcEndpointType === 'Interface'),
      ).toEqual([]);
    });
  });

  describe('database', () => {
    test('Aurora: minimum capacity 0, Data API on, encrypted, deletion protection', () => {
      const clusters = ofType('AWS::RDS::DBCluster');
      expect(clusters.length).toBeGreaterThan(0);
      for (const [, , r] of clusters) {
        expect(props(r).ServerlessV2ScalingConfiguration.MinCapacity).toBe(0);
        expect(props(r).EnableHttpEndpoint).toBe(true);
        expect(props(r).StorageEncrypted).toBe(true);
        expect(props(r).DeletionProtection).toBe(true);
      }
    });
  });

  describe('buckets', () => {
    test('every bucket blocks public access, is encrypted and denies non-TLS requests', () => {
      const buckets = ofType('AWS::S3::Bucket');
      expect(buckets.length).toBeGreaterThan(0);
      const policies = ofType('AWS::S3::BucketPolicy');
      for (const [stack, id, r] of buckets) {
        expect(props(r).PublicAccessBlockConfiguration, `${stack}/${id}`).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(props(r).BucketEncryption, `${stack}/${id}`).toBeDefined();
        const policy = policies.find(([s, , p]) => s === stack && props(p).Bucket?.Ref === id);
        expect(policy, `${stack}/${id} has a bucket policy`).toBeDefined();
        const statements = props(policy![2]).PolicyDocument.Statement as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(
          statements.some(
            (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
          `${stack}/${id} denies non-TLS requests`,
        ).toBe(true);
      }
    });
  });

  describe('encryption', () => {
    test('topics and queues are encrypted', () => {
      for (const [stack, id, r] of ofType('AWS::SNS::Topic')) {
        expect(props(r).KmsMasterKeyId, `${stack}/${id}`).toBeDefined();
      }
      for (const [stack, id, r] of ofType('AWS::SQS::Queue')) {
        expect(
          props(r).SqsManagedSseEnabled === true || props(r).KmsMasterKeyId !== undefined,
          `${stack}/${id}`,
        ).toBe(true);
      }
    });

    test('Athena workgroups encrypt their results', () => {
      for (const [, , r] of ofType('AWS::Athena::WorkGroup')) {
        expect(props(r).WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration).toBeDefined();
        expect(props(r).WorkGroupConfiguration.EnforceWorkGroupConfiguration).toBe(true);
      }
    });
  });

  describe('stateful resources', () => {
    test.each([
      ['AWS::S3::Bucket', 'Retain'],
      ['AWS::RDS::DBCluster', 'Snapshot'],
      ['AWS::Glue::Database', 'Retain'],
    ])('every %s is kept on delete (%s)', (type, policy) => {
      const found = ofType(type);
      expect(found.length).toBeGreaterThan(0);
      for (const [stack, id, r] of found) {
        expect([r.DeletionPolicy, r.UpdateReplacePolicy], `${stack}/${id}`).toEqual([policy, policy]);
      }
    });
  });

  describe('functions and logs', () => {
    test('every log group has a retention', () => {
      for (const [stack, id, r] of ofType('AWS::Logs::LogGroup')) {
        expect(props(r).RetentionInDays, `${stack}/${id}`).toBeGreaterThan(0);
      }
    });

    test('every function logs to a log group of its own (with retention), and has bounded timeout and memory', () => {
      const logGroups = new Set(ofType('AWS::Logs::LogGroup').map(([stack, id]) => `${stack}/${id}`));
      for (const [stack, id, r] of ofType('AWS::Lambda::Function')) {
        const logGroup = props(r).LoggingConfig?.LogGroup?.Ref as string | undefined;
        expect(
          logGroup && logGroups.has(`${stack}/${logGroup}`),
          `${stack}/${id} has its own log group`,
        ).toBe(true);
        expect(props(r).Timeout, `${stack}/${id} timeout`).toBeLessThanOrEqual(900);
        expect(props(r).MemorySize, `${stack}/${id} memory`).toBeLessThanOrEqual(3008);
        expect(props(r).Architectures, `${stack}/${id} arm64`).toEqual(['arm64']);
      }
    });
  });

  describe('cost and alerts', () => {
    test('a budget with notifications exists', () => {
      const budgets = ofType('AWS::Budgets::Budget');
      expect(budgets).toHaveLength(1);
      expect(props(budgets[0][2]).NotificationsWithSubscribers.length).toBeGreaterThanOrEqual(3);
    });

    test('alarms reach a topic with subscribers', () => {
      const subscribedTopics = new Set(
        ofType('AWS::SNS::Subscription').map(([, , r]) => JSON.stringify(props(r).TopicArn)),
      );
      expect(subscribedTopics.size).toBeGreaterThan(0);
      for (const [stack, id, r] of ofType('AWS::CloudWatch::Alarm')) {
        const actions = (props(r).AlarmActions ?? []) as unknown[];
        expect(actions.length, `${stack}/${id} has alarm actions`).toBeGreaterThan(0);
        // Alarms in other stacks reference the topic through a cross-stack reference to the guardrails stack.
        expect(JSON.stringify(actions), `${stack}/${id} notifies the alerts topic`).toMatch(/AlertsTopic/);
      }
    });

    test('every taggable resource carries the Project cost allocation tag', () => {
      for (const [stack, id, r] of resources) {
        const tags = props(r).Tags as unknown;
        if (tags === undefined) continue;
        expect(hasProjectTag(tags), `${stack}/${id}`).toBe(true);
      }
    });

    test('every resource whose CloudFormation type accepts tags carries Project, aws-cdk-lib providers included', async () => {
      const taggable = await taggableTypes();
      const untagged: string[] = [];
      for (const [stack, id, r] of resources) {
        const tagProperty = taggable.get(r.Type);
        if (!tagProperty) continue;
        if (!hasProjectTag(props(r)[tagProperty])) untagged.push(`${stack}/${id} (${r.Type})`);
      }
      expect(untagged).toEqual([]);
    });

    test('every alarm action and budget notification may publish to its topic: topic policy and key policy', () => {
      const publishers = alarmAndBudgetPublishers(app);
      expect(publishers.filter((p) => p.principal === 'cloudwatch.amazonaws.com').length).toBeGreaterThan(0);
      expect(publishers.filter((p) => p.principal === 'budgets.amazonaws.com').length).toBeGreaterThan(0);
      expect(publishers.flatMap((p) => publishProblems(app, p))).toEqual([]);
    });
  });

  describe('deployments that fail half-way', () => {
    test('no custom resource (a function that can fail) shares a stack with a database cluster', () => {
      for (const [stackId, template] of Object.entries(app.json)) {
        const stackResources = Object.entries((template.Resources ?? {}) as Record<string, { Type: string }>);
        if (!stackResources.some(([, r]) => r.Type === 'AWS::RDS::DBCluster')) continue;
        const custom = stackResources
          .filter(
            ([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource',
          )
          .map(([id, r]) => `${stackId}/${id} (${r.Type})`);
        expect(
          custom,
          'a failed custom resource on first create would roll back the protected cluster',
        ).toEqual([]);
      }
    });
  });

  describe('IAM', () => {
    test('no policy allows a "*" or "service:*" action', () => {
      const documents: Array<[string, unknown]> = [];
      for (const [stack, id, r] of resources) {
        if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
          documents.push([`${stack}/${id}`, props(r).PolicyDocument]);
        }
        if (r.Type === 'AWS::IAM::Role') {
          for (const p of (props(r).Policies ?? []) as Array<{ PolicyDocument: unknown }>) {
            documents.push([`${stack}/${id}`, p.PolicyDocument]);
          }
        }
      }
      for (const [where, doc] of documents) {
        for (const statement of (doc as { Statement: Array<{ Effect: string; Action?: string | string[] }> })
          .Statement) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of [statement.Action ?? []].flat()) {
            expect(action === '*' || action.endsWith(':*'), `${where} allows ${action}`).toBe(false);
          }
        }
      }
    });
  });

  describe('database credentials', () => {
    test("each service reads exactly one secret, the one it signs in with; only the database setup reads the master's", () => {
      const reads = secretReadsByRole(app);
      const clients = databaseClients(app);
      // The master secret, and its attachment to the cluster (which the cluster hands out as its secret).
      const master = new Set(
        resources
          .filter(
            ([stack, , r]) =>
              stack === 'Database' &&
              ['AWS::SecretsManager::Secret', 'AWS::SecretsManager::SecretTargetAttachment'].includes(r.Type),
          )
          .map(([stack, id]) => `${stack}/${id}`),
      );
      expect(master.size, 'the master secret and its attachment').toBe(2);
      const signsInWith = (env: Record<string, unknown>, stack: string, name: string) =>
        env[name] === undefined ? undefined : resolveResource(app, stack, env[name]);
      const byName = (pattern: RegExp) => clients.filter((c) => pattern.test(c.service));
      // The loader, and the dashboard in whichever hosting: each its own secret, never the master's.
      const loader = byName(/^Ingestion\/Loader/);
      const dashboard = byName(/^Dashboard\//);
      expect(loader, 'the loader').toHaveLength(1);
      expect(dashboard, 'the dashboard').toHaveLength(1);
      const own = new Set<string>();
      for (const client of [...loader, ...dashboard]) {
        const stack = client.service.split('/')[0]!;
        const secret = signsInWith(client.environment, stack, 'DB_SECRET_ARN')!;
        expect(master.has(secret), `${client.service} signs in with the master secret`).toBe(false);
        expect([...(reads.get(client.role) ?? [])], `${client.service} (${client.role}) may read`).toEqual([
          secret,
        ]);
        if (client.environment.DASHBOARD_PASSWORD_SECRET_ARN !== undefined) {
          expect(signsInWith(client.environment, stack, 'DASHBOARD_PASSWORD_SECRET_ARN')).toBe(secret);
        }
        own.add(secret);
      }
      expect(own.size, 'the loader and the dashboard each have a secret of their own').toBe(2);
      // The master secret: the migrations and the role passwords, in the database setup stack only.
      const masterReaders = [...reads]
        .filter(([, secrets]) => [...secrets].some((secret) => master.has(secret)))
        .map(([role]) => role);
      expect(masterReaders.length).toBeGreaterThan(0);
      for (const role of masterReaders) expect(role, 'reads the master secret').toMatch(/^DatabaseSetup\//);
    });
  });

  describe('validation', () => {
    test('cdk-nag AwsSolutions, CloudFormation Validate and Control Tower report nothing unacknowledged', () => {
      expect(app.findings).toEqual(HOSTING_COST_WARNINGS[hosting] ?? []);
    });

    test('acknowledgements all carry a reason', () => {
      const manifest = fs.readFileSync(path.join(app.outdir, 'manifest.json'), 'utf8');
      const acks = [...manifest.matchAll(/"aws:cdk:acknowledged-rules"[\s\S]*?"data":\s*(\[[\s\S]*?\])/g)];
      for (const [, data] of acks) {
        for (const ack of JSON.parse(data) as Array<{ reason?: string }>) {
          expect(ack.reason?.length ?? 0).toBeGreaterThan(40);
        }
      }
    });
  });
});

describe('reproducible synth', () => {
  test('two synths of the same source are byte-identical (templates and asset manifests)', () => {
    // The lambda hosting bundles every function, the dashboard too.
    const first = synthesized.get('lambda')!;
    const second = synthApp({ dashboardHosting: 'lambda' }, { bundle: true });
    const files = (dir: string) =>
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.template.json') || f.endsWith('.assets.json'))
        .sort();
    expect(files(second.outdir)).toEqual(files(first.outdir));
    expect(files(first.outdir).length).toBeGreaterThan(0);
    for (const file of files(first.outdir)) {
      expect(fs.readFileSync(path.join(second.outdir, file), 'utf8'), file).toBe(
        fs.readFileSync(path.join(first.outdir, file), 'utf8'),
      );
    }
  }, 300_000);
});
