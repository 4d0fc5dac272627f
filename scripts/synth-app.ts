import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/**
 * Runs `cdk synth` of the platform (cdk.json's app and context, plus `-c key=value` settings)
 * into a new temporary folder and returns the folder. Throws with cdk's own output when it fails,
 * so a bad setting reads exactly as it does from `npm run synth`.
 */
export function synthesizeApp(
  context: readonly string[],
  outdir = mkdtempSync(join(tmpdir(), 'cdk-out-')),
): string {
  const cli = join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  if (!existsSync(cli)) throw new Error(`The CDK CLI is not installed at ${cli}. Run npm ci first.`);
  const result = spawnSync(
    process.execPath,
    [cli, 'synth', '--quiet', '--no-notices', '-o', outdir, ...context.flatMap((c) => ['-c', c])],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `cdk synth failed (exit code ${result.status}):\n${`${result.stdout}${result.stderr}`.trim()}`,
    );
  }
  return outdir;
}

/** The `-c key=value` / `--context key=value` settings of a command line, in order. */
export function contextFlags(argv: readonly string[]): string[] {
  const context: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-c' || arg === '--context') {
      const value = argv[i + 1];
      if (value === undefined || !value.includes('='))
        throw new Error(`${arg} needs key=value, e.g. ${arg} generatorEnabled=true.`);
      context.push(value);
      i++;
    } else if (arg.startsWith('--context=')) context.push(arg.slice('--context='.length));
  }
  return context;
}
