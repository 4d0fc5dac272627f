import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { SchemaMigrations } from '../../lib/constructs/schema-migrations';
import { migrationsHash } from '../../migrations/runner';
import { MIGRATIONS, type Migration } from '../../migrations/index';
import { readFindings } from '../support/synth';

function synth(migrations?: readonly Migration[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-migrations-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Db', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const cluster = new rds.DatabaseCluster(stack, 'Cluster', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_11 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    writer: rds.ClusterInstance.serverlessV2('Writer'),
    serverlessV2MinCapacity: 0,
    enableDataApi: true,
    defaultDatabaseName: 'analytics',
  });
  // The VPC and cluster are only the fixture here; DatabaseStack configures and checks the real ones.
  for (const id of [
    'AwsSolutions-VPC7',
    'AwsSolutions-SMG4',
    'AwsSolutions-RDS2',
    'AwsSolutions-RDS6',
    'AwsSolutions-RDS10',
    'AwsSolutions-RDS11',
  ]) {
    Validations.of(id === 'AwsSolutions-VPC7' ? vpc : cluster).acknowledge({
      id,
      reason: 'Test fixture, not under test.',
    });
  }
  const migrationsConstruct = new SchemaMigrations(stack, 'SchemaMigrations', {
    cluster,
    secret: cluster.secret!,
    databaseName: 'analytics',
    logRetentionDays: logs.RetentionDays.ONE_MONTH,
    migrations,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName('Db').template as Record<string, unknown>);
  return { template, findings: readFindings(outdir), construct: migrationsConstruct };
}

describe('SchemaMigrations', () => {
  const { template, findings } = synth();

  it('runs the migrate handler through the Provider framework with a hash of every migration', () => {
    template.hasResourceProperties('Custom::SchemaMigrations', {
      MigrationsHash: migrationsHash(MIGRATIONS),
      LatestMigration: MIGRATIONS.at(-1)!.id,
      Database: 'analytics',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Timeout: 840,
      Environment: {
        Variables: Match.objectLike({
          DB_CLUSTER_ARN: Match.anyValue(),
          DB_SECRET_ARN: Match.anyValue(),
          DB_NAME: 'analytics',
        }),
      },
    });
  });

  it('grants the Data API on the cluster and read on its secret, nothing more', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(
      expect.arrayContaining([
        'rds-data:ExecuteStatement',
        'rds-data:BatchExecuteStatement',
        'secretsmanager:GetSecretValue',
      ]),
    );
    expect(actions.every((a) => a !== '*' && !a.endsWith(':*'))).toBe(true);
  });

  it('gives every log group of the construct a retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const group of groups)
      expect((group as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays).toBe(30);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const ours = findings.filter((f) => f.constructPaths.some((p) => p.includes('/SchemaMigrations')));
    expect(ours).toEqual([]);
  });

  it('changes its hash, and so re-runs, when a migration is added', () => {
    const extra: Migration = { id: '9999_extra', description: 'extra', statements: ['SELECT 1'] };
    const changed = synth([...MIGRATIONS, extra]).template;
    changed.hasResourceProperties('Custom::SchemaMigrations', {
      MigrationsHash: migrationsHash([...MIGRATIONS, extra]),
      LatestMigration: '9999_extra',
    });
    expect(migrationsHash([...MIGRATIONS, extra])).not.toBe(migrationsHash(MIGRATIONS));
  });

  it('fails when given no migrations', () => {
    expect(() => synth([])).toThrow(/SchemaMigrations: migrations is empty/);
  });
});
