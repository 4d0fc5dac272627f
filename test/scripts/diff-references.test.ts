import { CfnOutput, Stack, type App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { describe, expect, it } from 'vitest';
import { changedOutputs, findStaleReaders } from '../../scripts/diff-references';
import { compareStack, type Template } from '../../scripts/diff-compare';
import { comparePair } from './template-pairs';

/** The app's setting: cross-stack references are `Fn::GetStackOutput` reads of the producer's outputs. */
const WEAK = { '@aws-cdk/core:defaultCrossStackReferences': 'weak' };

/** A producer stack with a bucket, and a consumer that stores the bucket's name in a parameter. */
const app =
  (bucketName: string, consumerDescription = 'lake') =>
  (a: App) => {
    const storage = new Stack(a, 'Storage', { stackName: 'demo-storage' });
    const bucket = new s3.Bucket(storage, 'Lake', { bucketName });
    const reports = new Stack(a, 'Reports', { stackName: 'demo-reports' });
    new ssm.StringParameter(reports, 'LakeName', {
      stringValue: bucket.bucketName,
      description: consumerDescription,
    });
  };

describe('stacks that read a changed output', () => {
  it('names the consumer of an output whose resource is replaced, though the output text stays { Ref }', () => {
    const stacks = comparePair(app('demo-lake'), app('demo-lake-2'), WEAK);
    const [storage, reports] = stacks;
    expect(JSON.stringify(reports!.after)).toContain('Fn::GetStackOutput');
    expect(storage!.diff.outputs.differenceCount).toBe(0); // the library sees no output change
    expect(reports!.status).toBe('unchanged');

    expect(findStaleReaders(stacks)).toEqual([
      {
        consumer: 'demo-reports',
        consumerId: 'demo-reports',
        consumerChanges: false,
        producer: 'demo-storage',
        producerId: 'demo-storage',
        output: expect.stringMatching(/^PublishOutputRefLake/),
        via: 'Fn::GetStackOutput',
        why: expect.stringMatching(/^it refers to Lake[0-9A-F]{8}, which is replaced$/),
        advice: expect.stringContaining('npx cdk deploy demo-reports --force'),
      },
    ]);
  });

  it('says a full deploy updates a consumer whose own template changes too', () => {
    const stacks = comparePair(app('demo-lake'), app('demo-lake-2', 'the lake'), WEAK);
    expect(findStaleReaders(stacks)).toEqual([
      expect.objectContaining({
        consumerChanges: true,
        advice: expect.stringContaining('cdk deploy --all does, in that order'),
      }),
    ]);
  });

  it('names nobody when the outputs that are read do not change', () => {
    const stacks = comparePair(app('demo-lake'), app('demo-lake', 'the lake'), WEAK);
    expect(stacks[1]!.status).toBe('changed');
    expect(findStaleReaders(stacks)).toEqual([]);
  });

  it('reports an output whose value changes or which is removed', () => {
    const template = (outputs: Template['Outputs']): Template => ({
      Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
      Outputs: outputs,
    });
    const producer = compareStack({
      id: 'Producer',
      stackName: 'producer',
      before: template({ Url: { Value: 'https://a.example' }, Old: { Value: 'x' }, Same: { Value: 'y' } }),
      after: template({ Url: { Value: 'https://b.example' }, Same: { Value: 'y' }, New: { Value: 'z' } }),
    });
    expect(Object.fromEntries(changedOutputs(producer))).toEqual({
      Url: 'its value changes',
      Old: 'it is removed',
    });
  });

  it('warns that a deploy fails when a changed output is exported and imported (Fn::ImportValue)', () => {
    const stacks = comparePair(app('demo-lake'), app('demo-lake-2'));
    const [, reports] = stacks;
    expect(JSON.stringify(reports!.after)).toContain('Fn::ImportValue');
    expect(findStaleReaders(stacks)).toEqual([
      expect.objectContaining({
        consumer: 'demo-reports',
        producer: 'demo-storage',
        via: 'Fn::ImportValue',
        advice: expect.stringContaining('deploying demo-storage fails'),
      }),
    ]);
  });

  it('reads references nested in Fn::Join and Fn::Sub values', () => {
    const stacks = comparePair(
      (a) => {
        const s = new Stack(a, 'P', { stackName: 'p' });
        new s3.Bucket(s, 'B', { bucketName: 'one' });
        new CfnOutput(s, 'Site', {
          value: `https://${new s3.Bucket(s, 'C', { bucketName: 'site-one' }).bucketDomainName}/`,
        });
      },
      (a) => {
        const s = new Stack(a, 'P', { stackName: 'p' });
        new s3.Bucket(s, 'B', { bucketName: 'one' });
        new CfnOutput(s, 'Site', {
          value: `https://${new s3.Bucket(s, 'C', { bucketName: 'site-two' }).bucketDomainName}/`,
        });
      },
    );
    expect(Object.fromEntries(changedOutputs(stacks[0]!))).toEqual({
      Site: expect.stringMatching(/^it refers to C[0-9A-F]{8}, which is replaced$/),
    });
  });
});
