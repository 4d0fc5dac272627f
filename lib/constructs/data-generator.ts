import { Duration, Stack, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AppFunction } from './app-function';
import { acknowledgeFunctionFindings, acknowledgeWildcardResources } from './function-findings';
import type { IIngestEndpoint } from './ingest-endpoint';
import { checkWholeNumber } from './prop-checks';

export interface DataGeneratorProps {
  /** The endpoint the generated batches are POSTed to (SigV4-signed), like any producer. */
  readonly ingestEndpoint: IIngestEndpoint;
  /**
   * Whether the schedule runs. The function exists either way, so toggling it changes one property.
   * @default true: batches are generated on the schedule
   */
  readonly enabled?: boolean;
  /** EventBridge Scheduler rate or cron expression. @default 'rate(5 minutes)': every five minutes */
  readonly scheduleExpression?: string;
  /** Records per dataset per invocation (1 to 10000). @default 100 records */
  readonly batchSize?: number;
  /** Days to keep the generator's logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** Topic notified when a run of the generator fails. @default no alarm: failures show only in the function's metrics and logs */
  readonly alertsTopic?: sns.ITopic;
}

/**
 * A scheduled function that produces realistic `usage`, `trades` and `samples` batches and sends
 * them through the ingest Function URL, so a fresh deployment has data flowing end to end.
 */
export class DataGenerator extends Construct {
  public readonly function: AppFunction;
  public readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: DataGeneratorProps) {
    super(scope, id);
    const batchSize = props.batchSize ?? 100;
    checkWholeNumber(this.node.path, 'batchSize', batchSize, {
      min: 1,
      max: 10_000,
      why: 'records per dataset and invocation; one request must stay under the ingest limits',
    });
    this.function = new AppFunction(this, 'Function', {
      entry: 'lambda/generator/handler.ts',
      description: 'Generates usage, trades and samples batches and POSTs them to the ingest endpoint',
      logRetentionDays: props.logRetentionDays,
      timeout: Duration.minutes(1),
      memorySize: 256,
      environment: {
        INGEST_URL: props.ingestEndpoint.functionUrl.url,
        GENERATOR_BATCH_SIZE: Tokenization.stringifyNumber(batchSize),
      },
      alarmTopic: props.alertsTopic,
    });
    props.ingestEndpoint.grantInvokeUrl(this.function);
    acknowledgeFunctionFindings(this.function);
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the data generator',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Runs the data generator',
      schedule: scheduler.ScheduleExpression.expression(props.scheduleExpression ?? 'rate(5 minutes)'),
      target: new schedulerTargets.LambdaInvoke(this.function, { retryAttempts: 0, role: schedulerRole }),
      enabled: props.enabled ?? true,
    });
    acknowledgeWildcardResources(
      schedulerRole,
      [`${this.function.functionArn}:*`],
      'lambda:InvokeFunction on the generator function and its versions (<arn>:*), nothing else.',
    );
  }
}
