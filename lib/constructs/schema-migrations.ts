import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { migrationsHash } from '../../migrations/runner';
import { MIGRATIONS, type Migration } from '../../migrations/index';
import { AppFunction } from './app-function';
import { grantDataApi } from './data-api-access';
import { acknowledgeFunctionFindings } from './function-findings';
import { functionProvider } from './function-provider';

export interface SchemaMigrationsProps {
  /** The Aurora cluster (Data API enabled) whose schema is migrated. */
  readonly cluster: rds.IDatabaseCluster;
  /** The secret the Data API signs in with. */
  readonly secret: secretsmanager.ISecret;
  /** The database the migrations apply to. */
  readonly databaseName: string;
  /** Days to keep the migration functions' logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** The migrations to apply, in order. @default every migration of `migrations/` (MIGRATIONS) */
  readonly migrations?: readonly Migration[];
}

/**
 * Applies the schema migrations on `cdk deploy`: a function (Data API, least privilege) behind the
 * Provider framework, and a custom resource whose properties carry a hash of all migrations, so it
 * runs again exactly when a migration is added. The function waits through a resuming database.
 */
export class SchemaMigrations extends Construct {
  /** The function that applies the migrations. */
  public readonly function: AppFunction;
  /** The custom resource; depend on it to run after the schema is in place. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const migrations = props.migrations ?? MIGRATIONS;
    if (migrations.length === 0) throw new Error(`${id}: migrations is empty; there is nothing to apply.`);

    this.function = new AppFunction(this, 'Function', {
      entry: 'lambda/migrate/handler.ts',
      description: 'Applies the schema migrations through the RDS Data API (custom resource on deploy)',
      logRetentionDays: props.logRetentionDays,
      // Resuming a paused cluster takes under a minute; migrations themselves are small.
      timeout: Duration.minutes(14),
      memorySize: 256,
      environment: {
        DB_CLUSTER_ARN: props.cluster.clusterArn,
        DB_SECRET_ARN: props.secret.secretArn,
        DB_NAME: props.databaseName,
      },
    });
    grantDataApi(this.function, props.cluster, props.secret);
    acknowledgeFunctionFindings(this.function);

    const provider = functionProvider(this, this.function, props.logRetentionDays);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SchemaMigrations',
      properties: {
        MigrationsHash: migrationsHash(migrations),
        LatestMigration: migrations[migrations.length - 1].id,
        Database: props.databaseName,
      },
    });
    this.resource.node.addDependency(props.cluster);
  }
}
