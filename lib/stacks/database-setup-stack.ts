import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { DatabaseRoleLogins } from '../constructs/database-role-logins';
import { DefaultSecurityGroupLockdown } from '../constructs/default-security-group-lockdown';
import { SchemaMigrations } from '../constructs/schema-migrations';

export interface DatabaseSetupStackProps extends StackProps {
  readonly config: AppConfig;
  /** The cluster whose schema is migrated. */
  readonly cluster: rds.IDatabaseCluster;
  /** The master secret: the migrations and the role passwords sign in with it through the Data API. */
  readonly secret: secretsmanager.ISecret;
  /** The database the migrations apply to. */
  readonly databaseName: string;
  /** ID of the database VPC's default security group, which loses its rules. */
  readonly defaultSecurityGroupId: string;
}

/**
 * Everything that runs against the database once it exists: the schema migrations, the logins of the
 * services' database roles (a secret each, and their passwords set after the migrations) and the
 * lockdown of the VPC's default security group, each a custom resource (a function that can fail).
 * They sit in a stack of their own, deployed after the database stack: if one fails, only this stack
 * rolls back, and CloudFormation never tries to delete the cluster (deletion protection would leave
 * the database stack in ROLLBACK_FAILED, and its fixed cluster identifier would block the retry).
 * The services' stacks read the role secrets from here, so they deploy after the roles can sign in.
 */
export class DatabaseSetupStack extends Stack {
  /** Applies `migrations/` on every deploy; depend on it for anything that needs the tables. */
  public readonly migrations: SchemaMigrations;
  /** The services' database roles, their secrets and passwords. */
  public readonly roleLogins: DatabaseRoleLogins;

  constructor(scope: Construct, id: string, props: DatabaseSetupStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.migrations = new SchemaMigrations(this, 'SchemaMigrations', {
      cluster: props.cluster,
      secret: props.secret,
      databaseName: props.databaseName,
      logRetentionDays: config.logRetentionDays,
    });
    this.roleLogins = new DatabaseRoleLogins(this, 'RoleLogins', {
      cluster: props.cluster,
      masterSecret: props.secret,
      databaseName: props.databaseName,
      logRetentionDays: config.logRetentionDays,
    });
    // The migrations create the roles whose passwords are set.
    this.roleLogins.resource.node.addDependency(this.migrations.resource);
    new DefaultSecurityGroupLockdown(this, 'DefaultSecurityGroupLockdown', {
      defaultSecurityGroupId: props.defaultSecurityGroupId,
      logRetentionDays: config.logRetentionDays,
    });

    new CfnOutput(this, 'DashboardSecretArn', {
      description:
        "The dashboard's database role and login password (keys username, password, loginPassword)",
      value: this.roleLogins.dashboardSecret.secretArn,
    });
    new CfnOutput(this, 'LoaderSecretArn', {
      description: "The loader's database role (keys username, password)",
      value: this.roleLogins.loaderSecret.secretArn,
    });
    new CfnOutput(this, 'RolePasswordsFunctionName', {
      description: "Invoke after putting a new password in a role's secret: it sets the role's password",
      value: this.roleLogins.function.functionName,
    });
  }
}
