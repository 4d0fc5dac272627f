import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { DataGenerator, type DataGeneratorProps } from '../../../lib/constructs/data-generator';
import type { IIngestEndpoint } from '../../../lib/constructs/ingest-endpoint';
import { ACCOUNT, bareStack } from './bare-stack';

/** A stand-in for the ingest endpoint: any Function URL the generator may be granted to call. */
function fakeEndpoint(stack: Stack): IIngestEndpoint {
  const target = lambda.Function.fromFunctionAttributes(stack, 'Target', {
    functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:ingest`,
    sameEnvironment: true,
  });
  const functionUrl = new lambda.FunctionUrl(stack, 'Url', {
    function: target,
    authType: lambda.FunctionUrlAuthType.AWS_IAM,
  });
  return { functionUrl, grantInvokeUrl: (grantee: iam.IGrantable) => target.grantInvokeUrl(grantee) };
}

type Props = Partial<DataGeneratorProps> | ((stack: Stack) => Partial<DataGeneratorProps>);

function generator(props: Props = {}) {
  const { stack } = bareStack();
  new DataGenerator(stack, 'Generator', {
    ingestEndpoint: fakeEndpoint(stack),
    logRetentionDays: 30,
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return Template.fromStack(stack);
}

describe('DataGenerator', () => {
  const built = generator();

  it('runs every 5 minutes, enabled, without retries, by default', () => {
    built.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }) }),
    });
  });

  it('keeps the function when the schedule is off, so toggling it changes one property', () => {
    const off = generator({ enabled: false, scheduleExpression: 'rate(1 hour)' });
    off.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
    });
    off.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('posts batches of 100 records to the endpoint URL, allowed to invoke it through the URL only', () => {
    built.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          INGEST_URL: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Url'), 'FunctionUrl'] },
          GENERATOR_BATCH_SIZE: '100',
        }),
      },
    });
    const policy = JSON.stringify(built.findResources('AWS::IAM::Policy'));
    expect(policy).toContain('lambda:InvokeFunctionUrl');
    expect(policy).toContain('lambda:InvokedViaFunctionUrl');
  });

  it('lets only EventBridge Scheduler of this account assume the role that invokes it', () => {
    built.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        ],
      },
    });
  });

  it('accepts a deploy-time batch size (token)', () => {
    generator((stack) => ({
      batchSize: new CfnParameter(stack, 'Batch', { type: 'Number' }).valueAsNumber,
    })).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ GENERATOR_BATCH_SIZE: { Ref: 'Batch' } }) },
    });
  });

  it.each([0, 10_001, 2.5])('fails when batchSize is %s', (batchSize) => {
    expect(() => generator({ batchSize })).toThrow(
      new RegExp(`Test/Generator: batchSize ${batchSize} must be a whole number from 1 to 10000`),
    );
  });
});
