import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './function-findings';

/**
 * What the running dashboard reads, whatever hosts it: the database through the Data API, the lake
 * through Athena and Glue. Every hosting construct takes these props and grants exactly the same.
 */
export interface DashboardDataProps {
  /** The Aurora cluster read through the Data API. */
  readonly cluster: rds.IDatabaseCluster;
  /** The database credentials secret the Data API calls use. */
  readonly databaseSecret: secretsmanager.ISecret;
  /** The database the charts read. */
  readonly databaseName: string;
  /** Athena workgroup of the full-history switch. */
  readonly workgroupName: string;
  /** Glue database holding the lake's tables. */
  readonly glueDatabaseName: string;
  /** The data lake; the dashboard reads objects under `raw/` only. */
  readonly lakeBucket: s3.IBucket;
  /** The log bucket, whose S3 access logs Athena reads. */
  readonly logBucket: s3.IBucket;
  /** Where Athena writes query results (read and written by the queries the dashboard starts). */
  readonly athenaResultsBucket: s3.IBucket;
}

/**
 * How the app finds the client's address for its login rate limit (`DASHBOARD_CLIENT_ADDRESS`):
 * `socket` where the connection's peer is the client (a Function URL's adapter sets it from the
 * request context's source IP), or the header a trusted proxy appends the peer to.
 */
export const CLIENT_ADDRESS = {
  /** App Runner appends the client's address to X-Forwarded-For. */
  appRunner: 'x-forwarded-for-rightmost',
  /** The adapter sets the socket address from `requestContext.http.sourceIp`, which a client cannot forge. */
  lambda: 'socket',
  /** An Application Load Balancer appends the client's address to X-Forwarded-For. */
  loadBalancer: 'x-forwarded-for-rightmost',
} as const;

/**
 * The login password: generated into Secrets Manager at deploy and read by the app at start. Its
 * construct ID is the same in every hosting, so switching hostings keeps the password.
 */
export function dashboardPassword(scope: Construct, serviceName: string): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'Password', {
    description: `Login password of the ${serviceName} dashboard (generated at deploy).`,
    generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'A single shared login password, read by the dashboard at start. Rotate it by putting a new value ' +
      '(aws secretsmanager put-secret-value) and redeploying or restarting the service; automatic rotation ' +
      'would need a rotation function and a restart hook for no gain at this scale.',
  });
  return secret;
}

/**
 * Grants the role the running dashboard assumes exactly what the app does: Data API calls on the one
 * cluster, its credentials and the login password, the one Athena workgroup, the lake's Glue tables,
 * objects under the lake's raw/ prefix, the log bucket, and the Athena results bucket.
 */
export function grantDashboardRuntime(
  role: iam.Role,
  props: DashboardDataProps,
  password: secretsmanager.ISecret,
): void {
  const stack = Stack.of(role);
  props.cluster.grantDataApiAccess(role);
  props.databaseSecret.grantRead(role);
  password.grantRead(role);
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'AthenaWorkgroup',
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
      ],
      resources: [
        stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workgroupName }),
      ],
    }),
  );
  const glueTablesArn = stack.formatArn({
    service: 'glue',
    resource: 'table',
    resourceName: `${props.glueDatabaseName}/*`,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'GlueLakeTables',
      actions: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartition',
        'glue:GetPartitions',
      ],
      resources: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.glueDatabaseName }),
        glueTablesArn,
      ],
    }),
  );
  props.lakeBucket.grantRead(role, 'raw/*');
  props.logBucket.grantRead(role);
  props.athenaResultsBucket.grantReadWrite(role);
  acknowledgeWildcardResources(
    role,
    [
      props.lakeBucket.arnForObjects('raw/*'),
      props.logBucket.arnForObjects('*'),
      props.athenaResultsBucket.arnForObjects('*'),
      glueTablesArn,
    ],
    "Wildcards only where AWS offers nothing narrower: objects under the lake's raw/ prefix, the objects of the " +
      'log and results buckets (Athena reads and writes any key there), the Glue tables of the one lake database, ' +
      'and the object-level action groups of grantRead/grantReadWrite.',
    ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'],
  );
}

/** The environment every hosting gives the app (the container and the function read the same names). */
export function dashboardEnvironment(
  props: DashboardDataProps,
  password: secretsmanager.ISecret,
  clientAddress: (typeof CLIENT_ADDRESS)[keyof typeof CLIENT_ADDRESS],
): Record<string, string> {
  return {
    DB_CLUSTER_ARN: props.cluster.clusterArn,
    DB_SECRET_ARN: props.databaseSecret.secretArn,
    DB_NAME: props.databaseName,
    DASHBOARD_PASSWORD_SECRET_ARN: password.secretArn,
    ATHENA_WORKGROUP: props.workgroupName,
    GLUE_DATABASE: props.glueDatabaseName,
    DASHBOARD_CLIENT_ADDRESS: clientAddress,
  };
}
