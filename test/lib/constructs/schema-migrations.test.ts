import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { describe, expect, it } from 'vitest';
import { SchemaMigrations } from '../../../lib/constructs/schema-migrations';
import { MIGRATIONS } from '../../../migrations/index';
import { migrationsHash } from '../../../migrations/runner';
import { bareStack, SECRET_ARN } from './bare-stack';

/** The cluster is an interface: an imported cluster, reached only through the Data API, does. */
function migrations(withClusterSecret: boolean) {
  const { stack, secret } = bareStack();
  const cluster = withClusterSecret
    ? rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'OwnCluster', {
        clusterIdentifier: 'analytics-db',
        dataApiEnabled: true,
        secret,
      })
    : rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'OwnCluster', {
        clusterIdentifier: 'analytics-db',
        dataApiEnabled: true,
      });
  new SchemaMigrations(stack, 'SchemaMigrations', {
    cluster,
    secret,
    databaseName: 'analytics',
    logRetentionDays: 30,
  });
  return Template.fromStack(stack);
}

const secretReads = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string[]; Resource: unknown }[])
    .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));

describe('SchemaMigrations', () => {
  it('runs the migrations in a custom resource whose properties change exactly when a migration is added', () => {
    migrations(false).hasResourceProperties('Custom::SchemaMigrations', {
      MigrationsHash: migrationsHash(MIGRATIONS),
      LatestMigration: MIGRATIONS[MIGRATIONS.length - 1]!.id,
      Database: 'analytics',
    });
  });

  it('reads the given secret once, whether or not it is the cluster secret', () => {
    for (const template of [migrations(false), migrations(true)]) {
      const reads = secretReads(template);
      expect(reads).toHaveLength(1);
      expect(JSON.stringify(reads[0]!.Resource)).toContain(SECRET_ARN);
    }
  });
});
