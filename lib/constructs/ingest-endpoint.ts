import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AppFunction } from './app-function';
import { acknowledgeFunctionFindings } from './function-findings';

export interface IngestEndpointProps {
  /** The lake: accepted batches go to `raw/`, rejected records to `rejected/`. */
  readonly lakeBucket: s3.IBucket;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** Memory of the ingest function in MB (128 to 3008). @default 512 MB */
  readonly memorySize?: number;
  /** How long one request may take. @default 30 seconds */
  readonly timeout?: Duration;
  /**
   * Topic notified when the Function URL answers requests with a 5xx: the lake could not be written,
   * an unexpected fault, or a failed invocation (an uncaught error, a timeout).
   * @default no alarm: failures show only in the function's metrics and logs
   */
  readonly alertsTopic?: sns.ITopic;
}

/** What a producer needs of the ingest endpoint: its URL and the right to call it. */
export interface IIngestEndpoint {
  /** The Function URL producers POST to (IAM auth, SigV4 for the service `lambda`). */
  readonly functionUrl: lambda.IFunctionUrl;
  /** Lets `grantee` POST to the Function URL (SigV4-signed requests). */
  grantInvokeUrl(grantee: iam.IGrantable): iam.Grant;
}

/**
 * The ingest function behind a Function URL with IAM auth (SigV4, service `lambda`): validates a
 * batch of one dataset's records and writes it to the lake. It may only put objects under `raw/`
 * and `rejected/`; it has no access to the database.
 */
export class IngestEndpoint extends Construct implements IIngestEndpoint {
  public readonly function: AppFunction;
  public readonly functionUrl: lambda.FunctionUrl;
  /**
   * The ingest function's error alarm: raised when requests are answered with a 5xx, failed
   * invocations included; present when `alertsTopic` was given.
   */
  public readonly serverErrorsAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IngestEndpointProps) {
    super(scope, id);
    this.function = new AppFunction(this, 'Function', {
      entry: 'lambda/ingest/handler.ts',
      description: 'Validates event batches (POST /<dataset>) and writes them to the data lake',
      logRetentionDays: props.logRetentionDays,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      environment: { LAKE_BUCKET: props.lakeBucket.bucketName },
      // No alarm on the function's Errors metric: the 5xx alarm below covers failed invocations too.
    });
    const prefixes = [props.lakeBucket.arnForObjects('raw/*'), props.lakeBucket.arnForObjects('rejected/*')];
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'WriteBatches', actions: ['s3:PutObject'], resources: prefixes }),
    );
    acknowledgeFunctionFindings(this.function, {
      resources: prefixes,
      reason:
        "s3:PutObject on objects under the lake's raw/ and rejected/ prefixes only; keys are content hashes.",
    });
    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    if (props.alertsTopic) {
      // The function's one error alarm. The handler answers the failures it catches with a 5xx, and
      // Url5xxCount also counts "server-side errors, such as function errors and timeouts", so this
      // one metric sees every failure an alarm on Errors would, and the 5xx answers Errors misses.
      // https://docs.aws.amazon.com/lambda/latest/dg/urls-monitoring.html
      this.serverErrorsAlarm = this.function
        .metric('Url5xxCount', { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) })
        .createAlarm(this, 'ServerErrorsAlarm', {
          alarmDescription:
            'The ingest endpoint answered requests with a 5xx (the lake could not be written, or the function ' +
            "failed or timed out): batches could not be stored. Check the ingest function's log group for " +
            "'ingest request failed' lines and for errors.",
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      this.serverErrorsAlarm.addAlarmAction(new actions.SnsAction(props.alertsTopic));
    }
  }

  /** Lets `grantee` POST to the Function URL (SigV4-signed requests). */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }
}
