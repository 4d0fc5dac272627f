import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../scripts/diff';
import type { DiffSummary } from '../../scripts/diff-summary';

const ROOT = path.join(import.meta.dirname, '..', '..');
/** Each run synthesizes two apps and runs the CDK CLI per stack; generous for a loaded two-core machine. */
const E2E_TIMEOUT = 180_000;

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

  const APP = (bucketName: string | undefined, withReports: boolean) => `
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
const app = new App();
const storage = new Stack(app, 'Storage', { stackName: 'demo-storage' });
new s3.Bucket(storage, 'LakeBucket', { removalPolicy: RemovalPolicy.RETAIN, enforceSSL: true${bucketName ? `, bucketName: '${bucketName}'` : ''} });
new sqs.Queue(storage, 'Queue', { enforceSSL: true });
${withReports ? "const reports = new Stack(app, 'Reports', { stackName: 'demo-reports' });\nnew sqs.Queue(reports, 'ReportQueue', { enforceSSL: true });" : ''}
app.synth();
`;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  const commit = (app: string, message: string) => {
    fs.writeFileSync(path.join(repo, 'app.ts'), app);
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  const diff = (...args: string[]) => {
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
        env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_PROFILE: 'no-such-profile' },
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
    fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules\ncdk.out\nsummary-*.json\n');
    fs.writeFileSync(
      path.join(repo, 'cdk.json'),
      JSON.stringify({ app: 'npx tsx app.ts', versionReporting: false }),
    );
    commit(APP(undefined, false), 'first');
    commit(APP('demo-lake-renamed', true), 'rename the lake bucket, add a stack');
  });

  afterAll(() => {
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it(
    'flags the replaced bucket, shows the new stack, and fails only with --fail-on-destructive',
    () => {
      const result = diff('--base', 'HEAD~1', '--fail-on-destructive');
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.status).toBe(2);
      expect(result.summary!.destructive).toEqual([
        expect.objectContaining({ stack: 'demo-storage', type: 'AWS::S3::Bucket', kind: 'replace' }),
      ]);
      expect(result.summary!.stacks.map((s) => [s.stack, s.status])).toEqual([
        ['demo-storage', 'changed'],
        ['demo-reports', 'added'],
      ]);
      expect(result.stdout).toContain('[~] AWS::S3::Bucket LakeBucket');
      expect(result.stdout).toContain('DESTRUCTIVE CHANGES (1)');
      expect(result.stdout.indexOf('DESTRUCTIVE CHANGES')).toBeLessThan(
        result.stdout.indexOf('Stacks changed'),
      );

      const allowed = diff('--base', 'HEAD~1', '--fail-on-destructive', '--allow-destructive');
      expect(allowed.status).toBe(0);
      expect(allowed.stdout).toContain('accepted by the "allow-destructive-changes" label');
    },
    E2E_TIMEOUT,
  );

  it(
    'reports no changes between two synths of the same source',
    () => {
      const result = diff('--base', 'HEAD');
      expect(result.status).toBe(0);
      expect(result.summary!.totals).toMatchObject({
        stacksChanged: 0,
        added: 0,
        changed: 0,
        replaced: 0,
        removed: 0,
      });
    },
    E2E_TIMEOUT,
  );

  it('names a missing ref and how to fetch it', () => {
    const result = diff('--base', 'no-such-branch');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--base "no-such-branch" is not a commit in this repository');
    expect(result.stderr).toContain('fetch-depth: 0');
  });
});
