import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataGenerator } from '../../lib/constructs/data-generator';
import { DatasetTable } from '../../lib/constructs/dataset-table';
import { IngestEndpoint } from '../../lib/constructs/ingest-endpoint';
import { ObjectLoader } from '../../lib/constructs/object-loader';
import { getDataset } from '../../datasets';
import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { synthApp } from '../support/synth';

/** The whole app, synthesized with cdk-nag as `cdk synth` does; the ingestion stack's parts. */
function synthIngestion(context: Record<string, unknown> = {}) {
  const result = synthApp(context);
  return {
    template: result.templates.Ingestion,
    json: result.json.Ingestion,
    findings: result.findings,
    ingestion: result.ingestion,
  };
}

let synth: ReturnType<typeof synthIngestion>;
beforeAll(() => {
  synth = synthIngestion();
});

describe('IngestionStack', () => {
  it('has no unacknowledged cdk-nag or schema findings', () => {
    expect(synth.findings.filter((f) => f.constructPaths.some((p) => p.startsWith('Ingestion')))).toEqual([]);
  });

  it('exposes the ingest function through a Function URL with IAM auth', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    synth.template.resourceCountIs('AWS::Lambda::Url', 1);
  });

  it('lets the ingest function put objects under raw/ and rejected/ only', () => {
    const policies = synth.template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('IngestFunction') },
    });
    const text = JSON.stringify(policies);
    expect(text).toContain('/raw/*');
    expect(text).toContain('/rejected/*');
    expect(text).not.toContain('rds-data');
    expect(text).not.toContain('s3:GetObject');
  });

  it('has an encrypted, TLS-only loader queue with a 14-day DLQ and a visibility timeout of 6x the function timeout', () => {
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Timeout: 120,
      Environment: { Variables: Match.objectLike({ LAKE_BUCKET: Match.anyValue(), DB_NAME: 'analytics' }) },
    });
    const policies = JSON.stringify(synth.template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toContain('aws:SecureTransport');
  });

  it('reports partial batch failures from the SQS event source, with bounded concurrency', () => {
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('routes lake raw/ and log bucket access-log objects to the queue through EventBridge', () => {
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: Match.objectLike({ object: { key: [{ prefix: 'raw/' }] } }),
      }),
    });
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ object: { key: [{ prefix: 's3-access-logs/' }] } }),
      }),
    });
  });

  it('alarms to the alerts topic as soon as a message reaches the DLQ', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [Match.anyValue()],
    });
  });

  it('keeps the generator schedule off by default (its runs would keep Aurora awake)', () => {
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'DISABLED',
    });
  });

  it('turns the generator schedule on and changes its rate from settings', () => {
    const on = synthIngestion({ generatorEnabled: 'true', generatorRate: 'rate(1 hour)' });
    on.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
    });
  });

  it('gives every function a log group with retention, a bounded timeout and memory', () => {
    const functions = synth.template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(3);
    for (const fn of Object.values(functions)) {
      const props = (
        fn as {
          Properties: { Timeout: number; MemorySize: number; Architectures: string[]; Runtime: string };
        }
      ).Properties;
      expect(props.Timeout).toBeLessThanOrEqual(900);
      expect(props.MemorySize).toBeLessThanOrEqual(3008);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Runtime).toMatch(/^nodejs\d+\.x$/);
    }
    const groups = synth.template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups).length).toBeGreaterThanOrEqual(3);
    for (const group of Object.values(groups))
      expect((group as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays).toBe(30);
  });

  it('synthesizes identical templates twice', () => {
    expect(synthIngestion().json).toEqual(synth.json);
  });
});

describe('constructs fail on bad props', () => {
  const setup = () => {
    const stack = new Stack(new App(), 'S');
    return { stack, bucket: s3.Bucket.fromBucketName(stack, 'B', 'lake') };
  };

  it('DataGenerator fails when batchSize is out of range', () => {
    const { stack, bucket } = setup();
    const ingest = new IngestEndpoint(stack, 'Ingest', { lakeBucket: bucket, logRetentionDays: 30 });
    expect(
      () => new DataGenerator(stack, 'Gen', { ingestEndpoint: ingest, batchSize: 0, logRetentionDays: 30 }),
    ).toThrow(/batchSize 0 must be a whole number from 1 to 10000/);
  });

  it('ObjectLoader fails when maxReceiveCount is out of range', () => {
    const { stack, bucket } = setup();
    expect(
      () =>
        new ObjectLoader(stack, 'Loader', {
          lakeBucket: bucket,
          logBucket: bucket,
          accessLogsPrefix: 'x/',
          cluster: undefined as never,
          secret: undefined as never,
          databaseName: 'x',
          alertsTopic: undefined as never,
          logRetentionDays: 30,
          maxReceiveCount: 0,
        }),
    ).toThrow(/maxReceiveCount 0 is outside 1..1000/);
  });

  it('DatasetTable fails for a dataset that is not NDJSON and for a bad first day', () => {
    const { stack, bucket } = setup();
    const base = { lakeBucket: bucket, glueDatabaseName: 'db', workgroupName: 'wg' };
    expect(
      () =>
        new DatasetTable(stack, 'Logs', {
          ...base,
          dataset: { ...getDataset('usage'), format: 's3-access-log' },
        }),
    ).toThrow(/format "s3-access-log"; DatasetTable reads NDJSON batches only/);
    expect(
      () => new DatasetTable(stack, 'Bad', { ...base, dataset: getDataset('usage'), firstDay: '2020' }),
    ).toThrow(/firstDay "2020" must be a date/);
  });

  it('DatasetTable creates a table with partition projection over raw/<dataset>/ and saved queries', () => {
    const { stack, bucket } = setup();
    new DatasetTable(stack, 'Usage', {
      lakeBucket: bucket,
      glueDatabaseName: 'db',
      workgroupName: 'wg',
      dataset: getDataset('usage'),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'usage',
        PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2020-01-01,NOW',
          'storage.location.template': 's3://lake/raw/usage/dt=${dt}/',
        }),
        StorageDescriptor: Match.objectLike({
          Location: 's3://lake/raw/usage/',
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
          Columns: Match.arrayWith([
            { Name: 'birth_date', Type: 'date', Comment: Match.anyValue() },
            { Name: 'accessed_at', Type: 'timestamp', Comment: Match.anyValue() },
            { Name: 'session_duration', Type: 'int', Comment: Match.anyValue() },
          ]),
        }),
      }),
    });
    template.resourceCountIs('AWS::Athena::NamedQuery', 3);
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      WorkGroup: 'wg',
      Database: 'db',
      QueryString: Match.stringLikeRegexp('dt >= '),
    });
  });
});
