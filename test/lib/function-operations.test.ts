import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataGenerator } from '../../lib/constructs/data-generator';
import { IngestEndpoint } from '../../lib/constructs/ingest-endpoint';
import { ObjectLoader } from '../../lib/constructs/object-loader';

/**
 * Every function of the ingestion path logs in Lambda's JSON format and raises one alarm on the
 * alerts topic when it fails: the ingest endpoint's is on its Function URL's 5xx answers, which
 * count failed invocations as well as the 5xx its handler gives. A bare stack, without bundling:
 * the behaviour is the constructs' own.
 */

let template: Template;
let topicId: string;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Operations', { env: { account: '123456789012', region: 'us-east-1' } });
  const lakeBucket = s3.Bucket.fromBucketName(stack, 'Lake', 'lake');
  const logBucket = s3.Bucket.fromBucketName(stack, 'Logs', 'logs');
  const alertsTopic = new sns.Topic(stack, 'Alerts');
  const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', {
    clusterIdentifier: 'analytics',
    clusterEndpointAddress: 'analytics.cluster-x.us-east-1.rds.amazonaws.com',
    port: 5432,
    dataApiEnabled: true,
  });
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'analytics-db');
  const logRetentionDays = logs.RetentionDays.ONE_MONTH;
  const ingest = new IngestEndpoint(stack, 'Ingest', { lakeBucket, logRetentionDays, alertsTopic });
  new ObjectLoader(stack, 'Loader', {
    lakeBucket,
    logBucket,
    accessLogsPrefix: 's3-access-logs/',
    cluster: cluster as never,
    secret,
    databaseName: 'analytics',
    alertsTopic,
    logRetentionDays,
  });
  new DataGenerator(stack, 'Generator', { ingestEndpoint: ingest, logRetentionDays, alertsTopic });
  template = Template.fromStack(stack);
  topicId = stack.getLogicalId(alertsTopic.node.defaultChild as never);
});

describe('function operations', () => {
  it('every function logs in the JSON format, application and system logs from INFO', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const fn of Object.values(functions)) {
      expect((fn as { Properties: { LoggingConfig: unknown } }).Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
      });
    }
  });

  /** The alarms whose metric is about the function with this construct ID. */
  const alarmsOf = (functionId: string) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm.Properties.Dimensions).includes(functionId),
    );

  it('the loader and the generator each have one alarm on failed invocations that notifies the alerts topic', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
    });
    expect(Object.keys(alarms)).toHaveLength(2);
    for (const fn of ['LoaderFunction', 'GeneratorFunction']) {
      expect(alarmsOf(fn).map((a) => a.Properties.MetricName)).toEqual(['Errors']);
    }
    for (const alarm of Object.values(alarms)) {
      expect(alarm).toMatchObject({
        Properties: {
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId }],
        },
      });
    }
  });

  it("the ingest function's one alarm is on its Function URL's 5xx answers, which count its failed invocations too", () => {
    expect(alarmsOf('IngestFunction')).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          MetricName: 'Url5xxCount',
          Namespace: 'AWS/Lambda',
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId }],
        }),
      }),
    ]);
  });

  it("the loader knows its queue's maxReceiveCount, to log a message's move to the dead-letter queue", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LOADER_MAX_RECEIVE_COUNT: '5' }) },
    });
  });
});
