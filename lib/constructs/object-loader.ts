import { Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction } from './app-function';
import {
  ACCESS_LOGS_PREFIX_ENV,
  KEEP_ALL_OPERATIONS_ENV,
  MAX_RECEIVE_COUNT_ENV,
} from '../../lambda/loader/contract';
import { acknowledgeFunctionFindings } from './function-findings';
import { checkWholeNumber } from './prop-checks';

export interface ObjectLoaderProps {
  /** The lake; objects created under `raw/` are loaded. */
  readonly lakeBucket: s3.IBucket;
  /** The log bucket; objects created under `accessLogsPrefix` are loaded as S3 access logs. */
  readonly logBucket: s3.IBucket;
  /** Prefix of S3 server access logs in the log bucket, e.g. `s3-access-logs/`. */
  readonly accessLogsPrefix: string;
  /** The Aurora cluster, reached through the RDS Data API (which must be enabled on it). */
  readonly cluster: rds.IDatabaseCluster;
  /** The database credentials secret the Data API uses. */
  readonly secret: secretsmanager.ISecret;
  /** The database the loader writes to. */
  readonly databaseName: string;
  /** Topic the dead-letter, backlog and function error alarms notify. */
  readonly alertsTopic: sns.ITopic;
  /** Days to keep the loader's logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /**
   * Load every S3 access log record.
   * @default false: only GET object requests (200 and 206) and invalid requests (4xx, 5xx) are loaded
   */
  readonly keepAllAccessLogOperations?: boolean;
  /**
   * How long one invocation may run; the queue's visibility timeout is six times this, so it must be
   * a fixed duration (not a deploy-time value).
   * @default two minutes
   */
  readonly timeout?: Duration;
  /** Deliveries before a message moves to the dead-letter queue (1 to 1000). @default 5 deliveries */
  readonly maxReceiveCount?: number;
  /**
   * Concurrent loader invocations (2 to 1000), to keep a small database from being flooded.
   * @default 2 concurrent invocations
   */
  readonly maxConcurrency?: number;
}

/**
 * The loader: S3 object-created events (through EventBridge, so the buckets' stack needs no
 * reference to this one) go to an SQS queue, and the loader function loads each object into
 * Postgres through the Data API, reporting partial batch failures. Messages that keep failing move
 * to a dead-letter queue kept 14 days, with an alarm as soon as one arrives.
 */
export class ObjectLoader extends Construct {
  public readonly function: AppFunction;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ObjectLoaderProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(2);
    if (Token.isUnresolved(timeout.toSeconds())) {
      throw new Error(
        `${this.node.path}: timeout must be a fixed duration such as Duration.minutes(2): the queue's ` +
          'visibility timeout is computed from it, which a deploy-time value does not allow.',
      );
    }
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    checkWholeNumber(this.node.path, 'maxReceiveCount', maxReceiveCount, {
      min: 1,
      max: 1000,
      why: 'SQS redrive policy limits',
    });
    const maxConcurrency = props.maxConcurrency ?? 2;
    // Maximum concurrency of an SQS event source: 2 to 1000
    // (https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html).
    checkWholeNumber(this.node.path, 'maxConcurrency', maxConcurrency, {
      min: 2,
      max: 1000,
      why: 'SQS event source limits',
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // AWS's guidance for SQS event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    new events.Rule(this, 'LakeObjectCreated', {
      description: 'Raw batches written to the lake, to the loader queue',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.lakeBucket.bucketName] }, object: { key: [{ prefix: 'raw/' }] } },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });
    new events.Rule(this, 'AccessLogObjectCreated', {
      description: 'S3 server access logs delivered to the log bucket, to the loader queue',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.logBucket.bucketName] },
          object: { key: [{ prefix: props.accessLogsPrefix }] },
        },
      },
      targets: [new targets.SqsQueue(this.queue)],
    });

    this.function = new AppFunction(this, 'Function', {
      entry: 'lambda/loader/handler.ts',
      description:
        'Loads objects from the lake and the log bucket into Postgres (SQS, partial batch failures)',
      logRetentionDays: props.logRetentionDays,
      timeout,
      memorySize: 512,
      alarmTopic: props.alertsTopic,
      environment: {
        LAKE_BUCKET: props.lakeBucket.bucketName,
        LOG_BUCKET: props.logBucket.bucketName,
        [ACCESS_LOGS_PREFIX_ENV]: props.accessLogsPrefix,
        DB_CLUSTER_ARN: props.cluster.clusterArn,
        DB_SECRET_ARN: props.secret.secretArn,
        DB_NAME: props.databaseName,
        [KEEP_ALL_OPERATIONS_ENV]: String(props.keepAllAccessLogOperations ?? false),
        // The last failed delivery of a message is logged as its move to the dead-letter queue.
        [MAX_RECEIVE_COUNT_ENV]: String(maxReceiveCount),
      },
    });
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );
    const sources = [
      props.lakeBucket.arnForObjects('raw/*'),
      props.logBucket.arnForObjects(`${props.accessLogsPrefix}*`),
    ];
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadObjectsToLoad', actions: ['s3:GetObject'], resources: sources }),
    );
    acknowledgeFunctionFindings(this.function, {
      resources: sources,
      reason: `s3:GetObject on objects under the lake's raw/ and the log bucket's ${props.accessLogsPrefix} prefixes only.`,
    });
    props.cluster.grantDataApiAccess(this.function);

    this.deadLetterAlarm = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription:
          'Objects failed to load after every retry and wait in the loader dead-letter queue. ' +
          'Check the loader logs, fix the cause, then redrive the queue.',
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.deadLetterAlarm.addAlarmAction(new actions.SnsAction(props.alertsTopic));

    const backlogAlarm = this.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'BacklogAlarm', {
        alarmDescription:
          'The loader queue has held a message for over an hour: loads are falling behind or failing.',
        threshold: 3600,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    backlogAlarm.addAlarmAction(new actions.SnsAction(props.alertsTopic));
  }
}
