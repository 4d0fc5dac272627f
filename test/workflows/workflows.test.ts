import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALLOW_DESTRUCTIVE_LABEL, COMMENT_MARKER } from '../../scripts/diff-summary';

const ROOT = path.join(import.meta.dirname, '..', '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string | { name: string };
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const load = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')) as Workflow;
const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
const pr = load('pr.yml');
const deploy = load('deploy.yml');
const checks = load('checks.yml');
const scripts = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** The index of the first step running `command`, or -1. */
const stepIndex = (steps: Step[], command: RegExp) =>
  steps.findIndex((s) => s.run !== undefined && command.test(s.run));
const stepUsing = (steps: Step[], action: string) => steps.find((s) => s.uses?.startsWith(`${action}@`));

describe('workflows', () => {
  it.each(files)('%s is valid YAML with triggers and jobs', (file) => {
    const workflow = load(file);
    expect(workflow.name).toEqual(expect.any(String));
    expect(Object.keys(workflow.on).length).toBeGreaterThan(0);
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
  });

  it.each(files)('%s stores no AWS keys: credentials come from OIDC only', (file) => {
    const text = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
    expect(text).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/i,
    );
    expect(text).not.toMatch(/secrets\./);
    for (const job of Object.values(load(file).jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith('aws-actions/configure-aws-credentials@')) continue;
        expect(Object.keys(step.with ?? {}).sort()).toEqual(
          ['aws-region', 'role-session-name', 'role-skip-session-tagging', 'role-to-assume'].sort(),
        );
        expect(job.permissions?.['id-token']).toBe('write');
      }
    }
  });

  it.each(files)('%s defaults to read-only permissions', (file) => {
    expect(load(file).permissions).toEqual({ contents: 'read' });
  });

  it.each(files)(
    '%s pins every action to a commit SHA, with the release tag in a comment for Dependabot',
    (file) => {
      // A tag can be moved to other code; a commit cannot. Dependabot updates the SHA and the comment.
      const text = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
      const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.*)$/gm)].map((m) => m[1]!.trim());
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) {
        if (use.startsWith('./')) continue; // a reusable workflow of this repository, at this commit
        expect(use).toMatch(/^[\w-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    },
  );

  it.each(files)('%s checks out without leaving the GitHub token in .git/config', (file) => {
    const checkouts = Object.values(load(file).jobs).flatMap((job) =>
      (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/checkout@')),
    );
    for (const checkout of checkouts) expect(checkout.with?.['persist-credentials']).toBe(false);
  });

  it.each(files)('%s runs only npm scripts that exist, as a person runs them', (file) => {
    for (const job of Object.values(load(file).jobs)) {
      for (const step of job.steps ?? []) {
        for (const [, script] of (step.run ?? '').matchAll(/npm run ([\w:-]+)/g)) {
          expect(Object.keys(scripts), `npm run ${script} in ${file}`).toContain(script);
        }
        expect(step.run ?? '').not.toMatch(/npx cdk|node_modules\/\.bin/);
      }
    }
  });
});

describe('checks (shared by pull requests and deploys)', () => {
  const steps = checks.jobs['checks']!.steps!;

  it('installs from the lock file, then lints, tests and synthesizes, in that order', () => {
    const order = [/^npm ci$/, /^npm run lint$/, /^npm test$/, /^npm run synth\b/].map((re) =>
      stepIndex(steps, re),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps[stepIndex(steps, /^npm run synth\b/)]!.run).toContain('alertEmails=');
  });

  it('is a reusable workflow called by both the pull-request and the deploy workflow', () => {
    expect(checks.on).toHaveProperty('workflow_call');
    expect(pr.jobs['checks']!.uses).toBe('./.github/workflows/checks.yml');
    expect(deploy.jobs['checks']!.uses).toBe('./.github/workflows/checks.yml');
  });
});

describe('pull-request workflow', () => {
  const job = pr.jobs['diff']!;
  const steps = job.steps!;

  it('runs on every push to a pull request and when labels change', () => {
    const trigger = pr.on['pull_request'] as { types: string[] };
    expect(trigger.types).toEqual(
      expect.arrayContaining(['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled']),
    );
  });

  it('diffs after the checks, with an OIDC token and the right to comment', () => {
    expect(job.needs).toBe('checks');
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
  });

  it('assumes the read-only diff role before running npm run diff', () => {
    const credentials = stepUsing(steps, 'aws-actions/configure-aws-credentials')!;
    expect(credentials.with!['role-to-assume']).toBe('${{ vars.AWS_DIFF_ROLE_ARN }}');
    expect(steps.indexOf(credentials)).toBeLessThan(stepIndex(steps, /npm run diff/));
    expect(stepIndex(steps, /^npm ci$/)).toBeLessThan(stepIndex(steps, /npm run diff/));
  });

  it('fails on destructive changes unless the pull request carries the allow label', () => {
    const diff = steps[stepIndex(steps, /npm run diff/)]!;
    expect(diff.run).toContain('--fail-on-destructive');
    expect(diff.run).toContain('--allow-destructive');
    expect(diff.env!['ALLOW_DESTRUCTIVE']).toBe(
      `\${{ contains(github.event.pull_request.labels.*.name, '${ALLOW_DESTRUCTIVE_LABEL}') }}`,
    );
  });

  it('falls back to the offline comparison with the base branch for forks', () => {
    const diff = steps[stepIndex(steps, /npm run diff/)]!;
    expect(diff.run).toContain('--base "origin/$BASE_REF"');
    expect(diff.env!['BASE_REF']).toBe('${{ github.base_ref }}');
    const checkout = stepUsing(steps, 'actions/checkout')!;
    expect(checkout.with!['fetch-depth']).toBe(0);
    const mode = steps.find((s) => s.id === 'mode')!;
    expect(mode.env!['SAME_REPOSITORY']).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    expect(stepUsing(steps, 'aws-actions/configure-aws-credentials')!.if).toBe(
      "steps.mode.outputs.mode == 'deployed'",
    );
  });

  it('keeps the full diff as an artifact, even when the check fails', () => {
    const upload = stepUsing(steps, 'actions/upload-artifact')!;
    expect(upload.if).toContain('always()');
    expect(String(upload.with!['path'])).toContain('cdk-diff.txt');
  });

  it('updates one comment in place, found by its hidden marker, even when the check fails', () => {
    const comment = stepUsing(steps, 'actions/github-script')!;
    expect(comment.if).toContain('always()');
    const script = String(comment.with!['script']);
    expect(script).toContain(COMMENT_MARKER);
    expect(script).toContain('updateComment');
    expect(script).toContain('createComment');
    expect(script.indexOf('updateComment')).toBeLessThan(script.indexOf('createComment'));
    expect(script).toContain('cdk-diff-comment.md');
  });
});

describe('deploy workflow', () => {
  const job = deploy.jobs['deploy']!;
  const steps = job.steps!;

  it('deploys on pushes to main only, one deployment at a time', () => {
    expect(deploy.on).toEqual({ push: { branches: ['main'] } });
    expect(deploy.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('runs after the checks, behind the production environment, with an OIDC token', () => {
    expect(job.needs).toBe('checks');
    // The deploy role trusts repo:<owner>/<name>:environment:production (GitHubOidcStack default).
    expect(job.environment).toBe('production');
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });

  it('assumes the deploy role, then runs npm run deploy without prompting', () => {
    const credentials = stepUsing(steps, 'aws-actions/configure-aws-credentials')!;
    expect(credentials.with!['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    const deployIndex = stepIndex(steps, /npm run deploy/);
    expect(steps.indexOf(credentials)).toBeLessThan(deployIndex);
    expect(steps[deployIndex]!.run).toContain('--require-approval never');
    expect(scripts['deploy']).toMatch(/^cdk deploy --all/);
  });
});

describe('Dependabot', () => {
  interface Update {
    'package-ecosystem': string;
    directory: string;
    schedule: { interval: string };
    cooldown?: { 'default-days': number };
    ignore?: { 'dependency-name': string; 'update-types'?: string[] }[];
  }
  const file = path.join(ROOT, '.github', 'dependabot.yml');
  const config = fs.existsSync(file)
    ? (parse(fs.readFileSync(file, 'utf8')) as { version: number; updates: Update[] })
    : { version: 0, updates: [] };
  const updates = (ecosystem: string) => config.updates.filter((u) => u['package-ecosystem'] === ecosystem);

  it('keeps the actions, the npm packages and the dashboard image current', () => {
    expect(config.version).toBe(2);
    expect(updates('github-actions').map((u) => u.directory)).toEqual(['/']);
    expect(updates('npm').map((u) => u.directory)).toEqual(['/']);
    const docker = updates('docker');
    expect(docker.map((u) => u.directory)).toEqual(['/dashboard-app']);
    expect(fs.existsSync(path.join(ROOT, 'dashboard-app', 'Dockerfile'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'package-lock.json'))).toBe(true);
  });

  it('checks every week and waits a week after a release before proposing it', () => {
    expect(config.updates.length).toBeGreaterThanOrEqual(3);
    for (const update of config.updates) {
      expect(update.schedule.interval, update['package-ecosystem']).toBe('weekly');
      expect(update.cooldown?.['default-days'], update['package-ecosystem']).toBeGreaterThanOrEqual(7);
    }
  });

  it('leaves the Node.js major version of the image to a deliberate change', () => {
    expect(updates('docker')[0]!.ignore).toContainEqual({
      'dependency-name': 'node',
      'update-types': ['version-update:semver-major'],
    });
  });
});
