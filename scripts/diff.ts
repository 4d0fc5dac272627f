/**
 * `npm run diff`: compares every stack with the CDK's diff library and prints each stack's diff and
 * the summary the pull-request comment shows (destructive changes first, then what to look at and
 * what each stack adds, changes, replaces and removes).
 *
 *   npm run diff                          compare with the deployed stacks (AWS credentials needed)
 *   npm run diff -- --base origin/main    compare with the app at a git ref (offline, no credentials)
 *
 * Run `npm run diff -- --help` for every option.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { costDeltaOf, type CostDelta } from './diff-cost';
import { costBasis, modelEstimator } from './diff-cost-model';
import { formatSummaryMarkdown } from './diff-comment';
import { compareStack, renderStackDiff, type StackComparison } from './diff-compare';
import { compareWithDeployed, type DeployedMethod } from './diff-deployed';
import { checkDestructive, formatSummaryText, NothingToCompareError, summarize } from './diff-summary';
import {
  UsageError,
  copyWorkingTree,
  exportCommit,
  git,
  linkDependencies,
  readTemplate,
  run,
  synth,
  type StackArtifact,
} from './diff-synth';
import { hasSetting } from './synth-app';

const USAGE = `Usage: npm run diff -- [options]

Compares the app with the deployed stacks (read-only) or, with --base, with the app as it was at a
git ref (both synthesized locally; no AWS account needed). Prints each stack's diff, then a summary:
destructive changes first; security changes to check; stacks to redeploy because an output they
read changes; stacks changed; resources added, changed, replaced, removed.

Options:
  --base <ref>              Compare with the app at this git ref (e.g. origin/main, HEAD~1) instead of
                            the deployed stacks. Works offline; the ref's commit must be fetched.
  -c, --context <key=value> Setting passed to synth and diff, like cdk's -c (repeatable).
                            With --base, alertEmails defaults to review@example.com.
  --method <template|auto|change-set>
                            How the deployed stacks are read. Default: template (uses the
                            read-only bootstrap lookup role; change sets need the deploy role).
  --fail-on-destructive     Exit with code 2 when a stateful resource (database, bucket, Glue
                            database or table, secret, key, image repository, log group) would be
                            replaced, possibly replaced, removed or orphaned.
  --allow-destructive       Accept destructive changes (the pull request carries the
                            allow-destructive-changes label).
  --markdown <file>         Write the pull-request comment (Markdown) to this file.
  --json <file>             Write the summary as JSON to this file.
  --output <file>           Write every stack's diff (the full diff) to this file.
  --full-diff-location <text>
                            Where the full diff is kept, named in the comment when it is shortened.
                            Default on GitHub Actions: the workflow run URL.
  -h, --help                Show this help.
`;

export interface DiffOptions {
  readonly base?: string;
  readonly context: readonly string[];
  readonly method: DeployedMethod;
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

interface Comparison {
  readonly comparedWith: string;
  readonly stacks: readonly StackComparison[];
}

/** The stacks of the working tree's synth; an app without stacks is an error, never "no changes". */
function requireStacks(stacks: StackArtifact[], what: string): StackArtifact[] {
  if (stacks.length === 0) {
    throw new NothingToCompareError(
      `${what} synthesized no stack, so there is nothing to compare. Check the app in cdk.json (npm run synth lists its stacks).`,
    );
  }
  return stacks;
}

async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function compareDeployed(repoRoot: string, options: DiffOptions): Promise<Comparison> {
  return withTempDir('cdk-diff-', async (work) => {
    const outdir = path.join(work, 'cdk.out');
    const stacks = requireStacks(
      await synth({
        cwd: repoRoot,
        outdir,
        context: options.context,
        what: 'the app',
        repoRoot,
        hint: 'Fix the error above (npm run synth shows it too); settings are passed with -c key=value (e.g. -c alertEmails=ops@example.com).',
      }),
      'The app',
    );
    process.stderr.write(`Reading the deployed stacks (${options.method})...\n`);
    return {
      comparedWith:
        options.method === 'template' ? 'the deployed stacks' : `the deployed stacks (${options.method})`,
      stacks: await compareWithDeployed(outdir, stacks, options.method),
    };
  });
}

async function compareBase(repoRoot: string, options: DiffOptions, ref: string): Promise<Comparison> {
  const sha = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repoRoot });
  if (sha.code !== 0) {
    throw new UsageError(
      `--base "${ref}" is not a commit in this repository. Check the name, or fetch it first ` +
        `(git fetch origin main; in a shallow CI checkout use fetch-depth: 0).`,
    );
  }
  const commit = sha.output.trim();
  const context = [...options.context];
  if (!hasSetting('alertEmails', context, path.join(repoRoot, 'cdk.json'))) {
    context.push('alertEmails=review@example.com');
  }
  const label = `${ref} (${commit.slice(0, 7)})`;

  return withTempDir('cdk-diff-base-', async (work) => {
    // Both apps are synthesized from copies at the same depth, sharing the repository's node_modules:
    // bundled assets then see the same relative paths (source maps record them), so an asset hash
    // changes only when the asset does. The working tree copy includes uncommitted edits.
    const baseDir = path.join(work, 'base');
    const headDir = path.join(work, 'head');
    await exportCommit(repoRoot, commit, baseDir, ref);
    await copyWorkingTree(repoRoot, headDir);
    // The base is built with today's dependencies; a dependency upgrade in between shows up as a change.
    linkDependencies(repoRoot, baseDir);
    linkDependencies(repoRoot, headDir);

    // The two synths are independent; running them side by side halves the wait on a two-core machine.
    const [baseStacks, headStacks] = await Promise.all([
      fs.existsSync(path.join(baseDir, 'cdk.json'))
        ? synth({
            cwd: baseDir,
            outdir: path.join(baseDir, 'cdk.out'),
            context,
            what: label,
            repoRoot,
            hint:
              `The app at ${ref} does not synthesize, so there is nothing to compare with: compare with another ref ` +
              '(e.g. --base origin/main), or pass the settings it needs with -c key=value.',
          })
        : Promise.resolve([]),
      synth({
        cwd: headDir,
        outdir: path.join(headDir, 'cdk.out'),
        context,
        what: 'the working tree',
        repoRoot,
        hint: 'Fix the error above (npm run synth shows it too); settings are passed with -c key=value.',
      }),
    ]);
    requireStacks(headStacks, 'The working tree');

    // CloudFormation knows a stack by its name: a stack whose name changes is a new stack, and the old one stays.
    const stacks = headStacks.map((head) => {
      const base = baseStacks.find((b) => b.stackName === head.stackName);
      return compareStack({
        id: head.id,
        stackName: head.stackName,
        account: head.account,
        before: base && readTemplate(base.templateFile),
        after: readTemplate(head.templateFile),
      });
    });
    for (const base of baseStacks.filter((b) => !headStacks.some((h) => h.stackName === b.stackName))) {
      stacks.push(
        compareStack({
          id: base.id,
          stackName: base.stackName,
          account: base.account,
          before: readTemplate(base.templateFile),
        }),
      );
    }
    return { comparedWith: `${label}, both synthesized locally`, stacks };
  });
}

/**
 * The monthly cost change between the two sides, from the platform's cost model. A model error (an
 * unpriced region, say) is reported and leaves the review without a cost section; it never fails it.
 */
function estimateCostDelta(stacks: readonly StackComparison[]): CostDelta | undefined {
  try {
    return costDeltaOf(stacks, modelEstimator(), costBasis());
  } catch (err) {
    process.stderr.write(
      `The monthly cost change could not be estimated: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return undefined;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  // Like cdk, the app is the one in the current directory (npm run starts in the package's folder).
  const repoRoot = options.base ? await git(process.cwd(), ['rev-parse', '--show-toplevel']) : process.cwd();
  const comparison = options.base
    ? await compareBase(repoRoot, options, options.base)
    : await compareDeployed(repoRoot, options);
  const summary = summarize(comparison.stacks, {
    comparedWith: comparison.comparedWith,
    cost: estimateCostDelta(comparison.stacks),
  });

  const diffs = comparison.stacks.map((stack) => ({ stack: stack.stackName, text: renderStackDiff(stack) }));
  const fullDiff =
    `${diffs.map((d) => d.text).join('\n\n')}\n\n` +
    `Number of stacks with differences: ${summary.totals.stacksChanged}\n`;
  process.stdout.write(`${fullDiff}\n${formatSummaryText(summary, options)}\n`);
  const verdict = checkDestructive(summary, options.allowDestructive);
  if (options.output) fs.writeFileSync(options.output, fullDiff);
  if (options.json) fs.writeFileSync(options.json, `${JSON.stringify({ ...summary, verdict }, null, 2)}\n`);
  if (options.markdown) {
    fs.writeFileSync(
      options.markdown,
      formatSummaryMarkdown(summary, {
        diffs,
        allowDestructive: options.allowDestructive,
        fullDiffLocation: options.fullDiffLocation,
      }),
    );
  }
  return options.failOnDestructive && !verdict.ok ? 2 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const known = err instanceof UsageError || err instanceof NothingToCompareError;
      process.stderr.write(
        `${known ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
