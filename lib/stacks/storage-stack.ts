import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { acknowledgeControlTower } from '../control-tower';
import { ACCESS_LOGS_PREFIX, SecureBucket } from '../constructs/secure-bucket';

export interface StorageStackProps extends StackProps {
  readonly config: AppConfig;
}

/** Days Athena query results are kept: they are reproducible, so they expire quickly. */
export const ATHENA_RESULTS_EXPIRY_DAYS = 7;
/** Days S3 server access logs are kept in the log bucket (Postgres and Athena hold the analysis). */
export const ACCESS_LOGS_EXPIRY_DAYS = 365;

/**
 * The stateful storage: the data lake (source of truth), the log bucket that receives S3 server
 * access logs in the date-partitioned layout, and the Athena results bucket. All retained on delete.
 */
export class StorageStack extends Stack {
  /** Raw event batches under `raw/<dataset>/dt=YYYY-MM-DD/`, rejected records under `rejected/`. */
  public readonly lakeBucket: s3.Bucket;
  /** Target of S3 server access logs (this platform's buckets and users' buckets) under `s3-access-logs/`. */
  public readonly logBucket: s3.Bucket;
  /** Athena query results, expired after a week. */
  public readonly athenaResultsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);

    this.logBucket = new SecureBucket(this, 'LogBucket', {
      eventBridgeEnabled: true,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          prefix: ACCESS_LOGS_PREFIX,
          expiration: Duration.days(ACCESS_LOGS_EXPIRY_DAYS),
        },
      ],
    });
    // Any bucket of this account may deliver its server access logs here, under the prefix;
    // no other account can, and nothing else may write.
    this.logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsFromThisAccount',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.logBucket.arnForObjects(`${ACCESS_LOGS_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the server access log destination; logging its own access into itself would create a log loop.',
    });

    this.lakeBucket = new SecureBucket(this, 'LakeBucket', {
      versioned: true,
      eventBridgeEnabled: true,
      accessLogsBucket: this.logBucket,
      lifecycleRules: [
        {
          id: 'TierRawAfter90Days',
          prefix: 'raw/',
          transitions: [
            { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(90) },
          ],
        },
        { id: 'ExpireRejectedAfter90Days', prefix: 'rejected/', expiration: Duration.days(90) },
      ],
    });

    this.athenaResultsBucket = new SecureBucket(this, 'AthenaResultsBucket', {
      accessLogsBucket: this.logBucket,
      lifecycleRules: [{ id: 'ExpireResults', expiration: Duration.days(ATHENA_RESULTS_EXPIRY_DAYS) }],
    });

    // Control Tower controls that do not fit buckets of this kind, with the reason for each bucket.
    for (const bucket of [this.lakeBucket, this.logBucket, this.athenaResultsBucket]) {
      acknowledgeControlTower(
        bucket,
        ['s3_bucket_default_encryption_kms_check'],
        'SSE-S3: S3 server access log delivery supports only SSE-S3 on its destination, and one encryption model ' +
          'for every bucket keeps Athena and the functions free of KMS permissions and per-request key costs.',
      );
      acknowledgeControlTower(
        bucket,
        ['s3_bucket_object_lock_enabled_check'],
        'Object Lock would stop the lifecycle rules from expiring rejected records, access logs and query results; ' +
          'the buckets are kept on stack delete, the lake is versioned, and nothing but the platform can write.',
      );
    }
    for (const bucket of [this.logBucket, this.athenaResultsBucket]) {
      acknowledgeControlTower(
        bucket,
        ['s3_bucket_versioning_enabled_check'],
        'Access logs and query results are written once and expire by lifecycle; versions would only keep every ' +
          'expired object as a paid noncurrent version.',
      );
    }
    acknowledgeControlTower(
      this.logBucket,
      ['s3_bucket_logging_enabled_check'],
      'This is the server access log destination; logging its own access into itself would create a log loop.',
    );
    acknowledgeControlTower(
      this.athenaResultsBucket,
      ['s3_event_notifications_enabled_check'],
      'Nothing reacts to Athena query results: they are read by the query that wrote them and expire in 7 days.',
    );

    new CfnOutput(this, 'LakeBucketName', { value: this.lakeBucket.bucketName });
    new CfnOutput(this, 'LogBucketName', {
      value: this.logBucket.bucketName,
      description: `Point S3 server access logs here, prefix ${ACCESS_LOGS_PREFIX}, date-based partitioning`,
    });
  }
}
