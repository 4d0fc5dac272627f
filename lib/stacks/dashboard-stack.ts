import { CfnOutput, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { DashboardAllowlist } from '../constructs/dashboard-allowlist';
import { DashboardRepository } from '../constructs/dashboard-repository';
import { DashboardService } from '../constructs/dashboard-service';

/** The dashboard image repository's name for a project. */
export function dashboardRepositoryName(projectName: string): string {
  return `${projectName}-dashboard`;
}

export interface DashboardRepositoryStackProps extends StackProps {
  readonly config: AppConfig;
}

/**
 * The dashboard's ECR repository, in a stack of its own: `cdk deploy` publishes the dashboard
 * image into it before the Dashboard stack deploys, so it must already exist by then.
 */
export class DashboardRepositoryStack extends Stack {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: DashboardRepositoryStackProps) {
    super(scope, id, props);
    this.repository = new DashboardRepository(this, 'Images', {
      repositoryName: dashboardRepositoryName(props.config.projectName),
    }).repository;
    new CfnOutput(this, 'RepositoryUri', {
      description: 'ECR repository holding the dashboard images',
      value: this.repository.repositoryUri,
    });
  }
}

export interface DashboardStackProps extends StackProps {
  readonly config: AppConfig;
  /** The repository stack; this stack depends on it and publishes its image there. */
  readonly repositoryStack: DashboardRepositoryStack;
  readonly cluster: rds.DatabaseCluster;
  readonly secret: secretsmanager.ISecret;
  readonly databaseName: string;
  readonly workgroupName: string;
  readonly glueDatabaseName: string;
  readonly athenaResultsBucket: s3.IBucket;
  readonly lakeBucket: s3.IBucket;
  readonly logBucket: s3.IBucket;
}

/**
 * The dashboard: an App Runner service running the image `cdk deploy` builds from
 * `dashboard-app/`, behind a login, and behind an AWS WAF allowlist when `dashboardAllowedCidrs`
 * is set. Stateless: replacing it touches no data.
 *
 * Its synthesizer names the dashboard repository as the image asset repository, so the image is
 * pushed there (scanned, immutable, lifecycle-managed) instead of the bootstrap repository.
 */
export class DashboardStack extends Stack {
  public readonly dashboard: DashboardService;

  constructor(scope: Construct, id: string, props: DashboardStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      synthesizer:
        props.synthesizer ??
        new DefaultStackSynthesizer({
          imageAssetsRepositoryName: dashboardRepositoryName(config.projectName),
        }),
    });
    // Asset publishing waits for the stacks this one depends on: the repository exists by then.
    this.addStackDependency(
      props.repositoryStack,
      'the dashboard image is published to the repository it creates',
    );

    this.dashboard = new DashboardService(this, 'Dashboard', {
      serviceName: `${config.projectName}-dashboard`,
      repository: props.repositoryStack.repository,
      cluster: props.cluster,
      databaseSecret: props.secret,
      databaseName: props.databaseName,
      workgroupName: props.workgroupName,
      glueDatabaseName: props.glueDatabaseName,
      lakeBucket: props.lakeBucket,
      logBucket: props.logBucket,
      athenaResultsBucket: props.athenaResultsBucket,
      maxInstances: config.dashboardMaxInstances,
    });
    if (config.dashboardAllowedCidrs.length > 0) {
      new DashboardAllowlist(this, 'Allowlist', {
        name: `${config.projectName}-dashboard`,
        serviceArn: this.dashboard.service.attrServiceArn,
        allowedCidrs: config.dashboardAllowedCidrs,
      });
    }

    new CfnOutput(this, 'DashboardUrl', { description: 'Open this and log in', value: this.dashboard.url });
    new CfnOutput(this, 'PasswordSecretArn', {
      description:
        'Login password: aws secretsmanager get-secret-value --query SecretString --output text --secret-id <this>',
      value: this.dashboard.passwordSecret.secretArn,
    });
  }
}
