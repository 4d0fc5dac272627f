import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetTable } from '../../lib/constructs/dataset-table';
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

  // The ingest endpoint, the loader and the generator are tested on their own in test/lib/constructs/;
  // here, how the platform wires them.
  it('wires the loader to the lake and the platform database, and the ingest URL to one Function URL', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Timeout: 120,
      Environment: { Variables: Match.objectLike({ LAKE_BUCKET: Match.anyValue(), DB_NAME: 'analytics' }) },
    });
    synth.template.resourceCountIs('AWS::Lambda::Url', 1);
  });

  it('has no generator by default: no function, schedule or alarm (its runs would keep Aurora awake)', () => {
    const resources = Object.keys(synth.template.toJSON().Resources as object);
    expect(resources.filter((id) => id.startsWith('Generator'))).toEqual([]);
    synth.template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(synth.ingestion.generator).toBeUndefined();
  });

  it('adds the generator with one setting, under the logical IDs it has always had, and sets its rate', () => {
    const on = synthIngestion({ generatorEnabled: 'true', generatorRate: 'rate(1 hour)' });
    on.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
    });
    const resources = on.template.toJSON().Resources as Record<string, { Type: string }>;
    const generator = Object.fromEntries(
      Object.entries(resources)
        .filter(([id]) => id.startsWith('Generator'))
        .map(([id, r]) => [id, r.Type]),
    );
    expect(generator).toEqual({
      GeneratorFunctionLogs09BD0A80: 'AWS::Logs::LogGroup',
      GeneratorFunctionServiceRole5258232F: 'AWS::IAM::Role',
      GeneratorFunctionServiceRoleDefaultPolicy6E3DBA8F: 'AWS::IAM::Policy',
      GeneratorFunction2A48731F: 'AWS::Lambda::Function',
      GeneratorFunctionErrorsAlarm7CEB9283: 'AWS::CloudWatch::Alarm',
      GeneratorSchedulerRole00013ED0: 'AWS::IAM::Role',
      GeneratorSchedulerRoleDefaultPolicy8E8DCE95: 'AWS::IAM::Policy',
      GeneratorScheduleDA48FAF6: 'AWS::Scheduler::Schedule',
    });
    expect(Object.keys(on.template.findResources('AWS::Lambda::Function'))).toHaveLength(3);
    expect(on.findings).toEqual([
      expect.objectContaining({
        rule: 'Annotation::@analytics/cost:generator-keeps-database-awake',
        constructPaths: ['Ingestion/Generator/Schedule/Resource'],
      }),
    ]);
  });

  it('gives every function a log group with retention, a bounded timeout and memory', () => {
    const functions = synth.template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(2); // ingest and loader; the generator is off by default
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
    expect(Object.keys(groups).length).toBeGreaterThanOrEqual(2);
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
