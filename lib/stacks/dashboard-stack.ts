import { CfnOutput, DefaultStackSynthesizer, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { DashboardAllowlist } from '../constructs/dashboard-allowlist';
import { DashboardExpressService } from '../constructs/dashboard-express-service';
import { DashboardFunction } from '../constructs/dashboard-function';
import { DashboardRepository } from '../constructs/dashboard-repository';
import type { DashboardDataProps } from '../constructs/dashboard-runtime';
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
 * image into it before the Dashboard stack deploys, so it must already exist by then. It exists with
 * every hosting, so that switching between them never re-creates a repository that was kept.
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
  readonly cluster: rds.IDatabaseCluster;
  /** The dashboard's secret: its database role's credentials and its login password (`loginPassword`). */
  readonly secret: secretsmanager.ISecret;
  readonly databaseName: string;
  readonly workgroupName: string;
  readonly glueDatabaseName: string;
  readonly athenaResultsBucket: s3.IBucket;
  readonly lakeBucket: s3.IBucket;
  readonly logBucket: s3.IBucket;
  /** Where the alarm on the dashboard's 5xx responses notifies. */
  readonly alertsTopic: sns.ITopic;
}

/** What every hosting construct offers the stack. */
type DashboardHosting = DashboardService | DashboardFunction | DashboardExpressService;

/** 5xx responses per 5 minutes that raise the alarm, in two periods in a row. */
export const DASHBOARD_5XX_ALARM = { threshold: 10, period: Duration.minutes(5), periods: 2 } as const;

/**
 * The dashboard, hosted as `dashboardHosting` says: an App Runner service, a Lambda function behind a
 * Function URL, or an ECS Express Mode service. Each has the same login, the same runtime permissions,
 * the `DashboardUrl` output, an alarm on its 5xx responses, and `dashboardAllowedCidrs` enforced (AWS
 * WAF where it can be attached, the source IP check in the Function URL adapter otherwise). Stateless:
 * replacing it touches no data.
 *
 * Its synthesizer names the dashboard repository as the image asset repository, so the image is
 * pushed there (scanned, immutable, lifecycle-managed) instead of the bootstrap repository.
 */
export class DashboardStack extends Stack {
  public readonly dashboard: DashboardHosting;
  public readonly serverErrorsAlarm: cloudwatch.Alarm;

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

    const serviceName = `${config.projectName}-dashboard`;
    const data: DashboardDataProps = {
      cluster: props.cluster,
      databaseSecret: props.secret,
      databaseName: props.databaseName,
      workgroupName: props.workgroupName,
      glueDatabaseName: props.glueDatabaseName,
      lakeBucket: props.lakeBucket,
      logBucket: props.logBucket,
      athenaResultsBucket: props.athenaResultsBucket,
    };
    const allowed = config.dashboardAllowedCidrs;
    let wafTarget: string | undefined;
    switch (config.dashboardHosting) {
      case 'app-runner': {
        const service = new DashboardService(this, 'Dashboard', {
          ...data,
          serviceName,
          repository: props.repositoryStack.repository,
          maxInstances: config.dashboardMaxInstances,
        });
        wafTarget = service.service.attrServiceArn;
        this.dashboard = service;
        break;
      }
      case 'lambda':
        // No AWS WAF for a Function URL: the adapter checks the source address itself.
        this.dashboard = new DashboardFunction(this, 'Dashboard', {
          ...data,
          logRetentionDays: config.logRetentionDays,
          allowedCidrs: allowed,
        });
        break;
      case 'ecs-express': {
        const service = new DashboardExpressService(this, 'Dashboard', {
          ...data,
          serviceName,
          repository: props.repositoryStack.repository,
          maxInstances: config.dashboardMaxInstances,
          logRetentionDays: config.logRetentionDays,
        });
        wafTarget = service.loadBalancerArn;
        this.dashboard = service;
        break;
      }
    }
    if (wafTarget && allowed.length > 0) {
      new DashboardAllowlist(this, 'Allowlist', {
        name: serviceName,
        resourceArn: wafTarget,
        allowedCidrs: allowed,
      });
    }

    // The dashboard answers 503 while Aurora resumes from zero capacity (well under a minute), so a
    // short burst is normal; ten 5xx in each of two 5-minute periods is not.
    this.serverErrorsAlarm = new cloudwatch.Alarm(this, 'ServerErrorsAlarm', {
      alarmDescription:
        `The ${serviceName} dashboard (${config.dashboardHosting}) answered with 5xx errors for 10 minutes: ` +
        'see its logs.',
      metric: this.dashboard.metricServerErrors(DASHBOARD_5XX_ALARM.period),
      threshold: DASHBOARD_5XX_ALARM.threshold,
      evaluationPeriods: DASHBOARD_5XX_ALARM.periods,
      datapointsToAlarm: DASHBOARD_5XX_ALARM.periods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.serverErrorsAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alertsTopic));

    new CfnOutput(this, 'DashboardUrl', { description: 'Open this and log in', value: this.dashboard.url });
    new CfnOutput(this, 'PasswordSecretArn', {
      description:
        'Login password: aws secretsmanager get-secret-value --query SecretString --output text --secret-id <this> ' +
        '| jq -r .loginPassword',
      value: props.secret.secretArn,
    });
  }
}
