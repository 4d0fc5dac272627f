/**
 * The local workgroup and Glue database: named and limited as the Analytics stack names and limits
 * the deployed ones, from the same `cdk.json` settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The settings of the deployed workgroup and database, as `cdk.json` gives them. */
export interface LocalAthenaSettings {
  /** The workgroup's name: the project name, as the Analytics stack names it. */
  readonly workgroup: string;
  /** The Glue database: `<project_name>_lake`, as the Analytics stack names it. */
  readonly database: string;
  /** `athenaScanLimitMb`: the workgroup's per-query cutoff, in MB. */
  readonly scanLimitMb: number;
}

/**
 * The local workgroup's settings: `projectName` and `athenaScanLimitMb` from `cdk.json` (defaults
 * `analytics` and 1024, as in lib/config.ts), and `LOCAL_ATHENA_SCAN_LIMIT_MB` to try another cutoff.
 */
export function localAthenaSettings(
  env: NodeJS.ProcessEnv = process.env,
  cdkJsonPath = path.resolve(import.meta.dirname, '..', '..', 'cdk.json'),
): LocalAthenaSettings {
  let context: Record<string, unknown> = {};
  try {
    context =
      (JSON.parse(fs.readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> }).context ??
      {};
  } catch {
    // No cdk.json: the defaults.
  }
  const projectName = typeof context.projectName === 'string' ? context.projectName : 'analytics';
  const raw = env.LOCAL_ATHENA_SCAN_LIMIT_MB ?? context.athenaScanLimitMb ?? 1024;
  const scanLimitMb = Number(raw);
  if (!Number.isFinite(scanLimitMb) || scanLimitMb < 10) {
    throw new Error(
      `${env.LOCAL_ATHENA_SCAN_LIMIT_MB !== undefined ? 'LOCAL_ATHENA_SCAN_LIMIT_MB' : 'athenaScanLimitMb in cdk.json'} is "${String(raw)}"; ` +
        'set a number of megabytes, at least 10 (the smallest cutoff Athena accepts), e.g. LOCAL_ATHENA_SCAN_LIMIT_MB=1024.',
    );
  }
  return { workgroup: projectName, database: `${projectName.replace(/-/g, '_')}_lake`, scanLimitMb };
}
