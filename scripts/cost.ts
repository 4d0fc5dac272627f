/**
 * `npm run cost`: what the platform costs a month, idle and under a usage profile, per stack and
 * per resource, from the templates `cdk synth` writes (see cost/model.ts).
 *
 *   npm run cost                                     synthesize with cdk.json's settings, then estimate
 *   npm run cost -- -c generatorEnabled=true         the same with a setting changed (as cdk synth -c)
 *   npm run cost -- cdk.out --json                   estimate an existing cloud assembly, as JSON
 *   npm run cost -- --no-free-tier                   list prices, without AWS's always-free allowances
 */
import { resolve } from 'node:path';
import { estimateCost } from '../cost/model';
import { PROFILE_FLAGS, profileFromFlags } from '../cost/profile';
import { formatEstimate } from '../cost/report';
import { contextFlags, hasSetting, synthesizeApp } from './synth-app';
import { flagValue, positionals } from './take-flag';

const USAGE = `Usage: npm run cost -- [cdk.out folder] [options]

Estimates the monthly cost of the platform from its synthesized templates: one line per priced item
of each resource, idle (nobody uses it) and typical (the usage profile), with the assumption behind
it, the totals, what keeps Aurora awake, and the cost traps. Without a folder it runs cdk synth first.
The lines are at list prices; AWS's always-free monthly allowances (cost/prices.json) are taken off
the total, which assumes this platform is the only user of the account's always-free allowances in
the region. Both totals are printed.

Options:
  -c, --context <key=value>   A setting, as for cdk synth (repeatable). alertEmails defaults to a
                              placeholder when unset (it does not change the cost).
  --region <region>           Prices of this Region (default: the stacks' Region, else us-east-1).
  --no-free-tier              List prices: take no always-free allowance off the totals.
  --json                      Print one JSON object: idleMonthlyUsd (with the free tier),
                              idleMonthlyUsdListPrice, typicalMonthlyUsd, ..., freeTier, lines, ...
${PROFILE_FLAGS.map((f) => `  ${`${f.flag} <n>`.padEnd(28)}Usage profile: ${f.key} (${f.min} to ${f.max}).`).join('\n')}
  -h, --help                  Show this help.
`;

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const valued = new Set(['-c', '--context', '--region', ...PROFILE_FLAGS.map((f) => f.flag)]);
  const known = new Set(['--json', '--no-free-tier', ...valued]);
  const unknown = argv.filter((a) => a.startsWith('-') && !known.has(a.split('=')[0]!));
  if (unknown.length > 0)
    throw new Error(`Unknown option ${unknown.join(', ')}. Run npm run cost -- --help.`);
  const folders = positionals(argv, valued);
  if (folders.length > 1) throw new Error(`Give at most one cdk.out folder, got ${folders.join(', ')}.`);
  const profile = profileFromFlags(argv);
  const context = contextFlags(argv);
  if (folders.length === 1 && context.length > 0) {
    throw new Error(
      '-c settings apply when synthesizing; with a cdk.out folder the templates already hold them.',
    );
  }
  const assembly = folders[0]
    ? resolve(folders[0])
    : await synthesizeApp(
        hasSetting('alertEmails', context) ? context : [...context, 'alertEmails=cost-estimate@example.com'],
      );
  const estimate = estimateCost(assembly, {
    region: flagValue(argv, '--region'),
    profile,
    freeTier: !argv.includes('--no-free-tier'),
  });
  process.stdout.write(
    argv.includes('--json') ? `${JSON.stringify(estimate, null, 2)}\n` : `${formatEstimate(estimate)}\n`,
  );
  if (estimate.unclassified.length > 0) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`\n${(err as Error).message}\n\n`);
  process.exit(1);
});
