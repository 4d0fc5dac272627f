import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { isIpv6Cidr } from '../cidr';
import type { AppConfig } from '../config';
import { acknowledgeControlTower } from '../control-tower';
import { rejectedFlowLogs } from '../constructs/rejected-flow-logs';

export interface DatabaseStackProps extends StackProps {
  readonly config: AppConfig;
}

/** The Aurora PostgreSQL version: supports both the RDS Data API and a minimum capacity of 0 ACU. */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_11;
export const DATABASE_NAME = 'analytics';
export const POSTGRES_PORT = 5432;
/**
 * The cluster's admin user. Not a default name such as `postgres` or `admin` (AWS Control Tower
 * CT.RDS.PR.21): changing it later replaces the cluster, so it is chosen once, here.
 */
export const DATABASE_ADMIN_USER = 'analytics_admin';
/**
 * One description whatever `allowedCidrs` says: a security group's description cannot change in
 * place, so a description that followed the setting would replace the group on every toggle.
 */
export const DATABASE_SECURITY_GROUP_DESCRIPTION =
  'Aurora PostgreSQL: no inbound rules unless allowedCidrs opens port 5432 to named networks';

/**
 * The stateful database: a VPC without NAT and an Aurora PostgreSQL Serverless v2 cluster that
 * pauses at 0 ACU when idle and is reached through the RDS Data API (HTTPS + IAM). Its security group
 * admits nothing unless `allowedCidrs` names networks; then port 5432 opens to exactly those networks
 * and the writer becomes publicly reachable through an internet gateway (still no NAT). Connections
 * must use TLS (`rds.force_ssl`).
 *
 * Nothing here can fail after the cluster exists: custom resources (schema migrations, the default
 * security group lockdown) live in the database setup stack, so a failed first deploy rolls back
 * without trying to delete a cluster that deletion protection keeps.
 */
export class DatabaseStack extends Stack {
  public readonly vpc: ec2.Vpc;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly cluster: rds.DatabaseCluster;
  public readonly secret: secretsmanager.ISecret;
  public readonly databaseName = DATABASE_NAME;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    const { config } = props;
    const reachable = config.allowedCidrs.length > 0;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      // The database setup stack removes the default group's rules (DefaultSecurityGroupLockdown):
      // aws-cdk-lib's own way is a custom resource, and none may share this stack with the cluster.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: rejectedFlowLogs(this, 'VpcFlowLogs', config.logRetentionDays),
    });

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
      description: DATABASE_SECURITY_GROUP_DESCRIPTION,
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

    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION });
    // rds.force_ssl is a dynamic cluster parameter (off by default in Aurora PostgreSQL 16): with it on,
    // a client that does not use TLS is refused. Attaching the group updates the cluster in place.
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html#AuroraPostgreSQL.Security.SSL
    const clusterParameters = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine,
      description: 'Aurora PostgreSQL cluster settings of the analytics platform: TLS required',
      parameters: { 'rds.force_ssl': '1' },
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier,
      engine,
      parameterGroup: clusterParameters,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_ADMIN_USER),
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
      const publicReason =
        'allowedCidrs asks for direct Postgres access from named networks, which needs a public endpoint; ' +
        'the security group admits port 5432 from exactly those networks (never 0.0.0.0/0 or ::/0), and TLS is required.';
      Validations.of(this.cluster).acknowledge({
        id: 'CloudFormation-Validate::W9011',
        reason: publicReason,
      });
      acknowledgeControlTower(
        this.cluster.node.findChild('Writer'),
        ['rds_instance_public_access_check'],
        publicReason,
      );
    }
    // A publicly accessible instance can only be created once the VPC has its internet gateway.
    if (gatewayAttachment) this.cluster.node.addDependency(gatewayAttachment);

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

    acknowledgeControlTower(
      this.cluster.node.findChild('Writer'),
      ['rds_instance_enhanced_monitoring_enabled_check'],
      'Enhanced monitoring ships OS metrics to CloudWatch Logs at every interval (billed as log ingestion) and needs a ' +
        'monitoring role; the free CloudWatch metrics of Aurora Serverless v2 and the exported Postgres log suffice.',
    );
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
