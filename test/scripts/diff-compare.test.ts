import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import { compareStack, constructPath, fromDeployedDiff, type Template } from '../../scripts/diff-compare';

const deployed: Template = {
  Resources: {
    Lake: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { BucketName: 'lake' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 0 } },
    Gone: { Type: 'AWS::SNS::Topic' },
  },
  Outputs: { LakeName: { Value: { Ref: 'Lake' } }, Old: { Value: 'x' } },
};
const synthesized: Template = {
  Resources: {
    Lake: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { BucketName: 'lake-2' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 0 } },
    New: { Type: 'AWS::SQS::Queue' },
    Meta: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2' } },
  },
  Outputs: { LakeName: { Value: { Ref: 'Lake' } }, New: { Value: 'y' } },
};

/** What the toolkit hands over for a stack: the synthesized template and its diff from the deployed one. */
const compareWithToolkitDiff = (deployedTemplate: Template, after: Template) =>
  fromDeployedDiff({ id: 'S', stackName: 's', after, diff: fullDiff(deployedTemplate, after) });

describe('fromDeployedDiff (the toolkit returns the diff, not the deployed template)', () => {
  it('rebuilds the deployed resources and outputs from the synthesized template and the diff', () => {
    const stack = compareWithToolkitDiff(deployed, synthesized);
    expect(stack.status).toBe('changed');
    // The toolkit's metadata resource is hidden from the diff: whether it was deployed is unknown.
    expect(stack.before).toEqual({ Resources: deployed.Resources, Outputs: deployed.Outputs });
  });

  it('calls a stack with nothing deployed new (the toolkit compares it with an empty template)', () => {
    const stack = compareWithToolkitDiff({}, synthesized);
    expect(stack.status).toBe('added');
    expect(stack.before).toBeUndefined();
  });

  it('calls a stack identical to its deployed template unchanged', () => {
    const stack = compareWithToolkitDiff(deployed, deployed);
    expect(stack.status).toBe('unchanged');
  });
});

describe('compareStack', () => {
  it('hides the toolkit bookkeeping (CDK metadata, bootstrap version rule) as cdk diff does', () => {
    const withBookkeeping = (version: string): Template => ({
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Meta: { Type: 'AWS::CDK::Metadata', Properties: { V: version } },
      },
      Rules: { CheckBootstrapVersion: { Assertions: [{ Assert: version }] } },
    });
    const stack = compareStack({
      id: 'S',
      stackName: 's',
      before: withBookkeeping('1'),
      after: withBookkeeping('2'),
    });
    expect(stack.status).toBe('unchanged');
  });

  it('refuses a stack with neither template', () => {
    expect(() => compareStack({ id: 'S', stackName: 's' })).toThrow(/neither a template before nor after/);
  });
});

describe('constructPath', () => {
  it('drops the stack and the trailing Resource of aws:cdk:path', () => {
    expect(constructPath({ Type: 'X', Metadata: { 'aws:cdk:path': 'Database/Cluster/Resource' } })).toBe(
      'Cluster',
    );
    expect(
      constructPath({ Type: 'X', Metadata: { 'aws:cdk:path': 'Database/Cluster/Writer/Resource' } }),
    ).toBe('Cluster/Writer');
    expect(constructPath({ Type: 'X', Metadata: { 'aws:cdk:path': 'Database/Secret' } })).toBe('Secret');
    expect(constructPath({ Type: 'X' })).toBeUndefined();
  });
});
