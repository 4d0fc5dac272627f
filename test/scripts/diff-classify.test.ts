import '../../scripts/diff-plain-text';
import { formatSecurityChanges } from '@aws-cdk/cloudformation-diff';
import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { reviewStack } from '../../scripts/diff-classify';
import { compareStack, renderStackDiff } from '../../scripts/diff-compare';
import { compareStackPair } from './template-pairs';

const vpcOf = (stack: Stack) =>
  new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    restrictDefaultSecurityGroup: false,
  });

describe('security group rules', () => {
  it('does not call a new group with only the default egress rule open (egress lets nothing in)', () => {
    const stack = compareStackPair((s, changed) => {
      const vpc = vpcOf(s);
      if (changed) new ec2.SecurityGroup(s, 'Group', { vpc, allowAllOutbound: true });
    });
    const review = reviewStack(stack);
    expect(review.security).toEqual([
      expect.objectContaining({
        kind: 'egress',
        change: '+',
        findings: [],
        text: expect.stringMatching(/^egress Everything to Everyone \(IPv4\)/),
      }),
    ]);
    // The library's own table shows the rule as `Out ... Everyone (IPv4)`: the row text read as "open" before.
    expect(renderStackDiff(stack)).toMatch(/│ \+ │ .* │ Out │ Everything +│ Everyone \(IPv4\) │/);
  });

  it('calls ingress from 0.0.0.0/0 and ::/0 open to the internet', () => {
    const stack = compareStackPair((s, changed) => {
      const group = new ec2.SecurityGroup(s, 'Group', { vpc: vpcOf(s), allowAllOutbound: false });
      group.addIngressRule(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(5432));
      if (changed) {
        group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443));
        group.addIngressRule(ec2.Peer.anyIpv6(), ec2.Port.tcp(443));
      }
    });
    const security = reviewStack(stack).security;
    expect(security.filter((c) => c.findings.includes('open-to-internet')).map((c) => c.text)).toEqual([
      expect.stringMatching(/^ingress TCP 443 from Everyone \(IPv4\)/),
      expect.stringMatching(/^ingress TCP 443 from Everyone \(IPv6\)/),
    ]);
    expect(security).toHaveLength(2); // the unchanged 10.0.0.0/16 rule is not a change
  });

  it('does not call a removed ingress rule from anywhere open', () => {
    const stack = compareStackPair((s, changed) => {
      const group = new ec2.SecurityGroup(s, 'Group', { vpc: vpcOf(s), allowAllOutbound: false });
      if (!changed) group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443));
    });
    expect(reviewStack(stack).security).toEqual([
      expect.objectContaining({ kind: 'ingress', change: '-', findings: [] }),
    ]);
  });
});

describe('destructive changes to stateful resources', () => {
  it('reports a database cluster replaced by a property change, and its instance with it', () => {
    const stack = compareStackPair((s, changed) => {
      new rds.DatabaseCluster(s, 'Cluster', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({
          version: rds.AuroraPostgresEngineVersion.VER_16_4,
        }),
        vpc: vpcOf(s),
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        writer: rds.ClusterInstance.serverlessV2('Writer'),
        clusterIdentifier: changed ? 'analytics-db-2' : 'analytics-db',
      });
    });
    const review = reviewStack(stack);
    expect(review.destructive).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'AWS::RDS::DBCluster',
          kind: 'replace',
          path: 'Cluster',
          reason: expect.stringContaining('(DBClusterIdentifier requires replacement): the database cluster'),
        }),
        expect.objectContaining({ type: 'AWS::RDS::DBInstance', kind: 'replace', path: 'Cluster/Writer' }),
      ]),
    );
    expect(
      review.resources
        .filter((r) => r.impact === 'replace')
        .map((r) => r.type)
        .sort(),
    ).toEqual(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance']);
  });

  it('reports a renamed bucket construct as the old bucket orphaned (retained) and a new one added', () => {
    const stack = compareStackPair((s, changed) => {
      new s3.Bucket(s, changed ? 'DataLake' : 'Lake');
    });
    const review = reviewStack(stack);
    expect(review.resources.map((r) => [r.path, r.impact])).toEqual([
      ['Lake', 'orphan'],
      ['DataLake', 'create'],
    ]);
    expect(review.destructive).toEqual([
      expect.objectContaining({ kind: 'orphan', type: 'AWS::S3::Bucket', path: 'Lake' }),
    ]);
  });

  it('reports a renamed bucket that is not retained as deleted', () => {
    const stack = compareStackPair((s, changed) => {
      new s3.Bucket(s, changed ? 'DataLake' : 'Lake', { removalPolicy: RemovalPolicy.DESTROY });
    });
    expect(reviewStack(stack).destructive).toEqual([
      expect.objectContaining({
        kind: 'remove',
        path: 'Lake',
        reason: 'removed from the stack: CloudFormation deletes a bucket and the objects in it',
      }),
    ]);
  });

  it('reports a removed secret as deleted', () => {
    const stack = compareStackPair((s, changed) => {
      if (!changed) new secretsmanager.Secret(s, 'Password');
      new s3.Bucket(s, 'Keep');
    });
    expect(reviewStack(stack).destructive).toEqual([
      expect.objectContaining({ kind: 'remove', type: 'AWS::SecretsManager::Secret', path: 'Password' }),
    ]);
  });

  it('reports a retained resource removed from the stack as orphaned (the library: WILL_ORPHAN)', () => {
    const stack = compareStackPair((s, changed) => {
      if (!changed) new ecr.Repository(s, 'Images', { removalPolicy: RemovalPolicy.RETAIN });
      new s3.Bucket(s, 'Keep');
    });
    const repository = Object.values(stack.before!.Resources!).find((r) => r.Type === 'AWS::ECR::Repository');
    expect(repository?.DeletionPolicy).toBe('Retain');
    expect(reviewStack(stack).destructive).toEqual([
      expect.objectContaining({
        kind: 'orphan',
        type: 'AWS::ECR::Repository',
        reason: expect.stringContaining('its DeletionPolicy keeps it in the account'),
      }),
    ]);
  });

  it('does not call a deletion policy change alone destructive: nothing is deleted by it', () => {
    const stack = compareStackPair((s, changed) => {
      new kms.Key(s, 'Key', { removalPolicy: changed ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
    });
    const review = reviewStack(stack);
    expect(review.resources).toEqual([expect.objectContaining({ type: 'AWS::KMS::Key', impact: 'update' })]);
    expect(review.destructive).toEqual([]);
  });

  it('reports a Glue database renamed in place (the library: an update, not a replacement)', () => {
    const glue = (name: string) => ({
      Resources: {
        GlueDatabase: {
          Type: 'AWS::Glue::Database',
          Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: name } },
        },
      },
    });
    const stack = compareStack({
      id: 'Analytics',
      stackName: 'analytics',
      before: glue('lake'),
      after: glue('lake_v2'),
    });
    expect(reviewStack(stack).destructive).toEqual([
      expect.objectContaining({
        kind: 'rename',
        reason:
          'DatabaseInput.Name changes from "lake" to "lake_v2": the Glue database every Athena table belongs to gets a new name',
      }),
    ]);
  });

  it('lists the stateful resources of a stack that left the app, which stays deployed', () => {
    const stack = compareStack({
      id: 'Old',
      stackName: 'old',
      before: {
        Resources: {
          Bucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
          Queue: { Type: 'AWS::SQS::Queue' },
        },
      },
    });
    const review = reviewStack(stack);
    expect(review.status).toBe('removed');
    expect(review.destructive).toEqual([
      expect.objectContaining({
        kind: 'stack-removed',
        logicalId: 'Bucket',
        reason: expect.stringContaining('would orphan'),
      }),
    ]);
  });

  it('does not report stateless resources, or stateful ones updated in place', () => {
    const stack = compareStackPair((s, changed) => {
      new s3.Bucket(s, 'Lake', { versioned: changed });
    });
    const review = reviewStack(stack);
    expect(review.resources).toEqual([
      expect.objectContaining({ impact: 'update', type: 'AWS::S3::Bucket' }),
    ]);
    expect(review.destructive).toEqual([]);
  });
});

describe('IAM changes', () => {
  it('calls out a statement that adds a * action and a * resource, not CDK grants with narrower wildcards', () => {
    const stack = compareStackPair((s, changed) => {
      const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      if (changed) {
        new s3.Bucket(s, 'Lake').grantRead(role); // s3:GetObject*, s3:List* on the bucket
        role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      }
    });
    const added = reviewStack(stack).security.filter((c) => c.kind === 'iam-statement' && c.change === '+');
    const flagged = added.filter((c) => c.findings.length > 0);
    expect(flagged).toEqual([
      expect.objectContaining({
        findings: ['wildcard-action', 'wildcard-resource'],
        notes: ['allows s3:*', 'on every resource (*)'],
        text: expect.stringMatching(/^Allow s3:\* on \* for AWS:\$\{Role/),
      }),
    ]);
    expect(added.some((c) => c.text.includes('s3:GetObject*') && c.findings.length === 0)).toBe(true);
  });

  it('calls out new trust to another account, not to this account or an AWS service', () => {
    const stack = compareStackPair((s, changed) => {
      new iam.Role(s, 'Service', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      new iam.Role(s, 'Own', { assumedBy: new iam.AccountRootPrincipal() });
      if (changed) new iam.Role(s, 'Partner', { assumedBy: new iam.AccountPrincipal('111122223333') });
    });
    const review = reviewStack(stack);
    const trust = review.security.filter((c) => c.findings.includes('trust-outside-account'));
    expect(trust).toEqual([
      expect.objectContaining({
        notes: ['trusts account 111122223333'],
        text: expect.stringContaining('sts:AssumeRole'),
      }),
    ]);
  });

  it('calls out trust of an account given in a role ARN, of anyone, and of an identity provider', () => {
    const stack = compareStackPair((s, changed) => {
      if (!changed) return void new s3.Bucket(s, 'Keep');
      new s3.Bucket(s, 'Keep');
      new iam.Role(s, 'CrossAccount', {
        assumedBy: new iam.ArnPrincipal('arn:aws:iam::444455556666:role/deployer'),
      });
      new iam.Role(s, 'Anyone', { assumedBy: new iam.AnyPrincipal() });
      new iam.Role(s, 'GitHub', {
        assumedBy: new iam.FederatedPrincipal(
          'token.actions.githubusercontent.com',
          {},
          'sts:AssumeRoleWithWebIdentity',
        ),
      });
    });
    const notes = reviewStack(stack).security.flatMap((c) => c.notes);
    expect(notes.sort()).toEqual([
      'trusts account 444455556666',
      'trusts anyone (principal *)',
      'trusts identities of token.actions.githubusercontent.com',
    ]);
  });

  it('treats the stack account pinned by the app as its own', () => {
    const template = (principal: string) => ({
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: principal } }],
            },
          },
        },
      },
    });
    const stack = compareStack({
      id: 'Pinned',
      stackName: 'pinned',
      account: '123456789012',
      before: template('arn:aws:iam::123456789012:role/a'),
      after: template('arn:aws:iam::123456789012:role/b'),
    });
    expect(reviewStack(stack).security.filter((c) => c.findings.length > 0)).toEqual([]);
  });

  it('keeps long values whole where the CLI table wrapped them (no "apigateway.amazon, aws.com")', () => {
    const stack = compareStackPair((s, changed) => {
      if (!changed) return void new s3.Bucket(s, 'Keep');
      new s3.Bucket(s, 'Keep');
      const role = new iam.Role(s, 'CloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        ],
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup'],
          resources: [`arn:${s.partition}:logs:${s.region}:${s.account}:log-group:/aws/apigateway/*`],
        }),
      );
    });
    // In an 80-column terminal the library's own table wraps these cells over several lines.
    const table: string[] = [];
    formatSecurityChanges(
      { columns: 80, write: (chunk: string) => table.push(chunk) > 0 } as never,
      stack.diff,
    );
    expect(table.join('')).not.toContain('Service:apigateway.amazonaws.com');

    const texts = reviewStack(stack).security.map((c) => c.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Allow sts:AssumeRole on \$\{CloudWatchRole[0-9A-F]{8}\.Arn\} for Service:apigateway\.amazonaws\.com$/,
        ),
        expect.stringContaining(
          'on arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/apigateway/*',
        ),
        expect.stringContaining(
          'managed policy arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ),
      ]),
    );
    for (const text of texts) expect(text).not.toMatch(/\n|amazon, aws|\$\{A WS|, \./);
  });
});
