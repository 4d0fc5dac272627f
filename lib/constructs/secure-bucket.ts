import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_ACCESS_LOGS_PREFIX as ACCESS_LOGS_PREFIX } from '../../lambda/loader/contract';

/** Prefix under which the platform's own buckets, and users' buckets, deliver server access logs (the loader routes it). */
export { ACCESS_LOGS_PREFIX };

export interface SecureBucketProps {
  /**
   * Lifecycle rules specific to this bucket, after the shared ones.
   * @default only the shared rules: incomplete multipart uploads are aborted after 7 days (and
   * noncurrent versions expire after 30 days when `versioned`)
   */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Keep object versions, expiring noncurrent ones after 30 days. @default false: one version per key */
  readonly versioned?: boolean;
  /**
   * Bucket that receives this bucket's server access logs, under `ACCESS_LOGS_PREFIX`.
   * @default no server access logs (the log bucket itself must not log into itself)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /** Send object-created events to EventBridge (the loader listens there). @default false: no events */
  readonly eventBridgeEnabled?: boolean;
}

/**
 * An S3 bucket with the defaults every bucket of the platform shares: all public access blocked,
 * TLS required, SSE-S3 encryption, objects owned by the bucket owner (no ACLs), incomplete
 * multipart uploads cleaned up, and kept when the stack is deleted (it holds data).
 */
export class SecureBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ...(props.versioned
        ? [{ id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(30) }]
        : []),
      ...(props.lifecycleRules ?? []),
    ];
    super(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // SSE-S3: the only encryption S3 server access log delivery supports, used everywhere for one model.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      lifecycleRules,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? ACCESS_LOGS_PREFIX : undefined,
      targetObjectKeyFormat: props.accessLogsBucket
        ? s3.TargetObjectKeyFormat.partitionedPrefix(s3.PartitionDateSource.EVENT_TIME)
        : undefined,
    });
    if (props.eventBridgeEnabled) {
      // Set on the bucket resource itself: the L2 option adds a configurator function to the stack.
      (this.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
  }
}
