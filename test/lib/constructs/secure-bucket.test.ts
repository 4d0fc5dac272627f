import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOGS_PREFIX,
  SecureBucket,
  type SecureBucketProps,
} from '../../../lib/constructs/secure-bucket';
import { bareStack } from './bare-stack';

function bucket(props?: SecureBucketProps | ((logs: s3.IBucket) => SecureBucketProps)) {
  const { stack, logs } = bareStack();
  new SecureBucket(stack, 'Bucket', typeof props === 'function' ? props(logs) : props);
  return Template.fromStack(stack);
}

describe('SecureBucket', () => {
  const plain = bucket();
  const [resource] = Object.values(plain.findResources('AWS::S3::Bucket'));

  it('blocks public access, is owned by the bucket owner, encrypted with SSE-S3 and kept on delete', () => {
    expect(resource!.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(resource!.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(resource!.Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    expect(resource!.DeletionPolicy).toBe('Retain');
    expect(resource!.UpdateReplacePolicy).toBe('Retain');
  });

  it('denies requests without TLS and TLS older than 1.2', () => {
    const policy = JSON.stringify(plain.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('"s3:TlsVersion":1.2');
  });

  it('aborts incomplete multipart uploads after 7 days, and has no versioning, logging or events by default', () => {
    expect(resource!.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Id: 'AbortIncompleteUploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      }),
    ]);
    expect(resource!.Properties.VersioningConfiguration).toBeUndefined();
    expect(resource!.Properties.LoggingConfiguration).toBeUndefined();
    expect(resource!.Properties.NotificationConfiguration).toBeUndefined();
  });

  it('keeps versions when asked, expiring noncurrent ones after 30 days, after its own rules', () => {
    const versioned = bucket({
      versioned: true,
      lifecycleRules: [{ id: 'Mine', expiration: Duration.days(3) }],
    });
    versioned.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ Id: 'AbortIncompleteUploads' }),
          Match.objectLike({
            Id: 'ExpireNoncurrentVersions',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          }),
          Match.objectLike({ Id: 'Mine', ExpirationInDays: 3 }),
        ],
      },
    });
  });

  it('logs to the given bucket under the access-log prefix, in the date-partitioned format', () => {
    bucket((logs) => ({ accessLogsBucket: logs })).hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: 'logs',
        LogFilePrefix: ACCESS_LOGS_PREFIX,
        TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
      },
    });
  });

  it('publishes object-created events to EventBridge without a configurator function', () => {
    const withEvents = bucket({ eventBridgeEnabled: true });
    withEvents.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    withEvents.resourceCountIs('AWS::Lambda::Function', 0);
  });
});
