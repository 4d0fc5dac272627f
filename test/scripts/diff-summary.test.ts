import { describe, expect, it } from 'vitest';
import { compareStack, renderStackDiff, type Template } from '../../scripts/diff-compare';
import { costDelta } from '../../scripts/diff-cost';
import {
  ALLOW_DESTRUCTIVE_LABEL,
  checkDestructive,
  formatSummaryText,
  NothingToCompareError,
  summarize,
} from '../../scripts/diff-summary';

/** A named bucket and its policy; a new name replaces both. */
const lake = (bucketName: string): Template['Resources'] => ({
  Lake: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { BucketName: bucketName } },
  LakePolicy: {
    Type: 'AWS::S3::BucketPolicy',
    Properties: { Bucket: { Ref: 'Lake' }, PolicyDocument: {} },
  },
});
const storageBefore: Template = {
  Resources: { ...lake('lake'), Queue: { Type: 'AWS::SQS::Queue' } },
};
const storageAfter: Template = {
  Resources: { ...lake('lake-2'), Topic: { Type: 'AWS::SNS::Topic' } },
};
const database = (zone: string): Template => ({
  Resources: {
    Writer: {
      Type: 'AWS::RDS::DBInstance',
      Properties: { AvailabilityZone: zone, DBInstanceClass: 'db.serverless' },
    },
  },
});

const storage = () =>
  compareStack({ id: 'Storage', stackName: 'demo-storage', before: storageBefore, after: storageAfter });

describe('summarize', () => {
  it('counts what happens to each stack, from the resource impacts', () => {
    const summary = summarize(
      [
        storage(),
        compareStack({
          id: 'Database',
          stackName: 'demo-database',
          before: database('a'),
          after: database('a'),
        }),
        compareStack({
          id: 'Reports',
          stackName: 'demo-reports',
          after: { Resources: { Q: { Type: 'AWS::SQS::Queue' } } },
        }),
      ],
      { comparedWith: 'main (abc1234)' },
    );
    expect(summary.stacks).toEqual([
      expect.objectContaining({
        stack: 'demo-storage',
        status: 'changed',
        added: 1,
        changed: 0,
        replaced: 2,
        removed: 1,
      }),
      expect.objectContaining({ stack: 'demo-database', status: 'unchanged', added: 0, replaced: 0 }),
      expect.objectContaining({ stack: 'demo-reports', status: 'added', added: 1 }),
    ]);
    expect(summary.totals).toMatchObject({ stacksChanged: 2, added: 2, replaced: 2, removed: 1 });
  });

  it('flags the replaced bucket, not the bucket policy replaced with it nor the removed queue', () => {
    const summary = summarize([storage()], { comparedWith: 'x' });
    expect(summary.destructive).toEqual([
      {
        stack: 'demo-storage',
        logicalId: 'Lake',
        path: undefined,
        type: 'AWS::S3::Bucket',
        kind: 'replace',
        reason: 'will be replaced (BucketName requires replacement): a bucket and the objects in it',
      },
    ]);
  });

  it('flags a possible replacement of a stateful resource, naming the property that may cause it', () => {
    const summary = summarize(
      [
        compareStack({
          id: 'Database',
          stackName: 'demo-database',
          before: database('a'),
          after: database('b'),
        }),
      ],
      { comparedWith: 'x' },
    );
    expect(summary.destructive).toEqual([
      expect.objectContaining({
        kind: 'may-replace',
        reason: expect.stringMatching(
          /^may be replaced \(AvailabilityZone may cause replacement\): a database instance/,
        ),
      }),
    ]);
  });

  it('reports a type change under the same logical ID as a replacement', () => {
    const summary = summarize(
      [
        compareStack({
          id: 'S',
          stackName: 's',
          before: { Resources: { Store: { Type: 'AWS::DynamoDB::Table' } } },
          after: { Resources: { Store: { Type: 'AWS::DynamoDB::GlobalTable' } } },
        }),
      ],
      { comparedWith: 'x' },
    );
    expect(summary.destructive).toEqual([
      expect.objectContaining({
        kind: 'replace',
        reason:
          'type changes from AWS::DynamoDB::Table to AWS::DynamoDB::GlobalTable: CloudFormation replaces a table and its items',
      }),
    ]);
  });

  it('orders destructive changes most severe first', () => {
    const summary = summarize(
      [
        compareStack({
          id: 'Database',
          stackName: 'a-database',
          before: database('a'),
          after: database('b'),
        }),
        storage(),
        compareStack({
          id: 'Keys',
          stackName: 'z-keys',
          before: { Resources: { Key: { Type: 'AWS::KMS::Key' }, Q: { Type: 'AWS::SQS::Queue' } } },
          after: { Resources: { Q: { Type: 'AWS::SQS::Queue' } } },
        }),
      ],
      { comparedWith: 'x' },
    );
    expect(summary.destructive.map((d) => d.kind)).toEqual(['remove', 'replace', 'may-replace']);
  });

  it('refuses to summarize a comparison without stacks, instead of passing it as "0 of 0"', () => {
    expect(() => summarize([], { comparedWith: 'the deployed stacks' })).toThrow(NothingToCompareError);
    expect(() => summarize([], { comparedWith: 'the deployed stacks' })).toThrow(/No stacks to compare/);
  });
});

describe('checkDestructive', () => {
  const summary = summarize([storage()], { comparedWith: 'x' });

  it('fails without the label and names it', () => {
    const verdict = checkDestructive(summary, false);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toContain(`add the label "${ALLOW_DESTRUCTIVE_LABEL}"`);
  });

  it('passes with the label', () => {
    expect(checkDestructive(summary, true)).toEqual({
      ok: true,
      message: `1 destructive change to stateful resources, accepted by the "${ALLOW_DESTRUCTIVE_LABEL}" label.`,
    });
  });

  it('passes when nothing is destructive', () => {
    const calm = summarize(
      [compareStack({ id: 'D', stackName: 'd', before: database('a'), after: database('a') })],
      {
        comparedWith: 'x',
      },
    );
    expect(checkDestructive(calm, false).ok).toBe(true);
  });
});

describe('formatSummaryText', () => {
  it('prints destructive changes first, then what to check, the stacks, the cost change and the verdict', () => {
    const securityGroup = (ingress: unknown[]): Template => ({
      Resources: {
        Group: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            GroupDescription: 'x',
            SecurityGroupIngress: ingress,
            SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
          },
        },
      },
    });
    const cost = costDelta(
      new Map([['demo-storage', { idleUsd: 1, typicalUsd: 2, lines: [] }]]),
      new Map([['demo-storage', { idleUsd: 0.5, typicalUsd: 2, lines: [] }]]),
    );
    const summary = summarize(
      [
        storage(),
        compareStack({
          id: 'Network',
          stackName: 'demo-network',
          before: securityGroup([]),
          after: securityGroup([{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }]),
        }),
      ],
      { comparedWith: 'main (abc1234)', cost },
    );
    const text = formatSummaryText(summary);
    expect(text.split('\n').slice(0, 9)).toEqual([
      'cdk diff summary, compared with main (abc1234)',
      '',
      'DESTRUCTIVE CHANGES (1):',
      '  REPLACED  demo-storage Lake [AWS::S3::Bucket]: will be replaced (BucketName requires replacement): a bucket and the objects in it',
      '',
      'OPEN TO THE INTERNET (1):',
      '  demo-network: ingress TCP 443 from Everyone (IPv4) (group ${Group.GroupId})',
      '',
      'Stacks changed: 2 of 2',
    ]);
    expect(text).toContain(
      'Monthly cost (idle / typical): $1.00 / $2.00 -> $0.50 / $2.00 (-$0.50 idle, ±$0.00 typical)',
    );
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^1 destructive change to stateful resources\. Check/);
  });

  it('prints each stack diff with the library, a new stack and one that left the app included', () => {
    const added = compareStack({
      id: 'New',
      stackName: 'demo-new',
      after: { Resources: { Q: { Type: 'AWS::SQS::Queue' } } },
    });
    expect(renderStackDiff(added)).toBe(
      'Stack New (demo-new)\nA new stack.\nResources\n[+] AWS::SQS::Queue Q',
    );
    const gone = compareStack({
      id: 'Old',
      stackName: 'Old',
      before: { Resources: { Q: { Type: 'AWS::SQS::Queue' } } },
    });
    expect(renderStackDiff(gone)).toContain(
      'The stack is no longer in the app. Deploying leaves it in place',
    );
    expect(renderStackDiff(gone)).toContain('[-] AWS::SQS::Queue Q destroy');
    const same = compareStack({ id: 'Same', stackName: 'Same', before: database('a'), after: database('a') });
    expect(renderStackDiff(same)).toBe('Stack Same\nThere were no differences');
  });
});
