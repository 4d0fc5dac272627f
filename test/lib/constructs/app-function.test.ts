import { CfnParameter, Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AppFunction, type AppFunctionProps } from '../../../lib/constructs/app-function';
import { bareStack } from './bare-stack';

type Props = Partial<AppFunctionProps> | ((stack: Stack) => Partial<AppFunctionProps>);

function fn(props: Props = {}) {
  const { stack } = bareStack();
  new AppFunction(stack, 'Function', {
    entry: 'lambda/ingest/handler.ts',
    description: 'A function under test',
    logRetentionDays: 14,
    ...(typeof props === 'function' ? props(stack) : props),
  });
  return Template.fromStack(stack);
}

describe('AppFunction', () => {
  it('runs Node.js on arm64 with a 30 s timeout, 256 MB and source maps, unreserved, by default', () => {
    const template = fn();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: Match.stringLikeRegexp('^nodejs\\d+\\.x$'),
      Architectures: ['arm64'],
      Timeout: 30,
      MemorySize: 256,
      Description: 'A function under test',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('writes to its own log group with the given retention, removed with the function', () => {
    const template = fn();
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 14 },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: Match.objectLike({ LogGroup: { Ref: Match.stringLikeRegexp('^FunctionLogs') } }),
    });
  });

  it('adds the given environment to NODE_OPTIONS and reserves concurrency when asked', () => {
    fn({ environment: { A: '1' }, reservedConcurrentExecutions: 3 }).hasResourceProperties(
      'AWS::Lambda::Function',
      {
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', A: '1' } },
        ReservedConcurrentExecutions: 3,
      },
    );
  });

  it('accepts deploy-time values (tokens) for memorySize, timeout and reservedConcurrentExecutions', () => {
    const template = fn((stack) => ({
      memorySize: new CfnParameter(stack, 'Memory', { type: 'Number' }).valueAsNumber,
      timeout: Duration.seconds(new CfnParameter(stack, 'Timeout', { type: 'Number' }).valueAsNumber),
      reservedConcurrentExecutions: new CfnParameter(stack, 'Reserved', { type: 'Number' }).valueAsNumber,
    }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: { Ref: 'Memory' },
      Timeout: { Ref: 'Timeout' },
      ReservedConcurrentExecutions: { Ref: 'Reserved' },
    });
  });

  it.each([
    [{ memorySize: 64 }, /Test\/Function: memorySize 64 must be a whole number from 128 to 3008/],
    [{ memorySize: 4096 }, /memorySize 4096 must be a whole number from 128 to 3008/],
    [{ memorySize: 200.5 }, /memorySize 200.5 must be a whole number/],
    [{ timeout: Duration.minutes(16) }, /Test\/Function: timeout 16 minutes exceeds 15 minutes/],
    [
      { reservedConcurrentExecutions: -1 },
      /reservedConcurrentExecutions -1 must be a whole number of at least 0/,
    ],
  ])('fails when %j', (props, message) => {
    expect(() => fn(props)).toThrow(message);
  });
});
