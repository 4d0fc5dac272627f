import { describe, expect, it } from 'vitest';
import { formatSummaryMarkdown, MAX_COMMENT_CHARS } from '../../scripts/diff-comment';
import {
  compareStack,
  renderStackDiff,
  type StackComparison,
  type Template,
} from '../../scripts/diff-compare';
import { costDelta } from '../../scripts/diff-cost';
import { COMMENT_MARKER, summarize } from '../../scripts/diff-summary';

const queues = (n: number, prefix = 'Queue'): Template => ({
  Resources: Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `${prefix}${i}`,
      { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: 0 } },
    ]),
  ),
});
const bucket = (name: string): Template => ({
  Resources: { Lake: { Type: 'AWS::S3::Bucket', Properties: { BucketName: name } } },
});

function comment(
  stacks: StackComparison[],
  options: { allowDestructive?: boolean; maxChars?: number; location?: string } = {},
) {
  const summary = summarize(stacks, { comparedWith: 'main (abc1234)' });
  return formatSummaryMarkdown(summary, {
    diffs: stacks.map((s) => ({ stack: s.stackName, text: renderStackDiff(s) })),
    allowDestructive: options.allowDestructive ?? false,
    maxChars: options.maxChars,
    fullDiffLocation: options.location,
  });
}

describe('formatSummaryMarkdown', () => {
  const replaced = compareStack({
    id: 'Storage',
    stackName: 'demo-storage',
    before: bucket('a'),
    after: bucket('b'),
  });
  const calm = compareStack({ id: 'Queues', stackName: 'demo-queues', before: queues(1), after: queues(1) });

  it('starts with the marker and puts destructive changes above the stack table', () => {
    const body = comment([replaced, calm]);
    expect(body.startsWith(`${COMMENT_MARKER}\n### cdk diff: 1 of 2 stacks changed`)).toBe(true);
    expect(body).toContain('> [!CAUTION]');
    expect(body).toContain('> - **REPLACED** `demo-storage` `Lake` (AWS::S3::Bucket)');
    expect(body.indexOf('[!CAUTION]')).toBeLessThan(body.indexOf('| Stack |'));
    expect(body).toContain('| `demo-queues` | no changes | | | | | |');
  });

  it('says when the label accepts the destructive changes', () => {
    const body = comment([replaced], { allowDestructive: true });
    expect(body).toContain('> [!WARNING]');
    expect(body).toContain('accepted by the "allow-destructive-changes" label');
  });

  it('folds each changed stack diff in its own details block, and none for an unchanged stack', () => {
    const body = comment([replaced, calm]);
    expect(body).toContain(
      '<details><summary>Diff of <code>demo-storage</code>: 0 added, 0 changed, 1 replaced, 0 removed</summary>',
    );
    expect(body).toContain('[~] AWS::S3::Bucket Lake replace');
    expect(body).not.toContain('Diff of <code>demo-queues</code>');
  });

  it('stays under the limit: shortens a long stack diff and leaves out what does not fit, naming the artifact', () => {
    const big = (name: string) =>
      compareStack({ id: name, stackName: name, before: queues(0), after: queues(400, name) });
    const body = comment([big('first'), big('second'), big('third')], {
      maxChars: 20_000,
      location: '[workflow run 7](https://github.com/o/n/actions/runs/7) (artifact `cdk-diff`)',
    });
    expect(body.length).toBeLessThanOrEqual(20_000);
    expect(body).toContain('Diff of <code>first</code>');
    expect(body).toMatch(/\.\.\. \(\d+ more lines\)/);
    expect(body).toContain('> [!NOTE]');
    expect(body).toMatch(/Left out for length: .*`third`/);
    expect(body).toContain('The full diff is kept as an artifact of [workflow run 7]');
    // Every details block that is opened is closed, so the rest of the comment renders.
    expect(body.split('<details>').length).toBe(body.split('</details>').length);
  });

  it('stays under GitHub’s limit by default', () => {
    // Few resources (the diff library is slow on thousands), each with a long value that changes.
    const parameters = (value: string): Template => ({
      Resources: Object.fromEntries(
        Array.from({ length: 150 }, (_, i) => [
          `Param${i}`,
          { Type: 'AWS::SSM::Parameter', Properties: { Value: value } },
        ]),
      ),
    });
    const huge = compareStack({
      id: 'Huge',
      stackName: 'huge',
      before: parameters('a'.repeat(300)),
      after: parameters('b'.repeat(300)),
    });
    expect(renderStackDiff(huge).length).toBeGreaterThan(MAX_COMMENT_CHARS * 1.5);
    const body = comment([huge]);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.length).toBeGreaterThan(MAX_COMMENT_CHARS - 2_000); // the room is used, not wasted
    expect(MAX_COMMENT_CHARS).toBeLessThan(65_536);
  });

  it('keeps a diff inside its code block even when it contains backticks', () => {
    const ticks = compareStack({
      id: 'T',
      stackName: 't',
      before: { Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Value: 'a' } } } },
      after: { Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Value: '```js\nx\n```' } } } },
    });
    const body = comment([ticks]);
    expect(body).toContain('````\nStack T (t)\n');
    expect(body).toContain('\n```\n````\n');
  });

  it('warns about open ingress, IAM to check and stale readers, and lists every security change folded', () => {
    const group = (ingress: unknown[]): Template => ({
      Resources: {
        G: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: { GroupDescription: 'g', SecurityGroupIngress: ingress },
        },
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'sts:AssumeRole',
                  Principal: {
                    AWS: ingress.length
                      ? 'arn:aws:iam::111122223333:root'
                      : { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' },
                  },
                },
              ],
            },
          },
        },
      },
      Outputs: { GroupId: { Value: { 'Fn::GetAtt': ['G', 'GroupId'] } } },
    });
    const producer = compareStack({
      id: 'Net',
      stackName: 'net',
      before: group([]),
      after: group([{ CidrIpv6: '::/0', IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }]),
    });
    const readerTemplate: Template = {
      Resources: {
        P: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Value: { 'Fn::GetStackOutput': { StackName: 'net', OutputName: 'GroupId' } } },
        },
      },
    };
    const reader = compareStack({
      id: 'App',
      stackName: 'app',
      before: readerTemplate,
      after: readerTemplate,
    });
    const summary = summarize([producer, reader], { comparedWith: 'x' });
    // The group's description is unchanged, so it is not replaced: the reader is named only if the output changes.
    expect(summary.staleReaders).toEqual([]);
    const body = comment([producer, reader]);
    expect(body).toContain('> **1 security group rule open to the whole internet:**');
    expect(body).toContain('> - `net` `ingress TCP 22 from Everyone (IPv6) (group ${G.GroupId})`');
    expect(body).toContain('> **IAM changes to check (1):**');
    expect(body).toContain('trusts account 111122223333');
    expect(body).toContain('<details><summary>IAM and security group changes (3)</summary>');
  });

  it('names the stacks to redeploy and shows the cost change', () => {
    const producerTemplate = (name: string): Template => ({
      Resources: {
        Lake: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { BucketName: name } },
      },
      Outputs: { LakeName: { Value: { Ref: 'Lake' } } },
    });
    const readerTemplate: Template = {
      Resources: {
        P: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Value: { 'Fn::GetStackOutput': { StackName: 'store', OutputName: 'LakeName' } } },
        },
      },
    };
    const stacks = [
      compareStack({
        id: 'Store',
        stackName: 'store',
        before: producerTemplate('a'),
        after: producerTemplate('b'),
      }),
      compareStack({ id: 'App', stackName: 'app', before: readerTemplate, after: readerTemplate }),
    ];
    const summary = summarize(stacks, {
      comparedWith: 'x',
      cost: costDelta(
        new Map([['store', { idleUsd: 1, typicalUsd: 1, lines: [] }]]),
        new Map([['store', { idleUsd: 1, typicalUsd: 3, lines: [] }]]),
      ),
    });
    const body = formatSummaryMarkdown(summary, { diffs: [], allowDestructive: false });
    expect(body).toContain('> [!IMPORTANT]');
    expect(body).toContain(
      '> - app reads output LakeName of store (Fn::GetStackOutput); it refers to Lake, which is replaced',
    );
    expect(body).toContain('npx cdk deploy App --force');
    expect(body).toContain(
      '**Monthly cost**: idle $1.00 → $1.00 (**±$0.00**), typical $1.00 → $3.00 (**+$2.00**)',
    );
  });
});
