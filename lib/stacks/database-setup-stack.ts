import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { DefaultSecurityGroupLockdown } from '../constructs/default-security-group-lockdown';
import { SchemaMigrations } from '../constructs/schema-migrations';

export interface DatabaseSetupStackProps extends StackProps {
  readonly config: AppConfig;
  /** The cluster whose schema is migrated. */
  readonly cluster: rds.IDatabaseCluster;
  /** The secret the migrations sign in with through the Data API. */
  readonly secret: secretsmanager.ISecret;
  /** The database the migrations apply to. */
  readonly databaseName: string;
  /** ID of the database VPC's default security group, which loses its rules. */
  readonly defaultSecurityGroupId: string;
}

/**
 * Everything that runs against the database once it exists: the schema migrations and the lockdown of
 * the VPC's default security group, each a custom resource (a function that can fail). They sit in a
 * stack of their own, deployed after the database stack: if one fails, only this stack rolls back, and
 * CloudFormation never tries to delete the cluster (deletion protection would leave the database stack
 * in ROLLBACK_FAILED, and its fixed cluster identifier would block the retry).
 */
export class DatabaseSetupStack extends Stack {
  /** Applies `migrations/` on every deploy; depend on it for anything that needs the tables. */
  public readonly migrations: SchemaMigrations;

  constructor(scope: Construct, id: string, props: DatabaseSetupStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.migrations = new SchemaMigrations(this, 'SchemaMigrations', {
      cluster: props.cluster,
      secret: props.secret,
      databaseName: props.databaseName,
      logRetentionDays: config.logRetentionDays,
    });
    new DefaultSecurityGroupLockdown(this, 'DefaultSecurityGroupLockdown', {
      defaultSecurityGroupId: props.defaultSecurityGroupId,
      logRetentionDays: config.logRetentionDays,
    });
  }
}
