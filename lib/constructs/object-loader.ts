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

export interface ObjectLoaderProps {
  /** The lake; objects created under `raw/` are loaded. */
  readonly lakeBucket: s3.IBucket;
  /** The log bucket; objects created under `accessLogsPrefix` are loaded as S3 access logs. */
  readonly logBucket: s3.IBucket;
  /** Prefix of S3 server access logs in the log bucket, e.g. `s3-access-logs/`. */
  readonly accessLogsPrefix: string;
  /** The Aurora cluster, reached through the RDS Data API. */
  readonly cluster: rds.DatabaseCluster;
  /** The database credentials secret the Data API uses. */
  readonly secret: secretsmanager.ISecret;
  readonly databaseName: string;
  /** Topic the dead-letter, backlog and function error alarms notify. */
  readonly alertsTopic: sns.ITopic;
  readonly logRetentionDays: logs.RetentionDays;
  /** Load every S3 access log record, not only GET object and invalid requests. @default false */
  readonly keepAllAccessLogOperations?: boolean;
  /** @default Duration.minutes(2) */
  readonly timeout?: Duration;
  /** Deliveries before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Concurrent loader invocations, to keep a small database from being flooded. @default 2 */
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
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Token.isUnresolved(maxReceiveCount) && (maxReceiveCount < 1 || maxReceiveCount > 1000)) {
      throw new Error(
        `${id}: maxReceiveCount ${maxReceiveCount} is outside 1..1000 (SQS redrive policy limits).`,
      );
    }
    const maxConcurrency = props.maxConcurrency ?? 2;
    if (maxConcurrency < 2 || maxConcurrency > 1000) {
      throw new Error(
        `${id}: maxConcurrency ${maxConcurrency} is outside 2..1000 (SQS event source limits).`,
      );
    }

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
