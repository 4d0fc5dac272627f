import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../lib/app';
import { DashboardAllowlist } from '../../lib/constructs/dashboard-allowlist';
import { DashboardRepository } from '../../lib/constructs/dashboard-repository';
import { DashboardStack } from '../../lib/stacks/dashboard-stack';
import { cdkJsonContext, costWarning, REQUIRED_CONTEXT, synthApp, type Finding } from '../support/synth';
import { statements as policyStatements } from './constructs/bare-stack';

interface Synth {
  dashboard: Template;
  repository: Template;
  findings: Finding[];
  outdir: string;
  app: App;
}

/** The whole app as `cdk synth` builds it (policy checks on); the dashboard stacks' parts. */
function synthDashboard(context: Record<string, unknown> = {}): Synth {
  const result = synthApp(context);
  return {
    dashboard: result.templates.Dashboard!,
    repository: result.templates.DashboardRepository!,
    findings: result.findings,
    outdir: result.outdir,
    app: result.app,
  };
}

/** The WAF rule that blocks an address posting to /login more than 100 times in 5 minutes, before the allow rules. */
function expectLoginRateRule(dashboard: Template): void {
  const acl = Object.values(dashboard.findResources('AWS::WAFv2::WebACL'))[0]!;
  const rules = acl.Properties.Rules as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const rate = rules.find((r) => r.Statement.RateBasedStatement);
  expect(rate, 'a rate-based rule').toBeDefined();
  expect(rate!.Action).toEqual({ Block: {} });
  expect(rate!.Priority).toBe(Math.min(...rules.map((r) => r.Priority as number)));
  expect(rate!.Statement.RateBasedStatement).toMatchObject({
    Limit: 100,
    AggregateKeyType: 'IP',
    EvaluationWindowSec: 300,
  });
  const matches = JSON.stringify(rate!.Statement.RateBasedStatement.ScopeDownStatement);
  expect(matches).toContain('"SearchString":"/login"');
  expect(matches).toContain('"SearchString":"POST"');
}

/** What every hosting's runtime role may do, and nothing broader. */
function expectRuntimePermissions(template: Template, roleLogicalId: RegExp): void {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).match(roleLogicalId),
  );
  expect(policies.length, `a policy on ${roleLogicalId}`).toBeGreaterThan(0);
  const statements = policies.flatMap(
    (p) =>
      (
        p.Properties as {
          PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
        }
      ).PolicyDocument.Statement,
  );
  const actions = statements.flatMap((s) => [s.Action].flat());
  expect(actions).toEqual(
    expect.arrayContaining([
      'rds-data:ExecuteStatement',
      'secretsmanager:GetSecretValue',
      'athena:StartQueryExecution',
      'glue:GetTable',
      's3:GetObject*',
    ]),
  );
  expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
  // Nothing that changes infrastructure, identities or keys, and no writes to the lake.
  expect(actions.filter((a) => /^(iam|ec2|ecs|lambda|sts|kms|rds):/.test(a))).toEqual([]);
  const writes = statements.filter((s) => [s.Action].flat().some((a) => /^s3:(Put|Delete|Abort)/.test(a)));
  expect(writes.length).toBeGreaterThan(0);
  for (const write of writes) {
    expect(JSON.stringify(write.Resource), 'writes go to the Athena results bucket only').toMatch(
      /AthenaResultsBucket/,
    );
    expect(JSON.stringify(write.Resource)).not.toMatch(/LakeBucket|LogBucket/);
  }
  const athena = statements.find((s) => JSON.stringify(s.Action).includes('athena:StartQueryExecution'));
  expect(JSON.stringify(athena?.Resource)).toContain(':workgroup/analytics');
  const glue = statements.find((s) => JSON.stringify(s.Action).includes('glue:GetTable'));
  expect(JSON.stringify(glue?.Resource)).toContain('table/analytics_lake/*');
}

/**
 * The dashboard signs in and logs in with one secret, its role's in the database setup stack: the
 * Data API secret, the login password's secret and the PasswordSecretArn output are the same.
 */
function expectOneSecret(template: Template): void {
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    Outputs: Record<string, { Value: unknown }>;
  };
  const env: Record<string, unknown> = {};
  for (const r of Object.values(json.Resources)) {
    const p = r.Properties ?? {};
    const pairs = [
      ...(p.SourceConfiguration?.ImageRepository?.ImageConfiguration?.RuntimeEnvironmentVariables ?? []),
      ...(p.PrimaryContainer?.Environment ?? []),
    ] as Array<{ Name: string; Value: unknown }>;
    for (const { Name, Value } of pairs) env[Name] = Value;
    if (r.Type === 'AWS::Lambda::Function' && p.Environment?.Variables?.DB_SECRET_ARN) {
      Object.assign(env, p.Environment.Variables);
    }
  }
  expect(env.DB_SECRET_ARN).toEqual({
    'Fn::GetStackOutput': expect.objectContaining({
      StackName: 'analytics-database-setup',
      OutputName: expect.stringMatching(/RoleLoginsDashboardSecret/),
    }),
  });
  expect(env.DASHBOARD_PASSWORD_SECRET_ARN).toEqual(env.DB_SECRET_ARN);
  expect(json.Outputs.PasswordSecretArn?.Value).toEqual(env.DB_SECRET_ARN);
}

/** The alarm on the dashboard's 5xx responses, notifying the alerts topic. */
function expectServerErrorAlarm(template: Template, namespace: string, metricName: string): void {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: namespace,
    MetricName: metricName,
    Statistic: 'Sum',
    Period: 300,
    Threshold: 10,
    EvaluationPeriods: 2,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [
      Match.objectLike({ 'Fn::GetStackOutput': Match.objectLike({ StackName: 'analytics-guardrails' }) }),
    ],
  });
}

let base: Synth;
beforeAll(() => {
  base = synthDashboard();
});

describe('Dashboard repository stack', () => {
  test('ECR repository: scan on push, immutable tags, keeps the last 10 images, retained', () => {
    base.repository.hasResource('AWS::ECR::Repository', {
      Properties: {
        RepositoryName: 'analytics-dashboard',
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        LifecyclePolicy: {
          LifecyclePolicyText: Match.stringLikeRegexp('"countType":"imageCountMoreThan","countNumber":10'),
        },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('the CDK bootstrap image-publishing role may push to it (and nobody else is granted anything)', () => {
    const repo = base.repository.findResources('AWS::ECR::Repository');
    const policy = Object.values(repo)[0].Properties?.RepositoryPolicyText as {
      Statement: { Principal: { AWS: unknown }; Action: string[] }[];
    };
    expect(policy.Statement).toHaveLength(1);
    expect(JSON.stringify(policy.Statement[0].Principal)).toContain('cdk-hnb659fds-image-publishing-role-');
    expect(policy.Statement[0].Action).toEqual(
      expect.arrayContaining(['ecr:PutImage', 'ecr:DescribeImages']),
    );
  });
});

describe('Dashboard stack', () => {
  test('publishes its image to the dashboard repository, built from dashboard-app/Dockerfile for x86_64', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(base.outdir, 'Dashboard.assets.json'), 'utf8')) as {
      dockerImages: Record<
        string,
        {
          source: { dockerFile: string; platform: string; directory: string };
          destinations: Record<string, { repositoryName: string }>;
        }
      >;
    };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0].source.dockerFile).toBe('dashboard-app/Dockerfile');
    expect(images[0].source.platform).toBe('linux/amd64');
    expect(Object.values(images[0].destinations).map((d) => d.repositoryName)).toEqual([
      'analytics-dashboard',
    ]);
  });

  test('the image context holds only the app and its sources (no node_modules, no other code)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(base.outdir, 'Dashboard.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string } }>;
    };
    const dir = path.join(base.outdir, Object.values(manifest.dockerImages)[0].source.directory);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'dashboard-app',
      'datasets',
      'db',
      'package-lock.json',
      'package.json',
      'tsconfig.json',
    ]);
    expect(fs.existsSync(path.join(dir, 'dashboard-app', 'Dockerfile'))).toBe(true);
  });

  test('deploys after the repository stack (asset publishing waits for it)', () => {
    const dashboard = base.app.node.findChild('Dashboard') as Stack;
    expect(dashboard.dependencies.map((s) => s.node.id)).toContain('DashboardRepository');
  });

  test('App Runner service: image from the dashboard repository, health check, instance role, capped scaling', () => {
    base.dashboard.hasResourceProperties('AWS::AppRunner::Service', {
      SourceConfiguration: {
        AutoDeploymentsEnabled: false,
        ImageRepository: {
          ImageRepositoryType: 'ECR',
          ImageIdentifier: { 'Fn::Sub': Match.stringLikeRegexp('/analytics-dashboard:[0-9a-f]{64}$') },
          ImageConfiguration: {
            Port: '8080',
            RuntimeEnvironmentVariables: Match.arrayWith([
              Match.objectLike({ Name: 'DB_CLUSTER_ARN' }),
              Match.objectLike({ Name: 'DB_SECRET_ARN' }),
              { Name: 'DB_NAME', Value: 'analytics' },
              Match.objectLike({ Name: 'DASHBOARD_PASSWORD_SECRET_ARN' }),
              { Name: 'ATHENA_WORKGROUP', Value: 'analytics' },
              { Name: 'GLUE_DATABASE', Value: 'analytics_lake' },
              { Name: 'DASHBOARD_TRUST_PROXY', Value: 'true' },
            ]),
          },
        },
      },
      HealthCheckConfiguration: { Protocol: 'HTTP', Path: '/health' },
      InstanceConfiguration: { InstanceRoleArn: Match.anyValue() },
    });
    base.dashboard.hasResourceProperties('AWS::AppRunner::AutoScalingConfiguration', {
      MinSize: 1,
      MaxSize: 2,
    });
  });

  test('dashboardMaxInstances sets the scaling cap', () => {
    synthDashboard({ dashboardMaxInstances: 4 }).dashboard.hasResourceProperties(
      'AWS::AppRunner::AutoScalingConfiguration',
      { MaxSize: 4 },
    );
  });

  test('roles: App Runner pulls with the access role, the app runs with its own instance role', () => {
    base.dashboard.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'build.apprunner.amazonaws.com' } })],
      },
    });
    base.dashboard.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'tasks.apprunner.amazonaws.com' } })],
      },
    });
  });

  test('instance role: Data API on the cluster, Athena on the one workgroup, no "*" action anywhere', () => {
    const statements = policyStatements(base.dashboard);
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).not.toContain('*');
    expect(actions.filter((a) => a.endsWith(':*'))).toEqual([]);
    expect(actions).toEqual(
      expect.arrayContaining(['rds-data:ExecuteStatement', 'athena:StartQueryExecution']),
    );
    const athena = statements.find((s) => JSON.stringify(s.Action).includes('athena:StartQueryExecution'));
    expect(JSON.stringify(athena?.Resource)).toContain(':workgroup/analytics');
    const glue = statements.find((s) => JSON.stringify(s.Action).includes('glue:GetTable'));
    expect(JSON.stringify(glue?.Resource)).toContain('table/analytics_lake/*');
  });

  test("the login password is a key of the dashboard role's secret (no secret of its own); URL and secret are outputs", () => {
    base.dashboard.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expectOneSecret(base.dashboard);
    base.dashboard.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardService'), 'ServiceUrl'] }],
        ],
      },
    });
    base.dashboard.hasOutput('PasswordSecretArn', Match.anyValue());
  });

  test('App Runner: the client address comes from X-Forwarded-For, which App Runner appends to', () => {
    base.dashboard.hasResourceProperties('AWS::AppRunner::Service', {
      SourceConfiguration: {
        ImageRepository: {
          ImageConfiguration: {
            RuntimeEnvironmentVariables: Match.arrayWith([
              { Name: 'DASHBOARD_CLIENT_ADDRESS', Value: 'x-forwarded-for-rightmost' },
              { Name: 'DASHBOARD_TRUST_PROXY', Value: 'true' },
            ]),
          },
        },
      },
    });
  });

  test('App Runner: 5xx responses raise an alarm to the alerts topic', () => {
    expectServerErrorAlarm(base.dashboard, 'AWS/AppRunner', '5xxStatusResponses');
    base.dashboard.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [
        {
          Name: 'ServiceID',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardService'), 'ServiceId'] },
        },
        { Name: 'ServiceName', Value: 'analytics-dashboard' },
      ],
    });
  });

  test('App Runner: the instance role has the dashboard runtime permissions and nothing broader', () => {
    expectRuntimePermissions(base.dashboard, /DashboardInstanceRole/);
  });

  test('no WAF allowlist unless dashboardAllowedCidrs is set', () => {
    base.dashboard.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('dashboardAllowedCidrs adds a WAF web ACL that blocks everything else, associated with the service, and rate-limits the login', () => {
    const { dashboard, findings } = synthDashboard({
      dashboardAllowedCidrs: '203.0.113.0/24,2001:db8:1234::/48',
    });
    dashboard.hasResourceProperties('AWS::WAFv2::IPSet', {
      Scope: 'REGIONAL',
      IPAddressVersion: 'IPV4',
      Addresses: ['203.0.113.0/24'],
    });
    dashboard.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV6',
      Addresses: ['2001:db8:1234::/48'],
    });
    dashboard.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Block: {} },
    });
    dashboard.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardService'), 'ServiceArn'] },
    });
    expectLoginRateRule(dashboard);
    // Nothing unacknowledged but the intended cost warning: $5 for the web ACL and $1 for each of its
    // three rules (IPv4, IPv6, the login rate limit).
    expect(findings).toEqual([
      costWarning('waf-fixed-cost', 'Dashboard/Allowlist/WebAcl', 'a fixed +$8.00/month (us-east-1)'),
    ]);
  });

  test('cdk-nag AwsSolutions and the CloudFormation schema report nothing unacknowledged', () => {
    expect(base.findings).toEqual([]);
  });

  test('two synths give the same templates (same image hash)', () => {
    expect(synthDashboard().dashboard.toJSON()).toEqual(base.dashboard.toJSON());
  });
});

describe('Dashboard on Lambda behind a Function URL (dashboardHosting=lambda)', () => {
  let lambda: Synth;
  let allowlisted: Synth;
  beforeAll(() => {
    lambda = synthDashboard({ dashboardHosting: 'lambda' });
    allowlisted = synthDashboard({
      dashboardHosting: 'lambda',
      dashboardAllowedCidrs: '203.0.113.0/24,2001:db8:1234::/48',
    });
  });

  test('a function bundled from the adapter entry, arm64, with its own log group, no App Runner and no image', () => {
    lambda.dashboard.resourceCountIs('AWS::AppRunner::Service', 0);
    lambda.dashboard.resourceCountIs('AWS::Lambda::Function', 1);
    lambda.dashboard.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({
          DB_NAME: 'analytics',
          ATHENA_WORKGROUP: 'analytics',
          GLUE_DATABASE: 'analytics_lake',
          DASHBOARD_PASSWORD_SECRET_ARN: Match.anyValue(),
          DASHBOARD_CLIENT_ADDRESS: 'socket',
        }),
      },
    });
    const manifest = JSON.parse(
      fs.readFileSync(path.join(lambda.outdir, 'Dashboard.assets.json'), 'utf8'),
    ) as {
      dockerImages?: Record<string, unknown>;
    };
    expect(Object.keys(manifest.dockerImages ?? {})).toEqual([]);
  });

  test('URL: a Function URL without IAM auth (the app logs users in), both invoke permissions, DashboardUrl output', () => {
    lambda.dashboard.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    lambda.dashboard.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    lambda.dashboard.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
    lambda.dashboard.hasOutput('DashboardUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardFunctionFunctionUrl'), 'FunctionUrl'] },
    });
    lambda.dashboard.hasOutput('PasswordSecretArn', Match.anyValue());
  });

  test("auth: the login password of the dashboard role's secret, as in the other hostings", () => {
    lambda.dashboard.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expectOneSecret(lambda.dashboard);
  });

  test('IAM: the function role has the dashboard runtime permissions and nothing broader', () => {
    expectRuntimePermissions(lambda.dashboard, /DashboardFunctionServiceRole/);
  });

  test('5xx responses of the Function URL raise an alarm to the alerts topic', () => {
    expectServerErrorAlarm(lambda.dashboard, 'AWS/Lambda', 'Url5xxCount');
  });

  test('dashboardAllowedCidrs reaches the adapter (no WAF can attach to a Function URL)', () => {
    allowlisted.dashboard.resourceCountIs('AWS::WAFv2::WebACL', 0);
    allowlisted.dashboard.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ DASHBOARD_ALLOWED_CIDRS: '203.0.113.0/24,2001:db8:1234::/48' }),
      },
    });
    const fn = Object.values(lambda.dashboard.findResources('AWS::Lambda::Function'))[0]!;
    expect(fn.Properties.Environment.Variables.DASHBOARD_ALLOWED_CIDRS).toBeUndefined();
  });

  test('nothing unacknowledged: cdk-nag, Control Tower, CloudFormation schema', () => {
    expect(lambda.findings).toEqual([]);
    expect(allowlisted.findings).toEqual([]);
  });
});

describe('Dashboard on ECS Express Mode (dashboardHosting=ecs-express)', () => {
  let express: Synth;
  let allowlisted: Synth;
  beforeAll(() => {
    express = synthDashboard({ dashboardHosting: 'ecs-express' });
    allowlisted = synthDashboard({
      dashboardHosting: 'ecs-express',
      dashboardAllowedCidrs: '203.0.113.0/24',
    });
  });

  test('an Express service running the dashboard image from the dashboard repository, health check on /health', () => {
    express.dashboard.resourceCountIs('AWS::AppRunner::Service', 0);
    express.dashboard.hasResourceProperties('AWS::ECS::ExpressGatewayService', {
      ServiceName: 'analytics-dashboard',
      Cpu: '256',
      Memory: '512',
      HealthCheckPath: '/health',
      PrimaryContainer: {
        Image: { 'Fn::Sub': Match.stringLikeRegexp('/analytics-dashboard:[0-9a-f]{64}$') },
        ContainerPort: 8080,
        Environment: Match.arrayWith([
          Match.objectLike({ Name: 'DASHBOARD_PASSWORD_SECRET_ARN' }),
          { Name: 'DASHBOARD_CLIENT_ADDRESS', Value: 'x-forwarded-for-rightmost' },
          { Name: 'DASHBOARD_TRUST_PROXY', Value: 'true' },
        ]),
        AwsLogsConfiguration: Match.objectLike({ LogStreamPrefix: 'dashboard' }),
      },
      ScalingTarget: { MinTaskCount: 1, MaxTaskCount: 2 },
    });
    express.dashboard.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardService'), 'Endpoint'] }],
        ],
      },
    });
  });

  test('network: public subnets and no NAT gateway; the task security group sends only HTTPS and declares no ingress', () => {
    express.dashboard.resourceCountIs('AWS::EC2::NatGateway', 0);
    express.dashboard.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    const groups = Object.values(express.dashboard.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Properties.SecurityGroupIngress).toBeUndefined();
    expect(groups[0]!.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    const service = Object.values(express.dashboard.findResources('AWS::ECS::ExpressGatewayService'))[0]!;
    expect(service.Properties.NetworkConfiguration.Subnets).toHaveLength(2);
  });

  test('roles: the task role has the runtime permissions; execution may pull the image; infrastructure is ECS', () => {
    expectRuntimePermissions(express.dashboard, /DashboardTaskRole/);
    express.dashboard.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ecs.amazonaws.com' } })],
      },
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            Match.arrayWith([Match.stringLikeRegexp('AmazonECSInfrastructureRoleforExpressGatewayServices')]),
          ],
        },
      ],
    });
    const exec = policyStatements(express.dashboard).flatMap((s) => [s.Action].flat());
    expect(exec).toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetAuthorizationToken']));
  });

  test("auth: the login password of the dashboard role's secret, as in the other hostings", () => {
    express.dashboard.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expectOneSecret(express.dashboard);
  });

  test('5xx responses of the targets behind the load balancer raise an alarm to the alerts topic', () => {
    expectServerErrorAlarm(express.dashboard, 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count');
  });

  test('dashboardAllowedCidrs attaches the WAF web ACL to the load balancer Express Mode created', () => {
    express.dashboard.resourceCountIs('AWS::WAFv2::WebACL', 0);
    allowlisted.dashboard.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: {
        'Fn::GetAtt': [
          Match.stringLikeRegexp('^DashboardService'),
          'ECSManagedResourceArns.IngressPath.LoadBalancerArn',
        ],
      },
    });
    allowlisted.dashboard.hasResourceProperties('AWS::WAFv2::WebACL', { DefaultAction: { Block: {} } });
    expectLoginRateRule(allowlisted.dashboard);
  });

  test('nothing unacknowledged: cdk-nag, Control Tower, CloudFormation schema; only the intended cost warnings', () => {
    const alwaysOn = costWarning(
      'ecs-express-always-on',
      'Dashboard/Dashboard/Service',
      'dashboardHosting ecs-express keeps a Fargate task, a load balancer and public IPv4 addresses running',
    );
    expect(express.findings).toEqual([alwaysOn]);
    // The allowlist's web ACL has two rules: IPv4 and the login rate limit.
    const waf = costWarning(
      'waf-fixed-cost',
      'Dashboard/Allowlist/WebAcl',
      'a fixed +$7.00/month (us-east-1)',
    );
    expect(allowlisted.findings).toHaveLength(2);
    expect(allowlisted.findings).toEqual(expect.arrayContaining([alwaysOn, waf]));
  });
});

describe('Dashboard constructs fail with a clear message when', () => {
  test('the allowlist would admit the whole internet', () => {
    const stack = new Stack();
    expect(
      () =>
        new DashboardAllowlist(stack, 'Allowlist', {
          name: 'x',
          resourceArn: 'arn',
          allowedCidrs: ['0.0.0.0/0'],
        }),
    ).toThrow(/0\.0\.0\.0\/0 is the whole internet/);
  });

  test('the allowlist is empty', () => {
    const stack = new Stack();
    expect(
      () => new DashboardAllowlist(stack, 'Allowlist', { name: 'x', resourceArn: 'arn', allowedCidrs: [] }),
    ).toThrow(/allowedCidrs is empty/);
  });

  test.each([
    ['app-runner', 30, /maxInstances 30 must be a whole number from 1 to 25/],
    ['ecs-express', 11, /maxInstances 11 must be a whole number from 1 to 10/],
  ] as const)('maxInstances is out of range for %s', (hosting, maxInstances, message) => {
    const app = new App({
      context: { ...cdkJsonContext(), ...REQUIRED_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    const stacks = buildApp(app);
    expect(
      () =>
        new DashboardStack(app, 'Dashboard2', {
          config: { ...stacks.config, dashboardHosting: hosting, dashboardMaxInstances: maxInstances },
          repositoryStack: stacks.dashboardRepository,
          cluster: stacks.database.cluster,
          secret: stacks.database.secret,
          databaseName: 'analytics',
          workgroupName: 'analytics',
          glueDatabaseName: 'analytics_lake',
          athenaResultsBucket: stacks.storage.athenaResultsBucket,
          lakeBucket: stacks.storage.lakeBucket,
          logBucket: stacks.storage.logBucket,
          alertsTopic: stacks.guardrails.alertsTopic,
        }),
    ).toThrow(message);
  });

  test('the repository keeps too few images', () => {
    expect(
      () => new DashboardRepository(new Stack(), 'Repo', { repositoryName: 'x', keepImages: 1 }),
    ).toThrow(/keepImages 1 must be a whole number from 2 to 1000/);
  });
});
