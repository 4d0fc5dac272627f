import {
  CfnOutput,
  type CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { isIpv6Cidr } from '../cidr';
import { SchemaMigrations } from '../constructs/schema-migrations';
import type { AppConfig } from '../config';

export interface DatabaseStackProps extends StackProps {
  readonly config: AppConfig;
}

/** The Aurora PostgreSQL version: supports both the RDS Data API and a minimum capacity of 0 ACU. */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_11;
export const DATABASE_NAME = 'analytics';
export const POSTGRES_PORT = 5432;

/**
 * The stateful database: a VPC without NAT and an Aurora PostgreSQL Serverless v2 cluster that
 * pauses at 0 ACU when idle and is reached through the RDS Data API (HTTPS + IAM). Its security group
 * admits nothing unless `allowedCidrs` names networks; then port 5432 opens to exactly those networks
 * and the writer becomes publicly reachable through an internet gateway (still no NAT).
 */
export class DatabaseStack extends Stack {
  public readonly vpc: ec2.Vpc;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly cluster: rds.DatabaseCluster;
  public readonly secret: secretsmanager.ISecret;
  public readonly databaseName = DATABASE_NAME;
  /** Applies `migrations/` on every deploy; depend on it for anything that needs the tables. */
  public readonly migrations: SchemaMigrations;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    const { config } = props;
    const reachable = config.allowedCidrs.length > 0;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        Rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'VpcFlowLogs', {
              retention: config.logRetentionDays,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });

    // aws-cdk-lib strips the default security group's rules with a provider function of its own;
    // give that function a log group with the platform's retention instead of an unbounded implicit one.
    const restrictDefaultSg = this.node
      .tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')
      ?.node.tryFindChild('Handler') as CfnResource | undefined;
    if (restrictDefaultSg) {
      const providerLogs = new logs.LogGroup(this, 'RestrictDefaultSecurityGroupLogs', {
        retention: config.logRetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      restrictDefaultSg.addPropertyOverride('LoggingConfig', { LogGroup: providerLogs.logGroupName });
      // Plain JavaScript: runs on Graviton like every other function of the platform.
      restrictDefaultSg.addPropertyOverride('Architectures', ['arm64']);
    }

    let gatewayAttachment: ec2.CfnVPCGatewayAttachment | undefined;
    if (reachable) {
      // Direct Postgres access for named networks: an internet gateway route in the database subnets.
      // The subnets keep their identity, so switching this on or off never replaces the cluster.
      const igw = new ec2.CfnInternetGateway(this, 'InternetGateway');
      const attachment = (gatewayAttachment = new ec2.CfnVPCGatewayAttachment(
        this,
        'InternetGatewayAttachment',
        {
          vpcId: this.vpc.vpcId,
          internetGatewayId: igw.ref,
        },
      ));
      this.vpc.isolatedSubnets.forEach((subnet, i) => {
        const route = new ec2.CfnRoute(this, `InternetRoute${i + 1}`, {
          routeTableId: subnet.routeTable.routeTableId,
          destinationCidrBlock: '0.0.0.0/0',
          gatewayId: igw.ref,
        });
        route.addDependency(attachment);
      });
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: this.vpc,
      description: reachable
        ? `Postgres ${POSTGRES_PORT} from allowedCidrs only`
        : 'No inbound traffic: the database is reached through the RDS Data API',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    for (const cidr of config.allowedCidrs) {
      const peer = isIpv6Cidr(cidr) ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
      this.securityGroup.addIngressRule(
        peer,
        ec2.Port.tcp(POSTGRES_PORT),
        `Postgres from ${cidr} (allowedCidrs)`,
      );
    }

    // RDS writes the exported Postgres log to this group; creating it here gives it a retention
    // without the log-retention custom resource function.
    const clusterIdentifier = `${config.projectName}-db`;
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: config.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
      credentials: rds.Credentials.fromGeneratedSecret('postgres'),
      defaultDatabaseName: DATABASE_NAME,
      port: POSTGRES_PORT,
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: config.databaseMaxAcu,
      serverlessV2AutoPauseDuration: Duration.minutes(config.databaseAutoPauseMinutes),
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        publiclyAccessible: reachable,
        autoMinorVersionUpgrade: true,
        enablePerformanceInsights: false,
      }),
      enableDataApi: true,
      iamAuthentication: true,
      storageEncrypted: true,
      deletionProtection: true,
      backup: { retention: Duration.days(7), preferredWindow: '03:00-04:00' },
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      cloudwatchLogsExports: ['postgresql'],
      // A final snapshot is taken when the cluster is deleted with the stack.
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.secret = this.cluster.secret!;
    this.cluster.node.addDependency(postgresLogs);
    if (reachable) {
      Validations.of(this.cluster).acknowledge({
        id: 'CloudFormation-Validate::W9011',
        reason:
          'allowedCidrs asks for direct Postgres access from named networks, which needs a public endpoint; ' +
          'the security group admits port 5432 from exactly those networks (never 0.0.0.0/0 or ::/0).',
      });
    }
    // A publicly accessible instance can only be created once the VPC has its internet gateway.
    if (gatewayAttachment) this.cluster.node.addDependency(gatewayAttachment);

    this.migrations = new SchemaMigrations(this, 'SchemaMigrations', {
      cluster: this.cluster,
      secret: this.secret,
      databaseName: DATABASE_NAME,
      logRetentionDays: config.logRetentionDays,
    });

    new CfnOutput(this, 'DatabaseClusterArn', {
      value: this.cluster.clusterArn,
      description: 'Data API resource ARN',
    });
    new CfnOutput(this, 'DatabaseSecretArn', {
      value: this.secret.secretArn,
      description: 'Data API secret ARN',
    });
    new CfnOutput(this, 'DatabaseEndpoint', {
      value: this.cluster.clusterEndpoint.socketAddress,
      description: reachable
        ? 'Postgres endpoint (reachable from allowedCidrs)'
        : 'Postgres endpoint (no network access; use the Data API)',
    });

    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The standard Postgres port keeps psql and client defaults working; the security group, not the port, ' +
        'controls access and admits nothing unless allowedCidrs names networks.',
    });
    Validations.of(this.cluster.node.findChild('Secret')).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotation needs a function inside the VPC with a network path to Secrets Manager (a NAT gateway or an ' +
        'interface endpoint, each a fixed monthly cost this platform avoids). Access is through the Data API with ' +
        'IAM; the secret is readable only by roles granted Data API access.',
    });
  }
}
