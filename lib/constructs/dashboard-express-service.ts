import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DASHBOARD_PORT, dashboardImage, grantImagePull } from './dashboard-image';
import {
  CLIENT_ADDRESS,
  type DashboardDataProps,
  dashboardEnvironment,
  grantDashboardRuntime,
} from './dashboard-runtime';
import { acknowledgeControlTower } from '../control-tower';
import { DefaultSecurityGroupLockdown } from './default-security-group-lockdown';
import { checkWholeNumber } from './prop-checks';
import { rejectedFlowLogs } from './rejected-flow-logs';

export interface DashboardExpressServiceProps extends DashboardDataProps {
  /** Name of the Express service (unique in the region). */
  readonly serviceName: string;
  /** Repository the image is published to by the stack's synthesizer; the tasks pull from it. */
  readonly repository: ecr.IRepository;
  /** Most tasks auto scaling may start (1 to 10). */
  readonly maxInstances: number;
  /** Days to keep the container's and the network's logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** Fargate CPU units. @default '256' (0.25 vCPU), the smallest Fargate task */
  readonly cpu?: string;
  /** Fargate memory in MiB. @default '512' (0.5 GB), the smallest with 0.25 vCPU */
  readonly memory?: string;
}

/**
 * The dashboard image on Amazon ECS Express Mode (`AWS::ECS::ExpressGatewayService`): ECS creates and
 * manages the Application Load Balancer (HTTPS on an AWS-provided domain), its target group, the
 * service and its scaling. For accounts that want an always-on container without App Runner.
 *
 * The network is a VPC of its own with two public subnets and no NAT gateway: the task gets a public
 * address to pull its image and call AWS APIs over HTTPS. Its security group declares no inbound rule
 * and sends out only HTTPS; Express Mode admits its load balancer's security group to the container
 * port, so nothing but the load balancer reaches the task.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/express-service-work.html
 */
export class DashboardExpressService extends Construct {
  public readonly service: ecs.CfnExpressGatewayService;
  public readonly taskRole: iam.Role;
  public readonly executionRole: iam.Role;
  public readonly infrastructureRole: iam.Role;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly vpc: ec2.Vpc;
  public readonly image: ecrAssets.DockerImageAsset;
  /** ARN of the load balancer Express Mode created, for a WAF web ACL. */
  public readonly loadBalancerArn: string;
  /** `https://...`: the service's endpoint. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardExpressServiceProps) {
    super(scope, id);
    checkWholeNumber(this.node.path, 'maxInstances', props.maxInstances, {
      min: 1,
      max: 10,
      why: 'tasks; set it with -c dashboardMaxInstances=2',
    });
    const stack = Stack.of(this);

    this.vpc = new ec2.Vpc(this, 'Network', {
      maxAzs: 2,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: true },
      ],
      flowLogs: rejectedFlowLogs(this, 'FlowLogs', props.logRetentionDays),
    });
    for (const subnet of this.vpc.publicSubnets) {
      acknowledgeControlTower(
        subnet,
        ['subnet_auto_assign_public_ip_disabled_check'],
        'The dashboard task needs a public address to pull its image and call AWS APIs without a NAT gateway (a ' +
          'fixed monthly cost); its security group admits nothing but the load balancer.',
      );
    }
    new DefaultSecurityGroupLockdown(this, 'DefaultSecurityGroupLockdown', {
      defaultSecurityGroupId: this.vpc.vpcDefaultSecurityGroup,
      logRetentionDays: props.logRetentionDays,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: this.vpc,
      description: 'Dashboard tasks: inbound only from the Express Mode load balancer; outbound HTTPS only',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs: ECR image pulls, RDS Data API, Athena, Secrets Manager, CloudWatch Logs',
    );

    this.image = dashboardImage(this, 'Image');

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const cluster = new ecs.CfnCluster(this, 'Cluster', {
      capacityProviders: ['FARGATE'],
      clusterSettings: [{ name: 'containerInsights', value: 'disabled' }],
    });
    const insightsReason =
      'Container Insights publishes custom metrics billed per metric; the service, its load balancer and the ' +
      'dashboard 5xx alarm use the free metrics ECS and Elastic Load Balancing publish.';
    Validations.of(cluster).acknowledge({ id: 'AwsSolutions-ECS4', reason: insightsReason });
    acknowledgeControlTower(cluster, ['ecs_container_insights_enabled_check'], insightsReason);

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Lets ECS pull the dashboard image and write its logs.',
    });
    grantImagePull(this.executionRole, props.repository);
    logGroup.grantWrite(this.executionRole);

    this.infrastructureRole = new iam.Role(this, 'InfrastructureRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: 'Lets ECS Express Mode create and manage the load balancer, target group and scaling.',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName(
          'service-role/AmazonECSInfrastructureRoleforExpressGatewayServices',
        ),
      ],
    });
    Validations.of(this.infrastructureRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices]',
      reason:
        'The policy AWS maintains for the Express Mode infrastructure role; it follows the resources Express Mode ' +
        'manages (load balancer, listener rules, target groups, security groups, certificates, scaling) as they change.',
    });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description:
        'What the running dashboard may do: its Data API calls, its password, its Athena workgroup.',
    });
    grantDashboardRuntime(this.taskRole, props);

    const env: Record<string, string> = {
      ...dashboardEnvironment(props, CLIENT_ADDRESS.loadBalancer),
      // The load balancer appends the client's address to X-Forwarded-For; the login rate limit keys on it.
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
      DASHBOARD_TRUST_PROXY: 'true',
      AWS_REGION: stack.region,
      PORT: String(DASHBOARD_PORT),
    };
    this.service = new ecs.CfnExpressGatewayService(this, 'Service', {
      serviceName: props.serviceName,
      cluster: cluster.ref,
      cpu: props.cpu ?? '256',
      memory: props.memory ?? '512',
      executionRoleArn: this.executionRole.roleArn,
      infrastructureRoleArn: this.infrastructureRole.roleArn,
      taskRoleArn: this.taskRole.roleArn,
      healthCheckPath: '/health',
      networkConfiguration: {
        subnets: this.vpc.publicSubnets.map((s) => s.subnetId),
        securityGroups: [this.securityGroup.securityGroupId],
      },
      primaryContainer: {
        image: this.image.imageUri,
        containerPort: DASHBOARD_PORT,
        environment: Object.entries(env).map(([name, value]) => ({ name, value })),
        awsLogsConfiguration: { logGroup: logGroup.logGroupName, logStreamPrefix: 'dashboard' },
      },
      scalingTarget: { minTaskCount: 1, maxTaskCount: props.maxInstances },
    });
    // The roles' policies and the subnets' internet route must exist before the first task starts.
    this.service.node.addDependency(this.executionRole, this.infrastructureRole, this.taskRole, this.vpc);
    this.loadBalancerArn = this.service.attrEcsManagedResourceArnsIngressPathLoadBalancerArn;
    this.url = `https://${this.service.attrEndpoint}`;
  }

  /**
   * 5xx responses the targets (the dashboard tasks) returned through the load balancer. The
   * LoadBalancer dimension is the ARN's suffix after `loadbalancer/` (app/<name>/<id>).
   * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
   */
  metricServerErrors(period: Duration): cloudwatch.IMetric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensionsMap: { LoadBalancer: Fn.select(1, Fn.split('loadbalancer/', this.loadBalancerArn)) },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
  }
}
