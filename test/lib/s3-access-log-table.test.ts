import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import {
  S3_ACCESS_LOG_GLUE_COLUMNS,
  S3_ACCESS_LOG_REGEX,
  S3AccessLogTable,
  type S3AccessLogTableProps,
} from '../../lib/constructs/s3-access-log-table';
import { isLineError, parseS3AccessLogLine } from '../../lambda/loader/s3-access-log/parser';
import { generateAccessLogLines } from '../../bench/s3-access-logs';
import { synthApp } from '../support/synth';

function build(props: Partial<S3AccessLogTableProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const logBucket = s3.Bucket.fromBucketName(stack, 'Logs', 'my-log-bucket');
  const construct = new S3AccessLogTable(stack, 'AccessLogs', {
    logBucket,
    glueDatabaseName: 'analytics_lake',
    workgroupName: 'analytics',
    exampleSourceBucketName: 'my-data-bucket',
    ...props,
  });
  return { construct, template: Template.fromStack(stack) };
}

/** The column list of the AWS-documented `CREATE EXTERNAL TABLE` for server access logs. */
const AWS_DOCUMENTED_DDL_COLUMNS = `bucketowner STRING, bucket_name STRING, requestdatetime STRING, remoteip STRING,
  requester STRING, requestid STRING, operation STRING, key STRING, request_uri STRING, httpstatus STRING,
  errorcode STRING, bytessent BIGINT, objectsize BIGINT, totaltime STRING, turnaroundtime STRING, referrer STRING,
  useragent STRING, versionid STRING, hostid STRING, sigv STRING, ciphersuite STRING, authtype STRING,
  endpoint STRING, tlsversion STRING, accesspointarn STRING, aclrequired STRING`;

describe('S3AccessLogTable', () => {
  it('has the columns of the AWS-documented DDL, in order', () => {
    const documented = AWS_DOCUMENTED_DDL_COLUMNS.split(',').map((c) => {
      const [name, type] = c.trim().split(/\s+/);
      return { name, type: type.toLowerCase() };
    });
    expect(S3_ACCESS_LOG_GLUE_COLUMNS.map(({ name, type }) => ({ name, type }))).toEqual(documented);
    const { template } = build();
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        StorageDescriptor: Match.objectLike({
          Columns: S3_ACCESS_LOG_GLUE_COLUMNS.map((c) => Match.objectLike({ Name: c.name, Type: c.type })),
        }),
      }),
    });
  });

  it('reads the logs with the AWS-documented RegexSerDe, one group per column', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        StorageDescriptor: Match.objectLike({
          SerdeInfo: {
            SerializationLibrary: 'org.apache.hadoop.hive.serde2.RegexSerDe',
            Parameters: { 'input.regex': S3_ACCESS_LOG_REGEX },
          },
        }),
      }),
    });
    const groups = new RegExp(`${S3_ACCESS_LOG_REGEX}|`).exec('')!.length - 1;
    expect(groups).toBe(S3_ACCESS_LOG_GLUE_COLUMNS.length);
  });

  it('matches the same records as the parser: the regex agrees with it on generated lines', () => {
    const regex = new RegExp(`^${S3_ACCESS_LOG_REGEX}`);
    for (const line of generateAccessLogLines(200, { seed: 3 })) {
      const m = regex.exec(line);
      const r = parseS3AccessLogLine(line);
      expect(m, line).not.toBeNull();
      if (isLineError(r)) throw new Error(r.error);
      expect(m![2]).toBe(r.bucket);
      expect(m![7]).toBe(r.operation);
      expect(m![10]).toBe(String(r.http_status));
    }
  });

  it('projects the date-partitioned delivery layout: <prefix><account>/<region>/<bucket>/yyyy/MM/dd/', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'analytics_lake',
      TableInput: Match.objectLike({
        Name: 's3_access_logs',
        PartitionKeys: [Match.objectLike({ Name: 'source_bucket' }), Match.objectLike({ Name: 'timestamp' })],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.source_bucket.type': 'injected',
          'projection.timestamp.type': 'date',
          'projection.timestamp.format': 'yyyy/MM/dd',
          'projection.timestamp.range': '2023/11/01,NOW',
          'projection.timestamp.interval.unit': 'DAYS',
          'storage.location.template':
            's3://my-log-bucket/s3-access-logs/123456789012/eu-west-1/${source_bucket}/${timestamp}/',
        }),
        StorageDescriptor: Match.objectLike({
          Location: 's3://my-log-bucket/s3-access-logs/123456789012/eu-west-1/',
        }),
      }),
    });
  });

  it('saves the four queries, each bounded by bucket and days', () => {
    const { template } = build();
    template.resourceCountIs('AWS::Athena::NamedQuery', 4);
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')).map(
      (r) => r.Properties as { Name: string; QueryString: string; WorkGroup: string },
    );
    expect(queries.map((q) => q.Name).sort()).toEqual([
      'S3 access logs: Bytes by day',
      'S3 access logs: Errors by day',
      'S3 access logs: Top keys',
      'S3 access logs: Top requesters',
    ]);
    for (const q of queries) {
      expect(q.WorkGroup).toBe('analytics');
      expect(q.QueryString).toContain(`source_bucket = 'my-data-bucket'`);
      expect(q.QueryString).toMatch(
        /"timestamp" >= date_format\(current_date - interval '\d+' day, '%Y\/%m\/%d'\)/,
      );
    }
  });

  it.each([
    [{ prefix: 'logs' }, /prefix "logs" must be empty or end with "\/"/],
    [
      { firstDay: '2023-11-01' },
      /firstDay "2023-11-01" must be a date in the projection format yyyy\/MM\/dd/,
    ],
    [{ tableName: 'Access-Logs' }, /tableName "Access-Logs"/],
  ])('fails when %o', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it('is part of the Analytics stack and the whole app stays clean under cdk-nag and schema validation', () => {
    const result = synthApp();
    expect(result.findings).toEqual([]);
    const analytics = Object.entries(result.templates).find(([id]) => /Analytics/.test(id));
    expect(analytics).toBeDefined();
    analytics![1].hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({ Name: 's3_access_logs' }),
    });
  });
});
