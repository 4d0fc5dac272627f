import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../lib/config';
import { DashboardAllowlist } from '../../lib/constructs/dashboard-allowlist';
import { DashboardRepository } from '../../lib/constructs/dashboard-repository';
import { DashboardRepositoryStack, DashboardStack } from '../../lib/stacks/dashboard-stack';
import { DatabaseStack } from '../../lib/stacks/database-stack';
import { StorageStack } from '../../lib/stacks/storage-stack';
import { cdkJsonContext, readFindings, REQUIRED_CONTEXT, type Finding } from '../support/synth';

interface Synth {
  dashboard: Template;
  repository: Template;
  findings: Finding[];
  outdir: string;
  app: App;
}

/** The dashboard stacks with the stacks they reference, cdk-nag on, as `cdk synth` builds them. */
function synthDashboard(context: Record<string, unknown> = {}): Synth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-dashboard-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...REQUIRED_CONTEXT, ...context } });
  const config = parseConfig((key) => app.node.tryGetContext(key));
  const storage = new StorageStack(app, 'Storage', { config });
  const database = new DatabaseStack(app, 'Database', { config });
  const repositoryStack = new DashboardRepositoryStack(app, 'DashboardRepository', { config });
  new DashboardStack(app, 'Dashboard', {
    config,
    repositoryStack,
    cluster: database.cluster,
    secret: database.secret,
    databaseName: database.databaseName,
    workgroupName: 'analytics',
    glueDatabaseName: 'analytics_lake',
    athenaResultsBucket: storage.athenaResultsBucket,
    lakeBucket: storage.lakeBucket,
    logBucket: storage.logBucket,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return {
    dashboard: Template.fromJSON(assembly.getStackByName('Dashboard').template as Record<string, unknown>),
    repository: Template.fromJSON(
      assembly.getStackByName('DashboardRepository').template as Record<string, unknown>,
    ),
    findings: readFindings(outdir),
    outdir,
    app,
  };
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
    const policies = Object.values(base.dashboard.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (p) =>
        (
          p.Properties as {
            PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
          }
        ).PolicyDocument.Statement,
    );
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

  test('login password is generated into Secrets Manager and the URL and secret are outputs', () => {
    base.dashboard.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true },
    });
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

  test('no WAF allowlist unless dashboardAllowedCidrs is set', () => {
    base.dashboard.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('dashboardAllowedCidrs adds a WAF web ACL that blocks everything else, associated with the service', () => {
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
    expect(findings).toEqual([]);
  });

  test('cdk-nag AwsSolutions and the CloudFormation schema report nothing unacknowledged', () => {
    expect(base.findings).toEqual([]);
  });

  test('two synths give the same templates (same image hash)', () => {
    expect(synthDashboard().dashboard.toJSON()).toEqual(base.dashboard.toJSON());
  });
});

describe('Dashboard constructs fail with a clear message when', () => {
  test('the allowlist would admit the whole internet', () => {
    const stack = new Stack();
    expect(
      () =>
        new DashboardAllowlist(stack, 'Allowlist', {
          name: 'x',
          serviceArn: 'arn',
          allowedCidrs: ['0.0.0.0/0'],
        }),
    ).toThrow(/0\.0\.0\.0\/0 is the whole internet/);
  });

  test('the allowlist is empty', () => {
    const stack = new Stack();
    expect(
      () => new DashboardAllowlist(stack, 'Allowlist', { name: 'x', serviceArn: 'arn', allowedCidrs: [] }),
    ).toThrow(/allowedCidrs is empty/);
  });

  test('maxInstances is out of range', () => {
    const app = new App({ context: { ...cdkJsonContext(), ...REQUIRED_CONTEXT } });
    const config = parseConfig((key) => app.node.tryGetContext(key));
    const storage = new StorageStack(app, 'Storage', { config });
    const database = new DatabaseStack(app, 'Database', { config });
    const repositoryStack = new DashboardRepositoryStack(app, 'DashboardRepository', { config });
    expect(
      () =>
        new DashboardStack(app, 'Dashboard', {
          config: { ...config, dashboardMaxInstances: 30 },
          repositoryStack,
          cluster: database.cluster,
          secret: database.secret,
          databaseName: 'analytics',
          workgroupName: 'analytics',
          glueDatabaseName: 'analytics_lake',
          athenaResultsBucket: storage.athenaResultsBucket,
          lakeBucket: storage.lakeBucket,
          logBucket: storage.logBucket,
        }),
    ).toThrow(/maxInstances 30 must be a whole number from 1 to 25/);
  });

  test('the repository keeps too few images', () => {
    expect(
      () => new DashboardRepository(new Stack(), 'Repo', { repositoryName: 'x', keepImages: 1 }),
    ).toThrow(/keepImages 1 must be a whole number from 2 to 1000/);
  });
});
