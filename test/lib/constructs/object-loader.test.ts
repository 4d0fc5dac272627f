import { CfnParameter, Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ObjectLoader, type ObjectLoaderProps } from '../../../lib/constructs/object-loader';
import { bareStack, statements, TOPIC_ARN } from './bare-stack';

type Props = Partial<ObjectLoaderProps> | ((stack: Stack) => Partial<ObjectLoaderProps>);

function loader(props: Props = {}) {
  const { stack, lake, logs, cluster, secret, topic } = bareStack();
  const construct = new ObjectLoader(stack, 'Loader', {
    lakeBucket: lake,
    logBucket: logs,
    accessLogsPrefix: 's3-access-logs/',
    // An interface, not a concrete cluster: an imported one does.
    cluster,
    secret,
    databaseName: 'analytics',
    alertsTopic: topic,
    logRetentionDays: 30,
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return { stack, construct, template: () => Template.fromStack(stack) };
}

describe('ObjectLoader', () => {
  const template = loader().template();

  it('has an encrypted, TLS-only loader queue with a 14-day DLQ and a visibility timeout of 6x the function timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Timeout: 120,
      Environment: { Variables: Match.objectLike({ LAKE_BUCKET: 'lake', DB_NAME: 'analytics' }) },
    });
    const policies = JSON.stringify(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toContain('aws:SecureTransport');
  });

  it('reports partial batch failures from the SQS event source, with bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('routes lake raw/ and log bucket access-log objects to the queue through EventBridge', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: Match.objectLike({ object: { key: [{ prefix: 'raw/' }] } }),
      }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ object: { key: [{ prefix: 's3-access-logs/' }] } }),
      }),
    });
  });

  it('alarms to the alerts topic as soon as a message reaches the DLQ', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [TOPIC_ARN],
    });
  });

  it('reads only objects under raw/ and the access-log prefix, and reaches the database through the Data API', () => {
    const all = statements(template);
    const read = all.find((s) => s.Sid === 'ReadObjectsToLoad')!;
    expect(JSON.stringify(read.Resource)).toContain('lake/raw/*');
    expect(JSON.stringify(read.Resource)).toContain('logs/s3-access-logs/*');
    expect(all.filter((s) => [s.Action].flat().includes('s3:GetObject'))).toEqual([read]);
    const dataApi = all.find((s) => [s.Action].flat().includes('rds-data:ExecuteStatement'))!;
    expect(JSON.stringify(dataApi.Resource)).toContain(':cluster:analytics-db');
  });

  it('takes maxConcurrency and maxReceiveCount from deploy-time values (tokens) without checking them', () => {
    const { template: withTokens } = loader((stack) => ({
      maxConcurrency: new CfnParameter(stack, 'Concurrency', { type: 'Number' }).valueAsNumber,
      maxReceiveCount: new CfnParameter(stack, 'Receives', { type: 'Number' }).valueAsNumber,
    }));
    const built = withTokens();
    built.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: { Ref: 'Concurrency' } },
    });
    built.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: { Ref: 'Receives' } }),
    });
  });

  it('refuses a timeout only known at deploy time: the queue visibility timeout is computed from it', () => {
    expect(() =>
      loader((stack) => ({
        timeout: Duration.seconds(new CfnParameter(stack, 'Timeout', { type: 'Number' }).valueAsNumber),
      })),
    ).toThrow(/Loader: timeout must be a fixed duration/);
  });

  it.each([
    [{ maxReceiveCount: 0 }, /Test\/Loader: maxReceiveCount 0 must be a whole number from 1 to 1000/],
    [{ maxReceiveCount: 1001 }, /maxReceiveCount 1001 must be a whole number from 1 to 1000/],
    [{ maxConcurrency: 1 }, /maxConcurrency 1 must be a whole number from 2 to 1000/],
    [{ maxConcurrency: 2.5 }, /maxConcurrency 2.5 must be a whole number from 2 to 1000/],
    [{ timeout: Duration.minutes(16) }, /timeout 16 minutes exceeds 15 minutes/],
  ])('fails when %j', (props, message) => {
    expect(() => loader(props)).toThrow(message);
  });
});
