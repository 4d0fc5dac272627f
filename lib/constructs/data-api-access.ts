import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * The RDS Data API calls of one cluster. The Data API reads the secret named in each call with the
 * caller's own permissions, so a caller needs `secretsmanager:GetSecretValue` on that secret too.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html
 */
export const DATA_API_ACTIONS = [
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:ExecuteStatement',
  'rds-data:RollbackTransaction',
] as const;

/**
 * Lets `grantee` call the Data API on `cluster` signed in with `secret`, and read that secret only.
 * Unlike `cluster.grantDataApiAccess`, which also grants reading the cluster's own (master) secret:
 * a service signs in as its own database role, never as the master.
 */
export function grantDataApi(
  grantee: iam.IGrantable,
  cluster: rds.IDatabaseCluster,
  secret: secretsmanager.ISecret,
): void {
  iam.Grant.addToPrincipal({ grantee, actions: [...DATA_API_ACTIONS], resourceArns: [cluster.clusterArn] });
  secret.grantRead(grantee);
}
