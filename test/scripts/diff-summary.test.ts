import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALLOW_DESTRUCTIVE_LABEL,
  COMMENT_MARKER,
  checkDestructive,
  compareTemplates,
  formatSummaryMarkdown,
  formatSummaryText,
  parseCdkDiff,
  removedStackDiff,
  summarize,
  type Template,
} from '../../scripts/diff-summary';

// Recorded with the real CLI (aws-cdk 2.1148): `cdk diff <stack> --template <old> --no-color` per stack.
const fixture = (name: string) =>
  fs.readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.txt`), 'utf8');
const summaryOf = (name: string) =>
  summarize(parseCdkDiff(fixture(name)), { comparedWith: 'the deployed stacks' });

describe('parseCdkDiff', () => {
  it('reads every stack, its ID and CloudFormation name', () => {
    const stacks = parseCdkDiff(fixture('no-changes'));
    expect(stacks.map((s) => [s.stack, s.stackName, s.status])).toEqual([
      ['Storage', 'analytics-storage', 'unchanged'],
      ['Database', 'analytics-database', 'unchanged'],
      ['Analytics', 'analytics-analytics', 'unchanged'],
      ['Ingestion', 'analytics-ingestion', 'unchanged'],
    ]);
  });

  it('reads resource lines: action, type, construct path, logical ID and impact', () => {
    const [storage] = parseCdkDiff(fixture('removals'));
    expect(storage!.resources).toContainEqual({
      action: 'remove',
      type: 'AWS::S3::Bucket',
      path: 'LakeBucket',
      logicalId: 'LakeBucket9CD7BBD2',
      impact: 'orphan',
      properties: [],
    });
    expect(storage!.resources).toContainEqual(
      expect.objectContaining({
        action: 'add',
        type: 'AWS::S3::Bucket',
        logicalId: 'DataLakeE54831B2',
        impact: 'none',
      }),
    );
    const database = parseCdkDiff(fixture('replace-database'))[1]!;
    expect(database.resources[0]).toEqual({
      action: 'update',
      type: 'AWS::RDS::DBCluster',
      path: 'Cluster',
      logicalId: 'ClusterEB0386A7',
      impact: 'replace',
      properties: [{ name: 'StorageEncrypted', keys: [], replacement: 'requires' }],
    });
  });

  it('reads the property tree one level deep (for renames such as DatabaseInput.Name)', () => {
    const analytics = parseCdkDiff(fixture('glue-rename'))[2]!;
    expect(analytics.resources[0]!.properties).toEqual([
      { name: 'DatabaseInput', keys: ['Name'], replacement: 'none' },
    ]);
    const ingestion = parseCdkDiff(fixture('modifications'))[3]!;
    expect(ingestion.resources[1]!.properties).toEqual([
      { name: 'Environment', keys: ['Variables'], replacement: 'none' },
      { name: 'MemorySize', keys: [], replacement: 'none' },
    ]);
  });

  it('reads IAM statement, managed policy and security group tables, including multi-line cells', () => {
    const stacks = parseCdkDiff(fixture('iam-security-groups'));
    const ingestion = stacks.find((s) => s.stack === 'Ingestion')!;
    expect(ingestion.iamStatementChanges).toEqual([
      {
        change: '+',
        cells: {
          Resource: 'arn:aws:s3:::analytics-lake/*',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Principal: 'AWS:${Loader/ServiceRole}',
        },
      },
    ]);
    expect(ingestion.iamPolicyChanges).toEqual([
      {
        change: '+',
        cells: {
          Resource: '${Loader/ServiceRole}',
          'Managed Policy ARN': 'arn:${AWS::Partition}:iam::aws:policy/AmazonAthenaFullAccess',
        },
      },
    ]);
    const database = stacks.find((s) => s.stack === 'Database')!;
    expect(
      database.securityGroupChanges.map((r) => [
        r.change,
        r.cells['Dir'],
        r.cells['Protocol'],
        r.cells['Peer'],
      ]),
    ).toEqual([
      ['+', 'In', 'TCP 5432', '203.0.113.0/24'],
      ['+', 'In', 'TCP 5432', '2001:db8::/48'],
    ]);

    const additions = parseCdkDiff(fixture('additions')).find((s) => s.stack === 'Ingestion')!;
    const consume = additions.iamStatementChanges.find(
      (r) => r.cells['Effect'] === 'Allow' && r.cells['Resource'] === '${LoaderQueue.Arn}',
    );
    expect(consume?.cells['Action']?.split('\n')).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    expect(additions.iamStatementChanges).toHaveLength(4);
  });

  it('parses coloured output the same as plain output', () => {
    const plain = fixture('replace-database');
    const coloured = plain
      .replace(/^Stack (\S+)/gm, 'Stack \u001b[1m$1\u001b[22m')
      .replace(/\[~\]/g, '\u001b[33m[~]\u001b[39m')
      .replace(/ replace$/gm, ' \u001b[3m\u001b[1m\u001b[31mreplace\u001b[39m\u001b[22m\u001b[23m');
    expect(coloured).not.toEqual(plain);
    expect(parseCdkDiff(coloured).map(({ text: _text, ...rest }) => rest)).toEqual(
      parseCdkDiff(plain).map(({ text: _text, ...rest }) => rest),
    );
  });

  it('ignores build output, validation warnings and notices around the stacks', () => {
    const noisy =
      'Bundling asset Ingestion/Loader/Code/Stage...\n  cdk.out/bundling-temp/index.mjs  12.1kb\n' +
      fixture('open-to-internet') +
      "\nNOTICES         (What's this? https://github.com/aws/aws-cdk/wiki/CLI-Notices)\n";
    const stacks = parseCdkDiff(noisy);
    expect(stacks.map((s) => s.stack)).toEqual(['Storage', 'Database', 'Analytics', 'Ingestion']);
    expect(stacks[0]!.status).toBe('unchanged');
    expect(stacks[1]!.securityGroupChanges).toHaveLength(2);
  });

  it('returns no stacks for output without a stack (e.g. a failed synth)', () => {
    expect(parseCdkDiff('Error: alertEmails is required\n')).toEqual([]);
  });
});

describe('summarize', () => {
  it('counts additions per stack on a first deploy', () => {
    const summary = summaryOf('additions');
    expect(summary.stacks.map((s) => [s.stack, s.added, s.changed, s.replaced, s.removed])).toEqual([
      ['analytics-storage', 6, 0, 0, 0],
      ['analytics-database', 13, 0, 0, 0],
      ['analytics-analytics', 2, 0, 0, 0],
      ['analytics-ingestion', 7, 0, 0, 0],
    ]);
    expect(summary.totals).toMatchObject({
      stacksChanged: 4,
      added: 28,
      iamChanges: 8,
      securityGroupChanges: 1,
    });
    expect(summary.destructive).toEqual([]);
  });

  it('counts in-place modifications and reports nothing destructive', () => {
    const summary = summaryOf('modifications');
    expect(summary.totals).toMatchObject({ stacksChanged: 4, added: 0, changed: 5, replaced: 0, removed: 0 });
    expect(summary.destructive).toEqual([]);
    expect(checkDestructive(summary, false).ok).toBe(true);
  });

  it('flags a database replacement first and fails the check without the label', () => {
    const summary = summaryOf('replace-database');
    expect(summary.totals).toMatchObject({ stacksChanged: 1, replaced: 2 });
    expect(summary.destructive.map((d) => [d.stack, d.logicalId, d.type, d.kind])).toEqual([
      ['analytics-database', 'ClusterEB0386A7', 'AWS::RDS::DBCluster', 'replace'],
      ['analytics-database', 'ClusterWriterA91BB273', 'AWS::RDS::DBInstance', 'replace'],
    ]);
    expect(summary.destructive[0]!.reason).toContain('StorageEncrypted requires replacement');

    const verdict = checkDestructive(summary, false);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toContain(ALLOW_DESTRUCTIVE_LABEL);
    expect(checkDestructive(summary, true)).toEqual({
      ok: true,
      message: expect.stringContaining('accepted'),
    });

    const text = formatSummaryText(summary);
    expect(text.indexOf('DESTRUCTIVE CHANGES (2)')).toBeLessThan(text.indexOf('Stacks changed'));
    expect(text).toMatch(
      /REPLACED {2}analytics-database Cluster \(ClusterEB0386A7\) \[AWS::RDS::DBCluster\]/,
    );
  });

  it('flags removed buckets (deleted before orphaned) but not removed queues', () => {
    const summary = summaryOf('removals');
    expect(summary.destructive.map((d) => [d.logicalId, d.kind])).toEqual([
      ['AthenaResultsBucket879938FA', 'remove'],
      ['LakeBucket9CD7BBD2', 'orphan'],
    ]);
    expect(summary.stacks.find((s) => s.stack === 'analytics-ingestion')).toMatchObject({
      removed: 2,
      iamChanges: 1,
    });
  });

  it('flags a bucket replaced by a new name, not the bucket policy that follows it', () => {
    const summary = summaryOf('bucket-replace');
    expect(summary.destructive.map((d) => [d.logicalId, d.kind])).toEqual([['LogBucketCC3B17E8', 'replace']]);
    expect(summary.totals.replaced).toBe(2);
  });

  it('flags a renamed Glue database, not its replaced Glue table (tables are cheap to recreate)', () => {
    const summary = summaryOf('glue-rename');
    expect(summary.destructive.map((d) => [d.logicalId, d.type, d.kind])).toEqual([
      ['GlueDatabase', 'AWS::Glue::Database', 'rename'],
    ]);
    expect(summary.destructive[0]!.reason).toContain('DatabaseInput.Name');
  });

  it('flags a possible replacement of a stateful resource, naming the properties that may cause it', () => {
    const summary = summaryOf('may-replace');
    expect(summary.destructive).toEqual([
      expect.objectContaining({
        logicalId: 'ClusterWriterA91BB273',
        type: 'AWS::RDS::DBInstance',
        kind: 'may-replace',
      }),
    ]);
    expect(summary.destructive[0]!.reason).toContain(
      'AutoMinorVersionUpgrade, PreferredMaintenanceWindow may cause replacement',
    );
    expect(summary.totals).toMatchObject({ replaced: 1, changed: 0 });
    expect(formatSummaryText(summary)).toContain('MAY BE REPLACED  analytics-database Cluster/Writer');
  });

  it('lists IAM and security group changes, and marks rules open to the internet', () => {
    const summary = summaryOf('iam-security-groups');
    expect(summary.security.map((c) => `${c.change} ${c.stack} ${c.text}`)).toEqual([
      '+ analytics-database In TCP 5432 from 203.0.113.0/24 (${DatabaseSecurityGroup.GroupId})',
      '+ analytics-database In TCP 5432 from 2001:db8::/48 (${DatabaseSecurityGroup.GroupId})',
      '+ analytics-ingestion Allow s3:GetObject on arn:aws:s3:::analytics-lake/* for AWS:${Loader/ServiceRole}',
      '+ analytics-ingestion managed policy arn:${AWS::Partition}:iam::aws:policy/AmazonAthenaFullAccess on ${Loader/ServiceRole}',
    ]);
    expect(summary.security.some((c) => c.openToInternet)).toBe(false);

    const open = summaryOf('open-to-internet');
    expect(open.security.filter((c) => c.openToInternet)).toHaveLength(2);
    expect(formatSummaryText(open)).toContain('OPEN TO THE INTERNET (2)');
  });

  it('reports no changes when nothing differs', () => {
    const summary = summaryOf('no-changes');
    expect(summary.totals).toMatchObject({ stacksChanged: 0, added: 0, changed: 0, replaced: 0, removed: 0 });
    expect(formatSummaryText(summary)).toContain('Stacks changed: 0 of 4');
  });
});

describe('compareTemplates', () => {
  const bucket = (props: Record<string, unknown> = {}, deletionPolicy?: string) => ({
    Type: 'AWS::S3::Bucket',
    Properties: props,
    ...(deletionPolicy ? { DeletionPolicy: deletionPolicy } : {}),
    Metadata: { 'aws:cdk:path': 'Storage/LakeBucket/Resource' },
  });
  const before: Template = {
    Resources: {
      Lake: bucket({}, 'Retain'),
      Results: bucket({}, 'Delete'),
      Queue: { Type: 'AWS::SQS::Queue' },
      Glue: { Type: 'AWS::Glue::Database', Properties: { DatabaseInput: { Name: 'analytics' } } },
      Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql' } },
    },
  };

  it('reports nothing for identical templates and for a new stack', () => {
    expect(compareTemplates('Storage', before, before)).toEqual([]);
    expect(compareTemplates('Storage', undefined, before)).toEqual([]);
  });

  it('finds removed stateful resources exactly: retained ones are orphaned, others deleted', () => {
    const after: Template = {
      Resources: { Glue: before.Resources!['Glue']!, Cluster: before.Resources!['Cluster']! },
    };
    expect(compareTemplates('Storage', before, after).map((c) => [c.logicalId, c.kind, c.path])).toEqual([
      ['Lake', 'orphan', 'LakeBucket/Resource'],
      ['Results', 'remove', 'LakeBucket/Resource'],
    ]);
  });

  it('finds a type change under the same logical ID and a renamed Glue database', () => {
    const after: Template = {
      Resources: {
        ...before.Resources,
        Cluster: { Type: 'AWS::RDS::DBInstance', Properties: {} },
        Glue: { Type: 'AWS::Glue::Database', Properties: { DatabaseInput: { Name: 'lake' } } },
      },
    };
    const changes = compareTemplates('Analytics', before, after);
    expect(changes.map((c) => [c.logicalId, c.kind])).toEqual([
      ['Glue', 'rename'],
      ['Cluster', 'type-change'],
    ]);
    expect(changes[0]!.reason).toContain('"analytics" to "lake"');
  });

  it('reports the stateful resources of a stack that left the app as orphaned', () => {
    const changes = compareTemplates('Storage', before, undefined);
    expect(changes.map((c) => c.kind)).toEqual(['orphan', 'orphan', 'orphan', 'orphan']);
    expect(changes[0]!.reason).toContain('no longer in the app');
  });

  it('renders a removed stack in the cdk diff format and merges template findings into the summary', () => {
    const removed = removedStackDiff('Storage', before);
    expect(removed.text).toContain('[-] AWS::S3::Bucket LakeBucket/Resource Lake orphan');
    expect(removed.text).toContain('[-] AWS::SQS::Queue Queue destroy');
    const summary = summarize([removed], {
      comparedWith: 'main',
      templateFindings: compareTemplates('Storage', before, undefined),
    });
    expect(summary.stacks[0]).toMatchObject({ status: 'removed', removed: 5 });
    expect(summary.destructive).toHaveLength(4);
    expect(summary.destructive.every((d) => d.kind === 'orphan')).toBe(true);
  });

  it('keeps the most severe finding per resource when the text and the templates both report it', () => {
    const stacks = parseCdkDiff(fixture('replace-database'));
    const summary = summarize(stacks, {
      comparedWith: 'main',
      templateFindings: [
        {
          stack: 'Database',
          logicalId: 'ClusterEB0386A7',
          type: 'AWS::RDS::DBCluster',
          kind: 'type-change',
          reason: 'type changes',
        },
      ],
    });
    expect(summary.destructive.map((d) => [d.stack, d.logicalId, d.kind])).toEqual([
      ['analytics-database', 'ClusterEB0386A7', 'type-change'],
      ['analytics-database', 'ClusterWriterA91BB273', 'replace'],
    ]);
  });
});

describe('formatSummaryMarkdown', () => {
  it('starts with the marker and puts destructive changes above the stack table', () => {
    const body = formatSummaryMarkdown(summaryOf('replace-database'), {
      fullDiff: fixture('replace-database'),
      allowDestructive: false,
    });
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('> [!CAUTION]');
    expect(body.indexOf('Destructive changes')).toBeLessThan(body.indexOf('| Stack |'));
    expect(body).toContain('| `analytics-database` | 0 | 0 | 2 | 0 | 0 | 0 |');
    expect(body).toContain('[~] AWS::RDS::DBCluster Cluster ClusterEB0386A7 replace');
  });

  it('says when the label accepts the destructive changes', () => {
    const body = formatSummaryMarkdown(summaryOf('replace-database'), {
      fullDiff: '',
      allowDestructive: true,
    });
    expect(body).toContain('> [!WARNING]');
    expect(body).toContain(`accepted by the "${ALLOW_DESTRUCTIVE_LABEL}" label`);
  });

  it('shortens a long diff with a note naming where the full diff is kept', () => {
    const long = Array.from({ length: 40 }, () => fixture('additions')).join('\n');
    const body = formatSummaryMarkdown(summaryOf('additions'), {
      fullDiff: long,
      allowDestructive: false,
      fullDiffLocation: 'workflow run 42',
      maxChars: 20_000,
    });
    expect(long.length).toBeGreaterThan(20_000);
    expect(body.length).toBeLessThanOrEqual(20_000);
    expect(body).toContain('too long for a comment');
    expect(body).toContain('workflow run 42');
    expect(body).toMatch(/\.\.\. \(\d+ more lines\)/);
    expect(body.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('keeps the diff inside its code block even when it contains backticks', () => {
    const body = formatSummaryMarkdown(summaryOf('no-changes'), {
      fullDiff: 'a ``` b',
      allowDestructive: false,
    });
    expect(body).toContain('````\na ``` b\n````');
  });

  it('lists security changes in a folded section and warns about rules open to the internet', () => {
    const body = formatSummaryMarkdown(summaryOf('open-to-internet'), {
      fullDiff: '',
      allowDestructive: false,
    });
    expect(body).toContain('security group rules open to the whole internet');
    expect(body).toContain('IAM and security group changes (2)');

    // ARNs and actions hold `*` and `${...}`: shown verbatim in code spans, never as emphasis.
    const iam = formatSummaryMarkdown(summaryOf('iam-security-groups'), {
      fullDiff: '',
      allowDestructive: false,
    });
    expect(iam).toContain(
      '- `+` `analytics-ingestion` `Allow s3:GetObject on arn:aws:s3:::analytics-lake/* for AWS:${Loader/ServiceRole}`',
    );
  });
});
