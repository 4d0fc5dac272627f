import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AppConfig } from '../config';
import { acknowledgeControlTower } from '../control-tower';
import { DataGenerator } from '../constructs/data-generator';
import { IngestEndpoint } from '../constructs/ingest-endpoint';
import { ObjectLoader } from '../constructs/object-loader';
import { ACCESS_LOGS_PREFIX } from '../constructs/secure-bucket';

export interface IngestionStackProps extends StackProps {
  readonly config: AppConfig;
  readonly lakeBucket: s3.IBucket;
  readonly logBucket: s3.IBucket;
  readonly cluster: rds.DatabaseCluster;
  /** The loader's secret: its database role's credentials (never the master's). */
  readonly secret: secretsmanager.ISecret;
  readonly databaseName: string;
  readonly alertsTopic: sns.ITopic;
}

/**
 * Stateless ingestion: the ingest Function URL, the loader (EventBridge → SQS → function → Data
 * API, with a dead-letter queue and alarms) and, when `generatorEnabled` is set, the scheduled data
 * generator. Replacing anything here never touches a bucket or the database.
 */
export class IngestionStack extends Stack {
  public readonly ingest: IngestEndpoint;
  public readonly loader: ObjectLoader;
  /** The scheduled data generator; present only when `generatorEnabled` is true. */
  public readonly generator?: DataGenerator;

  constructor(scope: Construct, id: string, props: IngestionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetentionDays = config.logRetentionDays;

    this.ingest = new IngestEndpoint(this, 'Ingest', {
      lakeBucket: props.lakeBucket,
      logRetentionDays,
      alertsTopic: props.alertsTopic,
    });
    this.loader = new ObjectLoader(this, 'Loader', {
      lakeBucket: props.lakeBucket,
      logBucket: props.logBucket,
      accessLogsPrefix: ACCESS_LOGS_PREFIX,
      cluster: props.cluster,
      secret: props.secret,
      databaseName: props.databaseName,
      alertsTopic: props.alertsTopic,
      logRetentionDays,
      keepAllAccessLogOperations: config.accessLogsKeepAllOperations,
    });
    // Off, the generator is absent rather than paused: a paused one would still deploy its function
    // and its error alarm (billed per alarm metric) for nothing. On, it has the same construct IDs.
    if (config.generatorEnabled) {
      this.generator = new DataGenerator(this, 'Generator', {
        ingestEndpoint: this.ingest,
        scheduleExpression: config.generatorRate,
        logRetentionDays,
        alertsTopic: props.alertsTopic,
      });
    }

    acknowledgeControlTower(
      this.loader.deadLetterQueue,
      ['sqs_dlq_check'],
      'This is the dead-letter queue itself: its messages are kept for 14 days and raise an alarm; a queue behind ' +
        'it would only move them out of sight.',
    );

    new CfnOutput(this, 'IngestUrl', {
      description:
        'POST /<dataset> here with SigV4 (service lambda): npm run send -- <dataset> <file> --url <this>',
      value: this.ingest.functionUrl.url,
    });
    new CfnOutput(this, 'LoaderQueueUrl', {
      description:
        'Loader queue, for backfills: npm run backfill -- s3://<bucket>/<prefix> --queue-url <this>',
      value: this.loader.queue.queueUrl,
    });
  }
}
