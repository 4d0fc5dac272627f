import { Duration, Stack } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DASHBOARD_PORT, dashboardImage, grantImagePull } from './dashboard-image';
import {
  CLIENT_ADDRESS,
  type DashboardDataProps,
  dashboardEnvironment,
  grantDashboardRuntime,
} from './dashboard-runtime';
import { checkWholeNumber } from './prop-checks';

export interface DashboardServiceProps extends DashboardDataProps {
  /** Name of the App Runner service and of its auto scaling configuration (unique in the region). */
  readonly serviceName: string;
  /** Repository the image is published to by the stack's synthesizer; App Runner pulls from it. */
  readonly repository: ecr.IRepository;
  /** Most instances auto scaling may start (1 to 25, App Runner's limit). */
  readonly maxInstances: number;
  /** @default '0.25 vCPU', the smallest App Runner instance */
  readonly cpu?: string;
  /** @default '0.5 GB', the smallest App Runner instance, billed while idle as a provisioned instance */
  readonly memory?: string;
}

/**
 * The dashboard on AWS App Runner: the image built from `dashboard-app/` by `cdk deploy`, its login
 * password and database credentials read from its own secret, an access role that may only pull from the dashboard
 * repository, an instance role with the dashboard's runtime permissions, a health check on `/health`,
 * and capped auto scaling. App Runner is closed to new customers since 30 April 2026.
 */
export class DashboardService extends Construct {
  public readonly service: apprunner.CfnService;
  public readonly instanceRole: iam.Role;
  public readonly accessRole: iam.Role;
  public readonly image: ecrAssets.DockerImageAsset;
  /** `https://...`: the service URL. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardServiceProps) {
    super(scope, id);
    checkWholeNumber(this.node.path, 'maxInstances', props.maxInstances, {
      min: 1,
      max: 25,
      why: "App Runner's limit; set it with -c dashboardMaxInstances=2",
    });
    const stack = Stack.of(this);

    this.image = dashboardImage(this, 'Image');

    this.accessRole = new iam.Role(this, 'AccessRole', {
      assumedBy: new iam.ServicePrincipal('build.apprunner.amazonaws.com'),
      description: 'Lets App Runner pull the dashboard image from its ECR repository.',
    });
    grantImagePull(this.accessRole, props.repository);

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('tasks.apprunner.amazonaws.com'),
      description:
        'What the running dashboard may do: its Data API calls, its password, its Athena workgroup.',
    });
    grantDashboardRuntime(this.instanceRole, props);

    const autoScaling = new apprunner.CfnAutoScalingConfiguration(this, 'AutoScaling', {
      autoScalingConfigurationName: props.serviceName,
      minSize: 1,
      maxSize: props.maxInstances,
      maxConcurrency: 50,
    });

    const env: Record<string, string> = {
      ...dashboardEnvironment(props, CLIENT_ADDRESS.appRunner),
      // Read by the app before DASHBOARD_CLIENT_ADDRESS existed: App Runner appends the client's address
      // to X-Forwarded-For, and the login rate limit keys on the last entry.
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

  /**
   * 5xx responses of the service, summed per period. App Runner publishes them per service, with the
   * ServiceName and ServiceID dimensions. https://docs.aws.amazon.com/apprunner/latest/dg/monitor-cw.html
   */
  metricServerErrors(period: Duration): cloudwatch.IMetric {
    return new cloudwatch.Metric({
      namespace: 'AWS/AppRunner',
      metricName: '5xxStatusResponses',
      dimensionsMap: { ServiceName: this.service.serviceName!, ServiceID: this.service.attrServiceId },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
  }
}
