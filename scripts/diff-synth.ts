/**
 * Synthesizing the app for `npm run diff`: the working tree, and the app as it was at a git ref,
 * each in a temporary copy, with the CDK CLI of the repository. Also reads a cloud assembly's
 * stacks and templates.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Template } from './diff-compare';

/** A mistake on the command line or in the environment; printed without a stack trace. */
export class UsageError extends Error {}

interface RunResult {
  readonly code: number;
  /** stdout and stderr interleaved in the order they arrived. */
  readonly output: string;
}

export function run(command: string, args: readonly string[], options: { cwd: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

export async function git(repoRoot: string, args: readonly string[]): Promise<string> {
  const result = await run('git', args, { cwd: repoRoot });
  if (result.code !== 0) throw new UsageError(`git ${args.join(' ')} failed:\n${result.output.trim()}`);
  return result.output.trim();
}

/** The CDK CLI of the repository, run with the current Node.js (no npx lookup, same version as package.json). */
function cdkCommand(repoRoot: string): [string, string[]] {
  const cli = path.join(repoRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  if (!fs.existsSync(cli)) {
    throw new UsageError(`The CDK CLI is not installed at ${cli}. Run npm ci in ${repoRoot} first.`);
  }
  return [process.execPath, [cli]];
}

export interface StackArtifact {
  /** The stack's ID in the app, which `cdk deploy <stack>` selects. */
  readonly id: string;
  /** The artifact's ID in the cloud assembly. */
  readonly artifactId: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  readonly templateFile: string;
  /** The account the app pins the stack to, when it is a literal. */
  readonly account?: string;
}

/** The stacks of a synthesized cloud assembly, read from its manifest. */
export function readStacks(assemblyDir: string): StackArtifact[] {
  const manifestFile = path.join(assemblyDir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<
      string,
      {
        type: string;
        displayName?: string;
        environment?: string;
        properties?: { templateFile?: string; stackName?: string };
      }
    >;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([artifactId, a]) => {
      const account = a.environment?.replace(/^aws:\/\//, '').split('/')[0];
      return {
        id: a.displayName ?? artifactId,
        artifactId,
        stackName: a.properties!.stackName ?? artifactId,
        templateFile: path.join(assemblyDir, a.properties!.templateFile!),
        account: account && /^\d{12}$/.test(account) ? account : undefined,
      };
    });
}

export function readTemplate(file: string): Template {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

const contextArgs = (context: readonly string[]) => context.flatMap((c) => ['-c', c]);

/** Runs `cdk synth` in `cwd` into `outdir`; the error names what failed and what to do (`hint`). */
export async function synth(options: {
  readonly cwd: string;
  readonly outdir: string;
  readonly context: readonly string[];
  /** What is synthesized, for messages, e.g. "the working tree". */
  readonly what: string;
  readonly repoRoot: string;
  readonly hint: string;
}): Promise<StackArtifact[]> {
  const [node, cli] = cdkCommand(options.repoRoot);
  process.stderr.write(`Synthesizing ${options.what}...\n`);
  const result = await run(
    node,
    [...cli, 'synth', '--quiet', '--no-notices', '-o', options.outdir, ...contextArgs(options.context)],
    { cwd: options.cwd },
  );
  if (result.code !== 0) {
    throw new UsageError(
      `cdk synth of ${options.what} failed (exit code ${result.code}):\n${result.output.trim()}\n\n${options.hint}`,
    );
  }
  return readStacks(options.outdir);
}

/** Copies the files git knows of or would add (tracked, changed and new; not ignored) to `dest`. */
export async function copyWorkingTree(repoRoot: string, dest: string): Promise<void> {
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

/** Exports a commit into `dest` with `git archive`: no worktree, index or ref of the repository changes. */
export async function exportCommit(
  repoRoot: string,
  commit: string,
  dest: string,
  ref: string,
): Promise<void> {
  const archive = `${dest}.tar`;
  fs.mkdirSync(dest, { recursive: true });
  await git(repoRoot, ['archive', '--format=tar', `--output=${archive}`, commit]);
  const untar = await run('tar', ['-xf', archive, '-C', dest], { cwd: path.dirname(dest) });
  fs.rmSync(archive, { force: true });
  if (untar.code !== 0) throw new UsageError(`Extracting ${ref} failed:\n${untar.output}`);
}

/** Points a copy's node_modules at the repository's, so both apps build with the same dependencies. */
export function linkDependencies(repoRoot: string, dir: string): void {
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}
