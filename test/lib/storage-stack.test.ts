import { beforeAll, describe, expect, test } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/synth';

let storage: Template;
beforeAll(() => {
  storage = synthApp().templates.Storage;
});

describe('Storage stack', () => {
  test('three buckets, each with versioning only on the lake', () => {
    storage.resourceCountIs('AWS::S3::Bucket', 3);
    const buckets = storage.findResources('AWS::S3::Bucket');
    const versioned = Object.entries(buckets).filter(
      ([, b]) =>
        (b.Properties?.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled',
    );
    expect(versioned.map(([id]) => id)).toEqual([expect.stringMatching(/^LakeBucket/)]);
  });

  test('the lake and the results bucket log to the log bucket in the date-partitioned format', () => {
    const buckets = storage.findResources('AWS::S3::Bucket', {
      Properties: {
        LoggingConfiguration: {
          DestinationBucketName: { Ref: Match.stringLikeRegexp('^LogBucket') },
          LogFilePrefix: 's3-access-logs/',
          TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
        },
      },
    });
    expect(Object.keys(buckets).sort()).toEqual([
      expect.stringMatching(/^AthenaResultsBucket/),
      expect.stringMatching(/^LakeBucket/),
    ]);
  });

  test('the log bucket lets the S3 logging service deliver from this account only', () => {
    storage.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^LogBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'S3ServerAccessLogsFromThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  test('the lake and the log bucket publish object-created events to EventBridge (no configurator function)', () => {
    const withEvents = storage.findResources('AWS::S3::Bucket', {
      Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } },
    });
    expect(Object.keys(withEvents).sort()).toEqual([
      expect.stringMatching(/^LakeBucket/),
      expect.stringMatching(/^LogBucket/),
    ]);
    storage.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('Athena results expire after a week', () => {
    storage.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'ExpireResults', ExpirationInDays: 7, Status: 'Enabled' }),
        ]),
      },
    });
  });

  test('every bucket aborts incomplete multipart uploads and has SSE-S3 encryption', () => {
    for (const bucket of Object.values(storage.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
      );
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.Properties.OwnershipControls).toEqual({
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
      });
    }
  });
});
