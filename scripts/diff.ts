/**
 * `npm run diff`: runs `cdk diff` for every stack and prints the summary the pull-request comment
 * shows (destructive changes first, then what each stack adds, changes, replaces and removes).
 *
 *   npm run diff                          compare with the deployed stacks (AWS credentials needed)
 *   npm run diff -- --base origin/main    compare with the app at a git ref (offline, no credentials)
 *
 * Run `npm run diff -- --help` for every option.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkDestructive,
  compareTemplates,
  formatSummaryMarkdown,
  formatSummaryText,
  parseCdkDiff,
  removedStackDiff,
  summarize,
  type DestructiveChange,
  type StackDiff,
  type Template,
} from './diff-summary';

const USAGE = `Usage: npm run diff -- [options]

Compares the app with the deployed stacks (cdk diff, read-only) or, with --base, with the app as it
was at a git ref (both synthesized locally; no AWS account needed). Prints the full diff, then a
summary: stacks changed; resources added, changed, replaced, removed; destructive changes first.

Options:
  --base <ref>              Compare with the app at this git ref (e.g. origin/main, HEAD~1) instead of
                            the deployed stacks. Works offline; the ref's commit must be fetched.
  -c, --context <key=value> Setting passed to synth and diff, like cdk's -c (repeatable).
                            With --base, alertEmails defaults to review@example.com.
  --method <template|auto|change-set>
                            How cdk diff reads the deployed stacks. Default: template (uses the
                            read-only bootstrap lookup role; change sets need the deploy role).
  --fail-on-destructive     Exit with code 2 when a stateful resource (database, bucket, Glue
                            database, secret, key) would be replaced or removed.
  --allow-destructive       Accept destructive changes (the pull request carries the
                            allow-destructive-changes label).
  --markdown <file>         Write the pull-request comment (Markdown) to this file.
  --json <file>             Write the summary as JSON to this file.
  --output <file>           Write the full cdk diff text to this file.
  --full-diff-location <text>
                            Where the full diff is kept, named in the comment when it is shortened.
                            Default on GitHub Actions: the workflow run URL.
  -h, --help                Show this help.
`;

/** A mistake on the command line or in the environment; printed without a stack trace. */
class UsageError extends Error {}

export interface DiffOptions {
  readonly base?: string;
  readonly context: readonly string[];
  readonly method: 'template' | 'auto' | 'change-set';
  readonly failOnDestructive: boolean;
  readonly allowDestructive: boolean;
  readonly markdown?: string;
  readonly json?: string;
  readonly output?: string;
  readonly fullDiffLocation?: string;
}

export function parseArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): DiffOptions | 'help' {
  const context: string[] = [];
  let base: string | undefined;
  let method: DiffOptions['method'] = 'template';
  let failOnDestructive = false;
  let allowDestructive = false;
  let markdown: string | undefined;
  let json: string | undefined;
  let output: string | undefined;
  let fullDiffLocation: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('-'))) {
        throw new UsageError(`${flag} needs a value. Run npm run diff -- --help for the options.`);
      }
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--base':
        base = value();
        break;
      case '-c':
      case '--context': {
        const setting = value();
        if (!/^[A-Za-z0-9_:@/.-]+=/.test(setting)) {
          throw new UsageError(
            `${flag} "${setting}" is not key=value (e.g. -c alertEmails=ops@example.com).`,
          );
        }
        context.push(setting);
        break;
      }
      case '--method': {
        const m = value();
        if (m !== 'template' && m !== 'auto' && m !== 'change-set') {
          throw new UsageError(`--method "${m}" is not one of template, auto, change-set.`);
        }
        method = m;
        break;
      }
      case '--fail-on-destructive':
        failOnDestructive = true;
        break;
      case '--allow-destructive':
        allowDestructive = true;
        break;
      case '--markdown':
        markdown = value();
        break;
      case '--json':
        json = value();
        break;
      case '--output':
        output = value();
        break;
      case '--full-diff-location':
        fullDiffLocation = value();
        break;
      default:
        throw new UsageError(`Unknown option "${arg}". Run npm run diff -- --help for the options.`);
    }
  }
  if (base !== undefined && method !== 'template') {
    throw new UsageError(
      '--method applies to the comparison with deployed stacks; --base always compares templates.',
    );
  }
  if (!fullDiffLocation && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    fullDiffLocation = `[workflow run ${env.GITHUB_RUN_ID}](${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}) (artifact \`cdk-diff\`)`;
  }
  return {
    base,
    context,
    method,
    failOnDestructive,
    allowDestructive,
    markdown,
    json,
    output,
    fullDiffLocation,
  };
}

interface RunResult {
  readonly code: number;
  /** stdout and stderr interleaved in the order they arrived. */
  readonly output: string;
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; echo?: boolean },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.echo) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** The CDK CLI of the repository, run with the current Node.js (no npx lookup, same version as package.json). */
function cdkCommand(repoRoot: string): [string, string[]] {
  const cli = path.join(repoRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  if (!fs.existsSync(cli)) {
    throw new UsageError(`The CDK CLI is not installed at ${cli}. Run npm ci in ${repoRoot} first.`);
  }
  return [process.execPath, [cli]];
}

async function git(repoRoot: string, args: readonly string[]): Promise<string> {
  const result = await run('git', args, { cwd: repoRoot });
  if (result.code !== 0) throw new UsageError(`git ${args.join(' ')} failed:\n${result.output.trim()}`);
  return result.output.trim();
}

const contextArgs = (context: readonly string[]) => context.flatMap((c) => ['-c', c]);

interface StackArtifact {
  /** Artifact ID: the stack's ID in the app, which `cdk diff <stack>` selects. */
  readonly id: string;
  readonly templateFile: string;
}

/** The stacks of a synthesized cloud assembly, read from its manifest. */
function readStacks(assemblyDir: string): StackArtifact[] {
  const manifestFile = path.join(assemblyDir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; displayName?: string; properties?: { templateFile?: string } }
    >;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => ({
      id: a.displayName ?? id,
      templateFile: path.join(assemblyDir, a.properties!.templateFile!),
    }));
}

function readTemplate(file: string): Template {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

async function synth(
  cwd: string,
  outdir: string,
  context: readonly string[],
  what: string,
  repoRoot: string,
  hint: string,
): Promise<StackArtifact[]> {
  const [node, cli] = cdkCommand(repoRoot);
  process.stderr.write(`Synthesizing ${what}...\n`);
  const result = await run(
    node,
    [...cli, 'synth', '--quiet', '--no-notices', '-o', outdir, ...contextArgs(context)],
    {
      cwd,
    },
  );
  if (result.code !== 0) {
    throw new UsageError(
      `cdk synth of ${what} failed (exit code ${result.code}):\n${result.output.trim()}\n\n${hint}`,
    );
  }
  return readStacks(outdir);
}

/** Whether a setting is given on the command line or in a cdk.json's context. */
function hasSetting(key: string, context: readonly string[], cdkJsonFile: string): boolean {
  if (context.some((c) => c.startsWith(`${key}=`))) return true;
  if (!fs.existsSync(cdkJsonFile)) return false;
  const cdkJson = JSON.parse(fs.readFileSync(cdkJsonFile, 'utf8')) as { context?: Record<string, unknown> };
  const value = cdkJson.context?.[key];
  return (
    value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)
  );
}

/** `cdk diff` processes run at once; each is mostly CPU-bound start-up. */
const DIFF_CONCURRENCY = Math.max(1, Math.min(4, os.availableParallelism()));

/** Maps items with at most `limit` promises pending, keeping the input order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Copies the files git knows of or would add (tracked, changed and new; not ignored) to `dest`. */
async function copyWorkingTree(repoRoot: string, dest: string): Promise<void> {
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  if (listed.code !== 0) throw new UsageError(`git ls-files failed:\n${listed.output}`);
  const files = new Set(listed.output.split('\0').filter((f) => f.length > 0));
  for (const file of files) {
    if (file === 'node_modules' || file.startsWith('node_modules/') || file.startsWith('cdk.out/')) continue;
    const from = path.join(repoRoot, file);
    const stat = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!stat) continue; // deleted in the working tree, not yet staged
    const to = path.join(dest, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else if (stat.isFile()) fs.copyFileSync(from, to);
  }
}

interface Comparison {
  readonly comparedWith: string;
  readonly stacks: StackDiff[];
  readonly fullDiff: string;
  readonly templateFindings: DestructiveChange[];
}

async function diffDeployed(repoRoot: string, options: DiffOptions): Promise<Comparison> {
  const [node, cli] = cdkCommand(repoRoot);
  process.stderr.write(`Running cdk diff --method ${options.method} against the deployed stacks...\n`);
  const result = await run(
    node,
    [
      ...cli,
      'diff',
      '--method',
      options.method,
      '--no-color',
      '--no-notices',
      ...contextArgs(options.context),
    ],
    { cwd: repoRoot },
  );
  const stacks = parseCdkDiff(result.output);
  if (result.code !== 0 || stacks.length === 0) {
    const credentials =
      /credentials|Unable to resolve AWS account|ExpiredToken|AccessDenied|not authorized/i.test(
        result.output,
      );
    throw new UsageError(
      `cdk diff failed (exit code ${result.code}):\n${result.output.trim()}\n\n` +
        (credentials
          ? 'Comparing with the deployed stacks needs AWS credentials that can assume the CDK bootstrap lookup role. ' +
            'Without them, compare with a git ref instead: npm run diff -- --base origin/main'
          : 'Fix the error above; settings are passed with -c key=value (e.g. -c alertEmails=ops@example.com).'),
    );
  }
  return {
    comparedWith: `the deployed stacks (cdk diff --method ${options.method})`,
    stacks,
    fullDiff: result.output,
    templateFindings: [],
  };
}

async function diffBase(repoRoot: string, options: DiffOptions, ref: string): Promise<Comparison> {
  const sha = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repoRoot });
  if (sha.code !== 0) {
    throw new UsageError(
      `--base "${ref}" is not a commit in this repository. Check the name, or fetch it first ` +
        `(git fetch origin main; in a shallow CI checkout use fetch-depth: 0).`,
    );
  }
  const commit = sha.output.trim();
  const context = [...options.context];
  if (!hasSetting('alertEmails', context, path.join(repoRoot, 'cdk.json')))
    context.push('alertEmails=review@example.com');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-diff-base-'));
  try {
    // Both apps are synthesized from copies at the same depth, sharing the repository's node_modules:
    // bundled assets then see the same relative paths (source maps record them), so an asset hash
    // changes only when the asset does. `git archive` exports the base without touching the
    // repository (no worktree, index or ref changes); the working tree copy includes uncommitted edits.
    const baseDir = path.join(work, 'base');
    const headDir = path.join(work, 'head');
    fs.mkdirSync(baseDir);
    const archive = path.join(work, 'base.tar');
    await git(repoRoot, ['archive', '--format=tar', `--output=${archive}`, commit]);
    const untar = await run('tar', ['-xf', archive, '-C', baseDir], { cwd: work });
    if (untar.code !== 0) throw new UsageError(`Extracting ${ref} failed:\n${untar.output}`);
    await copyWorkingTree(repoRoot, headDir);
    for (const dir of [baseDir, headDir]) {
      // The base is built with today's dependencies; a dependency upgrade in between shows up as a change.
      fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
      fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    }

    // The two synths are independent; running them side by side halves the wait on a two-core machine.
    const [baseStacks, headStacks] = await Promise.all([
      fs.existsSync(path.join(baseDir, 'cdk.json'))
        ? synth(
            baseDir,
            path.join(baseDir, 'cdk.out'),
            context,
            `${ref} (${commit.slice(0, 7)})`,
            repoRoot,
            `The app at ${ref} does not synthesize, so there is nothing to compare with: compare with another ref ` +
              '(e.g. --base origin/main), or pass the settings it needs with -c key=value.',
          )
        : Promise.resolve([]),
      synth(
        headDir,
        path.join(headDir, 'cdk.out'),
        context,
        'the working tree',
        repoRoot,
        'Fix the error above (npm run synth shows it too); settings are passed with -c key=value.',
      ),
    ]);

    const emptyTemplate = path.join(work, 'empty.template.json');
    fs.writeFileSync(emptyTemplate, '{}\n');
    const [node, cli] = cdkCommand(repoRoot);
    const diffs = await mapConcurrently(headStacks, DIFF_CONCURRENCY, async (head) => {
      const base = baseStacks.find((s) => s.id === head.id);
      const result = await run(
        node,
        [
          ...cli,
          'diff',
          head.id,
          '--exclusively',
          '--app',
          path.join(headDir, 'cdk.out'),
          '--template',
          base?.templateFile ?? emptyTemplate,
          '--no-color',
          '--no-notices',
        ],
        { cwd: work },
      );
      const parsed = parseCdkDiff(result.output);
      if (result.code !== 0 || parsed.length !== 1) {
        throw new UsageError(
          `cdk diff of stack ${head.id} failed (exit code ${result.code}):\n${result.output.trim()}`,
        );
      }
      return { head, base, diff: parsed[0]! };
    });

    const stacks: StackDiff[] = [];
    const texts: string[] = [];
    const templateFindings: DestructiveChange[] = [];
    for (const { head, base, diff } of diffs) {
      stacks.push(base ? diff : { ...diff, status: 'added' });
      texts.push(diff.text);
      templateFindings.push(
        ...compareTemplates(
          head.id,
          base ? readTemplate(base.templateFile) : undefined,
          readTemplate(head.templateFile),
        ),
      );
    }
    for (const base of baseStacks.filter((b) => !headStacks.some((h) => h.id === b.id))) {
      const template = readTemplate(base.templateFile);
      const removed = removedStackDiff(base.id, template);
      stacks.push(removed);
      texts.push(removed.text);
      templateFindings.push(...compareTemplates(base.id, template, undefined));
    }
    const changed = stacks.filter((s) => s.status !== 'unchanged').length;
    const fullDiff = `${texts.join('\n\n')}\n\n✨  Number of stacks with differences: ${changed}\n`;
    return {
      comparedWith: `${ref} (${commit.slice(0, 7)}), both synthesized locally`,
      stacks,
      fullDiff,
      templateFindings,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const repoRoot = options.base
    ? await git(process.cwd(), ['rev-parse', '--show-toplevel'])
    : path.resolve(import.meta.dirname, '..');
  const comparison = options.base
    ? await diffBase(repoRoot, options, options.base)
    : await diffDeployed(repoRoot, options);
  const summary = summarize(comparison.stacks, {
    comparedWith: comparison.comparedWith,
    templateFindings: comparison.templateFindings,
  });

  process.stdout.write(`${comparison.fullDiff.trimEnd()}\n\n${formatSummaryText(summary, options)}\n`);
  if (options.output) fs.writeFileSync(options.output, comparison.fullDiff);
  if (options.json) {
    const verdict = checkDestructive(summary, options.allowDestructive);
    fs.writeFileSync(options.json, `${JSON.stringify({ ...summary, verdict }, null, 2)}\n`);
  }
  if (options.markdown) {
    // The comment shows the stacks' diffs only; build output and CLI notices stay in the log and artifact.
    const stacksDiff = comparison.stacks.map((s) => s.text).join('\n\n');
    fs.writeFileSync(
      options.markdown,
      formatSummaryMarkdown(summary, {
        fullDiff: stacksDiff,
        allowDestructive: options.allowDestructive,
        fullDiffLocation: options.fullDiffLocation,
      }),
    );
  }
  const verdict = checkDestructive(summary, options.allowDestructive);
  return options.failOnDestructive && !verdict.ok ? 2 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `${err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
