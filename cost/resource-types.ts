import type { Pricer } from './lines';
import { priceAppRunner, priceExpressService, priceFunction } from './pricers/compute';
import { priceDatabaseCluster, priceDatabaseInstance } from './pricers/database';
import {
  priceAlarm,
  priceBudget,
  priceEventSourceMapping,
  priceKey,
  priceQueue,
  priceSchedule,
  priceSecret,
  priceSubscription,
  priceTopic,
  priceWebAcl,
  priceWorkgroup,
} from './pricers/services';
import { priceBucket, priceFlowLog, priceRepository } from './pricers/storage';

/**
 * Every CloudFormation resource type the platform synthesizes, either priced (by a pricer) or free
 * with the reason. A type missing here makes the estimate list it as unclassified and the cost test
 * fail, so a new kind of resource is priced, or its freedom explained, before it ships.
 */
export type Classification =
  | { readonly kind: 'priced'; readonly pricer: Pricer | 'log-group' }
  | { readonly kind: 'free'; readonly reason: string };

const free = (reason: string): Classification => ({ kind: 'free', reason });
const priced = (pricer: Pricer | 'log-group'): Classification => ({ kind: 'priced', pricer });

const IAM = free('IAM roles and policies have no charge.');
const VPC = free(
  'VPCs, subnets, route tables and security groups have no charge (no NAT gateway, no endpoints).',
);
const CONFIG = free('Configuration only; what it configures is priced on its own line.');

export const RESOURCE_TYPES: Readonly<Record<string, Classification>> = {
  // Database
  'AWS::RDS::DBCluster': priced(priceDatabaseCluster),
  'AWS::RDS::DBInstance': priced(priceDatabaseInstance),
  'AWS::RDS::DBSubnetGroup': CONFIG,
  'AWS::RDS::DBClusterParameterGroup': free(
    'A DB cluster parameter group has no charge: it holds engine settings; the cluster is priced on its own lines.',
  ),
  'AWS::SecretsManager::Secret': priced(priceSecret),
  'AWS::SecretsManager::SecretTargetAttachment': CONFIG,
  'Custom::SchemaMigrations': free(
    'Runs the migration function during deploys; the function and the database wake-up are priced on their lines.',
  ),
  'Custom::DatabaseRolePasswords': free(
    "Sets the services' database role passwords during deploys, right after the migrations; the function is priced on its line.",
  ),
  // Network
  'AWS::EC2::VPC': VPC,
  'AWS::EC2::Subnet': VPC,
  'AWS::EC2::RouteTable': VPC,
  'AWS::EC2::SubnetRouteTableAssociation': VPC,
  'AWS::EC2::SecurityGroup': VPC,
  'AWS::EC2::SecurityGroupIngress': VPC,
  'AWS::EC2::SecurityGroupEgress': VPC,
  'AWS::EC2::Route': VPC,
  'AWS::EC2::InternetGateway': free(
    'An internet gateway has no hourly charge; the public IPv4 address it serves is priced on the database instance.',
  ),
  'AWS::EC2::VPCGatewayAttachment': VPC,
  'AWS::EC2::FlowLog': priced(priceFlowLog),
  'Custom::DefaultSecurityGroupLockdown': free(
    "Removes a rule of a VPC's default security group once, at deploy, through a function priced on its own line.",
  ),
  // Compute
  'AWS::Lambda::Function': priced(priceFunction),
  'AWS::Lambda::Url': free(
    'A Function URL has no charge of its own: its requests bill as invocations of its function (Lambda pricing).',
  ),
  'AWS::Lambda::Permission': IAM,
  'AWS::Lambda::EventSourceMapping': priced(priceEventSourceMapping),
  'AWS::AppRunner::Service': priced(priceAppRunner),
  'AWS::AppRunner::AutoScalingConfiguration': CONFIG,
  'AWS::ECS::ExpressGatewayService': priced(priceExpressService),
  'AWS::ECS::Cluster': free('An ECS cluster has no charge; its Fargate tasks are priced on the service.'),
  'AWS::ECS::TaskDefinition': CONFIG,
  'AWS::ECR::Repository': priced(priceRepository),
  // Storage and logs
  'AWS::S3::Bucket': priced(priceBucket),
  'AWS::S3::BucketPolicy': CONFIG,
  'AWS::Logs::LogGroup': priced('log-group'),
  // Messaging and events
  'AWS::SQS::Queue': priced(priceQueue),
  'AWS::SQS::QueuePolicy': CONFIG,
  'AWS::Events::Rule': free(
    'Rules on S3 Object Created events: events AWS services publish to the default bus are free, and so is delivery to SQS.',
  ),
  'AWS::Scheduler::Schedule': priced(priceSchedule),
  'AWS::SNS::Topic': priced(priceTopic),
  'AWS::SNS::TopicPolicy': CONFIG,
  'AWS::SNS::Subscription': priced(priceSubscription),
  // Guardrails and security
  'AWS::CloudWatch::Alarm': priced(priceAlarm),
  'AWS::KMS::Key': priced(priceKey),
  'AWS::KMS::Alias': free('KMS aliases have no charge.'),
  'AWS::Budgets::Budget': priced(priceBudget),
  'AWS::WAFv2::WebACL': priced(priceWebAcl),
  'AWS::WAFv2::IPSet': free(
    'AWS WAF bills web ACLs, rules and requests; an IP set is referenced by a rule priced on the web ACL.',
  ),
  'AWS::WAFv2::WebACLAssociation': CONFIG,
  // Analytics
  'AWS::Athena::WorkGroup': priced(priceWorkgroup),
  'AWS::Athena::NamedQuery': free(
    'Saved query text has no charge; running a query is priced on the workgroup.',
  ),
  'AWS::Glue::Database': free(
    'The Glue Data Catalog stores its first million objects free; the app has a few dozen.',
  ),
  'AWS::Glue::Table': free(
    'The Glue Data Catalog stores its first million objects free; the app has a few dozen.',
  ),
  // IAM and CloudFormation itself
  'AWS::IAM::Role': IAM,
  'AWS::IAM::Policy': IAM,
  'AWS::IAM::ManagedPolicy': IAM,
  'AWS::IAM::OIDCProvider': IAM,
  'AWS::CDK::Metadata': free('CDK version reporting metadata: not a billed resource.'),
};
