import * as path from 'node:path';
import { Duration, IgnoreMode, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { REPO_ROOT } from './app-function';
import { acknowledgeWildcardResources } from './function-findings';

/** The container port the dashboard listens on (App Runner sets `PORT` to it). */
export const DASHBOARD_PORT = 8080;

/**
 * What the dashboard image is built from, relative to the repository root. Everything else is
 * excluded, so the image (and its asset hash) changes only when the app or its sources change.
 */
export const DASHBOARD_IMAGE_EXCLUDE: readonly string[] = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!datasets',
  '!dashboard-app',
  'dashboard-app/dist',
  'dashboard-app/node_modules',
  'dashboard-app/public/vendor',
  '!db',
];

export interface DashboardServiceProps {
  /** Name of the App Runner service and prefix of its configurations. */
  readonly serviceName: string;
  /** Repository the image is published to by the stack's synthesizer; App Runner pulls from it. */
  readonly repository: ecr.IRepository;
  /** The Aurora cluster read through the Data API. */
  readonly cluster: rds.DatabaseCluster;
  /** The database credentials secret the Data API calls use. */
  readonly databaseSecret: secretsmanager.ISecret;
  readonly databaseName: string;
  /** Athena workgroup of the full-history switch. */
  readonly workgroupName: string;
  /** Glue database holding the lake's tables. */
  readonly glueDatabaseName: string;
  readonly lakeBucket: s3.IBucket;
  readonly logBucket: s3.IBucket;
  /** Where Athena writes query results (read and written by the queries the dashboard starts). */
  readonly athenaResultsBucket: s3.IBucket;
  /** Most instances auto scaling may start. */
  readonly maxInstances: number;
  /** @default '0.25 vCPU' */
  readonly cpu?: string;
  /** @default '0.5 GB' */
  readonly memory?: string;
}

/**
 * The dashboard on AWS App Runner: the image built from `dashboard-app/` by `cdk deploy`, a login
 * password generated into Secrets Manager, an access role that may only pull from the dashboard
 * repository, an instance role limited to the cluster's Data API, the password, the one Athena
 * workgroup and the lake's Glue tables, a health check on `/health`, and capped auto scaling.
 */
export class DashboardService extends Construct {
  public readonly service: apprunner.CfnService;
  public readonly passwordSecret: secretsmanager.Secret;
  public readonly instanceRole: iam.Role;
  public readonly accessRole: iam.Role;
  public readonly image: ecrAssets.DockerImageAsset;
  /** `https://...`: the service URL. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardServiceProps) {
    super(scope, id);
    const { maxInstances } = props;
    if (
      !Token.isUnresolved(maxInstances) &&
      (!Number.isInteger(maxInstances) || maxInstances < 1 || maxInstances > 25)
    ) {
      throw new Error(
        `${id}: maxInstances ${maxInstances} must be a whole number from 1 to 25 (App Runner's limit). ` +
          'Set it with -c dashboardMaxInstances=2',
      );
    }
    const stack = Stack.of(this);

    this.image = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: REPO_ROOT,
      file: path.join('dashboard-app', 'Dockerfile'),
      // App Runner runs x86_64 containers.
      platform: ecrAssets.Platform.LINUX_AMD64,
      ignoreMode: IgnoreMode.DOCKER,
      exclude: [...DASHBOARD_IMAGE_EXCLUDE],
      displayName: 'Dashboard image',
    });

    this.passwordSecret = new secretsmanager.Secret(this, 'Password', {
      description: `Login password of the ${props.serviceName} dashboard (generated at deploy).`,
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.passwordSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A single shared login password, read by the dashboard at start. Rotate it by putting a new value ' +
        '(aws secretsmanager put-secret-value) and redeploying or restarting the service; automatic rotation ' +
        'would need a rotation function and a restart hook for no gain at this scale.',
    });

    this.accessRole = new iam.Role(this, 'AccessRole', {
      assumedBy: new iam.ServicePrincipal('build.apprunner.amazonaws.com'),
      description: 'Lets App Runner pull the dashboard image from its ECR repository.',
    });
    props.repository.grantPull(this.accessRole);

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('tasks.apprunner.amazonaws.com'),
      description:
        'What the running dashboard may do: its Data API calls, its password, its Athena workgroup.',
    });
    props.cluster.grantDataApiAccess(this.instanceRole);
    props.databaseSecret.grantRead(this.instanceRole);
    this.passwordSecret.grantRead(this.instanceRole);
    const workgroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: props.workgroupName,
    });
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AthenaWorkgroup',
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetWorkGroup',
        ],
        resources: [workgroupArn],
      }),
    );
    const glueTablesArn = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${props.glueDatabaseName}/*`,
    });
    this.instanceRole.addToPolicy(
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
    props.lakeBucket.grantRead(this.instanceRole, 'raw/*');
    props.logBucket.grantRead(this.instanceRole);
    props.athenaResultsBucket.grantReadWrite(this.instanceRole);
    acknowledgeWildcardResources(
      this.instanceRole,
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
    Validations.of(this.accessRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions: AWS accepts only "*".',
    });

    const autoScaling = new apprunner.CfnAutoScalingConfiguration(this, 'AutoScaling', {
      autoScalingConfigurationName: props.serviceName,
      minSize: 1,
      maxSize: maxInstances,
      maxConcurrency: 50,
    });

    const env: Record<string, string> = {
      DB_CLUSTER_ARN: props.cluster.clusterArn,
      DB_SECRET_ARN: props.databaseSecret.secretArn,
      DB_NAME: props.databaseName,
      DASHBOARD_PASSWORD_SECRET_ARN: this.passwordSecret.secretArn,
      ATHENA_WORKGROUP: props.workgroupName,
      GLUE_DATABASE: props.glueDatabaseName,
      // App Runner appends the client's address to X-Forwarded-For; the login rate limit keys on it.
      DASHBOARD_TRUST_PROXY: 'true',
      AWS_REGION: stack.region,
    };

    this.service = new apprunner.CfnService(this, 'Service', {
      serviceName: props.serviceName,
      sourceConfiguration: {
        autoDeploymentsEnabled: false,
        authenticationConfiguration: { accessRoleArn: this.accessRole.roleArn },
        imageRepository: {
          imageIdentifier: this.image.imageUri,
          imageRepositoryType: 'ECR',
          imageConfiguration: {
            port: String(DASHBOARD_PORT),
            runtimeEnvironmentVariables: Object.entries(env).map(([name, value]) => ({ name, value })),
          },
        },
      },
      instanceConfiguration: {
        cpu: props.cpu ?? '0.25 vCPU',
        memory: props.memory ?? '0.5 GB',
        instanceRoleArn: this.instanceRole.roleArn,
      },
      healthCheckConfiguration: {
        protocol: 'HTTP',
        path: '/health',
        interval: Duration.seconds(10).toSeconds(),
        timeout: Duration.seconds(5).toSeconds(),
        healthyThreshold: 1,
        unhealthyThreshold: 5,
      },
      autoScalingConfigurationArn: autoScaling.attrAutoScalingConfigurationArn,
      networkConfiguration: {
        egressConfiguration: { egressType: 'DEFAULT' },
        ingressConfiguration: { isPubliclyAccessible: true },
      },
    });
    // The role's policy must exist before App Runner first pulls the image and starts the app.
    this.service.node.addDependency(this.accessRole, this.instanceRole);
    this.url = `https://${this.service.attrServiceUrl}`;
  }
}
