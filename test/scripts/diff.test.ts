import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../scripts/diff';
import type { DiffSummary } from '../../scripts/diff-summary';

const ROOT = path.join(import.meta.dirname, '..', '..');
/** Each run synthesizes two apps; generous for a loaded two-core machine. */
const E2E_TIMEOUT = 300_000;
/** No AWS credentials and no instance metadata lookups: the tests run offline. */
const NO_AWS = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: 'no-such-profile',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('parseArgs', () => {
  it('reads the options of npm run diff', () => {
    expect(
      parseArgs(
        [
          '--base',
          'origin/main',
          '-c',
          'alertEmails=a@example.com',
          '--context=projectName=demo',
          '--fail-on-destructive',
        ],
        {},
      ),
    ).toMatchObject({
      base: 'origin/main',
      context: ['alertEmails=a@example.com', 'projectName=demo'],
      method: 'template',
      failOnDestructive: true,
      allowDestructive: false,
    });
    expect(parseArgs(['--help'], {})).toBe('help');
  });

  it('names the workflow run as the place of the full diff on GitHub Actions', () => {
    const options = parseArgs([], {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'o/n',
      GITHUB_RUN_ID: '7',
    });
    expect(options).toMatchObject({
      fullDiffLocation: expect.stringContaining('https://github.com/o/n/actions/runs/7'),
    });
  });

  it.each([
    [['--bogus'], /Unknown option "--bogus"/],
    [['--base'], /--base needs a value/],
    [['--base', '--json', 'x'], /--base needs a value/],
    [['-c', 'alertEmails'], /-c "alertEmails" is not key=value/],
    [['--method', 'fast'], /--method "fast" is not one of template, auto, change-set/],
    [['--base', 'main', '--method', 'auto'], /--base always compares templates/],
  ])('rejects %j with a message that says what to do', (argv, message) => {
    expect(() => parseArgs(argv, {})).toThrow(message);
  });
});

/**
 * End to end, offline: a small CDK app in a new git repository, two commits, and
 * `scripts/diff.ts --base <ref>` run in it exactly as `npm run diff -- --base <ref>` runs.
 */
describe('npm run diff -- --base (offline, real CDK CLI)', () => {
  let repo: string;

  // Storage holds the lake; Reports reads its name through a weak reference (Fn::GetStackOutput).
  const APP = (bucketName: string | undefined, withExtra: boolean) => `
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as kms from 'aws-cdk-lib/aws-kms';
const app = new App();
const storage = new Stack(app, 'Storage', { stackName: 'demo-storage' });
const lake = new s3.Bucket(storage, 'LakeBucket', { removalPolicy: RemovalPolicy.RETAIN, enforceSSL: true${bucketName ? `, bucketName: '${bucketName}'` : ''} });
new sqs.Queue(storage, 'Queue', { enforceSSL: true });
const reports = new Stack(app, 'Reports', { stackName: 'demo-reports' });
new ssm.StringParameter(reports, 'LakeName', { stringValue: lake.bucketName });
${withExtra ? "const extra = new Stack(app, 'Extra', { stackName: 'demo-extra' });\nnew sqs.Queue(extra, 'ExtraQueue', { enforceSSL: true });\nnew kms.Key(extra, 'ExtraKey');" : ''}
app.synth();
`;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  const commit = (app: string, message: string) => {
    fs.writeFileSync(path.join(repo, 'app.ts'), app);
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  const diff = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const json = path.join(repo, `summary-${Math.random().toString(36).slice(2)}.json`);
    const result = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(ROOT, 'scripts', 'diff.ts'),
        ...args,
        '--json',
        json,
      ],
      {
        cwd: repo,
        encoding: 'utf8',
        // CDK_HOME: the toolkit's caches go to the test repository, not the user's home.
        env: { ...process.env, ...NO_AWS, CDK_HOME: path.join(repo, '.cdk-home'), ...env },
      },
    );
    const summary = fs.existsSync(json)
      ? (JSON.parse(fs.readFileSync(json, 'utf8')) as DiffSummary)
      : undefined;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, summary };
  };

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-diff-repo-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'dev@example.com');
    git('config', 'user.name', 'dev');
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
    fs.writeFileSync(
      path.join(repo, '.gitignore'),
      'node_modules\ncdk.out\nsummary-*.json\nout-*\n.cdk-home\n',
    );
    fs.writeFileSync(
      path.join(repo, 'cdk.json'),
      JSON.stringify({
        app: 'npx tsx app.ts',
        versionReporting: false,
        context: { '@aws-cdk/core:defaultCrossStackReferences': 'weak' },
      }),
    );
    commit(APP(undefined, false), 'first');
    commit(APP('demo-lake-renamed', true), 'rename the lake bucket, add a stack');
  });

  afterAll(() => {
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it(
    'flags the replaced bucket, names the stack reading it, shows the new stack, and fails only with --fail-on-destructive',
    () => {
      const markdown = path.join(repo, 'out-comment.md');
      const output = path.join(repo, 'out-diff.txt');
      // FORCE_COLOR=1 stands for a terminal: the files must still be plain text.
      const result = diff(
        ['--base', 'HEAD~1', '--fail-on-destructive', '--markdown', markdown, '--output', output],
        {
          FORCE_COLOR: '1',
        },
      );
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.status).toBe(2);
      expect(result.summary!.destructive).toEqual([
        expect.objectContaining({ stack: 'demo-storage', type: 'AWS::S3::Bucket', kind: 'replace' }),
      ]);
      expect(result.summary!.stacks.map((s) => [s.stack, s.status])).toEqual([
        ['demo-storage', 'changed'],
        ['demo-reports', 'unchanged'],
        ['demo-extra', 'added'],
      ]);
      expect(result.summary!.staleReaders).toEqual([
        expect.objectContaining({
          consumer: 'demo-reports',
          producer: 'demo-storage',
          via: 'Fn::GetStackOutput',
          advice: expect.stringContaining('npx cdk deploy Reports --force'),
        }),
      ]);
      expect(result.stdout).toMatch(/\[~\] AWS::S3::Bucket LakeBucket LakeBucket[0-9A-F]{8} replace/);
      expect(result.stdout).toContain('DESTRUCTIVE CHANGES (1)');
      // The cost model prices both sides: the new stack's KMS key adds $1.00 a month, idle and typical.
      expect(result.summary!.cost!.stacks).toEqual([
        expect.objectContaining({
          stack: 'demo-extra',
          after: { idleUsd: 1, typicalUsd: expect.any(Number) },
        }),
      ]);
      expect(result.summary!.cost!.after.idleUsd - result.summary!.cost!.before.idleUsd).toBeCloseTo(1, 2);
      expect(result.stdout).toMatch(/Monthly cost \(idle \/ typical\): .* \(\+\$1\.00 idle/);
      expect(fs.readFileSync(markdown, 'utf8')).toContain('**Monthly cost**');
      expect(result.stdout).toContain('REDEPLOY READERS OF CHANGED OUTPUTS (1)');
      expect(result.stdout.indexOf('DESTRUCTIVE CHANGES')).toBeLessThan(
        result.stdout.indexOf('Stacks changed'),
      );
      for (const file of [markdown, output]) {
        const text = fs.readFileSync(file, 'utf8');
        expect(text).toContain('AWS::S3::Bucket');
        expect(text).not.toContain('\u001b[');
      }
      expect(result.stdout).not.toContain('\u001b[');

      const allowed = diff(['--base', 'HEAD~1', '--fail-on-destructive', '--allow-destructive']);
      expect(allowed.status).toBe(0);
      expect(allowed.stdout).toContain('accepted by the "allow-destructive-changes" label');
    },
    E2E_TIMEOUT,
  );

  it(
    'reports no changes between two synths of the same source',
    () => {
      const result = diff(['--base', 'HEAD']);
      expect(result.status).toBe(0);
      expect(result.summary!.totals).toMatchObject({
        stacksChanged: 0,
        added: 0,
        changed: 0,
        replaced: 0,
        removed: 0,
      });
      expect(result.summary!.stacks).toHaveLength(3);
    },
    E2E_TIMEOUT,
  );

  it(
    'fails with a message, not "0 of 0 stacks", when the working tree synthesizes no stack',
    () => {
      const app = path.join(repo, 'app.ts');
      const committed = fs.readFileSync(app, 'utf8');
      try {
        fs.writeFileSync(app, "import { App } from 'aws-cdk-lib';\nnew App().synth();\n");
        const result = diff(['--base', 'HEAD']);
        expect(result.status).toBe(1);
        // The CDK CLI refuses an app without stacks; the review would refuse it too (NothingToCompareError).
        expect(result.stderr).toContain('cdk synth of the working tree failed');
        expect(result.stderr).toContain('This app contains no stacks');
        expect(result.stdout).not.toContain('Stacks changed');
        expect(result.summary).toBeUndefined();
      } finally {
        fs.writeFileSync(app, committed);
      }
    },
    E2E_TIMEOUT,
  );

  it(
    'without AWS credentials, compares with the deployed stacks no further and says how to compare offline',
    () => {
      const result = diff([]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Reading the deployed stacks failed');
      expect(result.stderr).toContain('npm run diff -- --base origin/main');
      expect(result.summary).toBeUndefined();
    },
    E2E_TIMEOUT,
  );

  it('names a missing ref and how to fetch it', () => {
    const result = diff(['--base', 'no-such-branch']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--base "no-such-branch" is not a commit in this repository');
    expect(result.stderr).toContain('fetch-depth: 0');
  });
});
