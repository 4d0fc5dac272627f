import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { synth } from './diff-synth';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/**
 * Runs `cdk synth` of the platform (cdk.json's app and context, plus `-c key=value` settings)
 * into a new temporary folder and returns the folder. Throws with cdk's own output when it fails,
 * so a bad setting reads exactly as it does from `npm run synth`.
 */
export async function synthesizeApp(
  context: readonly string[],
  outdir = mkdtempSync(join(tmpdir(), 'cdk-out-')),
): Promise<string> {
  await synth({
    cwd: REPO_ROOT,
    outdir,
    context,
    what: 'the app',
    repoRoot: REPO_ROOT,
    hint: 'Fix the error above (npm run synth shows it too); settings are passed with -c key=value.',
  });
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

/** Whether a setting is given on the command line or in a cdk.json's context (the platform's by default). */
export function hasSetting(
  key: string,
  context: readonly string[],
  cdkJsonFile = join(REPO_ROOT, 'cdk.json'),
): boolean {
  if (context.some((c) => c.startsWith(`${key}=`))) return true;
  if (!existsSync(cdkJsonFile)) return false;
  const cdkJson = JSON.parse(readFileSync(cdkJsonFile, 'utf8')) as { context?: Record<string, unknown> };
  const value = cdkJson.context?.[key];
  return (
    value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)
  );
}
