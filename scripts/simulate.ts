/**
 * `npm run simulate`: how the data path copes with a steady event rate (cost/simulator.ts), on the
 * synthesized app's settings, with the monthly cost from the cost model; or, with --calibrate, a
 * bounded load test of the local platform beside the simulator's prediction for it.
 *
 *   npm run simulate -- --events-per-second 100 --hours 24
 *   npm run simulate -- --events-per-second 100000 -c databaseMaxAcu=32
 *   npm run simulate -- --calibrate
 */
import { resolve } from 'node:path';
import { usd } from '../cost/lines';
import { estimateCost } from '../cost/model';
import { LOCAL_PLATFORM, awsPlatform, type PlatformModel } from '../cost/platform';
import { TYPICAL_PROFILE } from '../cost/profile';
import { simulate, type SimulationResult } from '../cost/simulator';
import { readAssembly } from '../cost/templates';
import { contextFlags, hasSetting, synthesizeApp } from './synth-app';
import { flagValue, positionals } from './take-flag';

const USAGE = `Usage: npm run simulate -- --events-per-second <n> [options]
       npm run simulate -- --calibrate [--seconds <s>]

Simulates the data path at a steady event rate on the app's settings (synthesized first, or read
from a cdk.out folder): per component the demand, capacity and utilisation, the first to saturate
and the setting that moves it, the backlog over time, the load lag, the Aurora capacity needed,
S3 objects and requests per day, the Athena scan of a full-history chart, and the monthly cost.

Options:
  --events-per-second <n>   Steady rate of events sent to the ingest endpoint.
  --hours <h>               How long the rate lasts (default 24).
  --events-per-request <n>  Events per ingest request, one lake object each (default 500).
  --datasets <n>            Datasets the events spread over (default 1).
  --backlog <n>             Events already queued at the start (default 0).
  -c, --context <key=value> A setting, as for cdk synth (repeatable).
  [cdk.out folder]          Read this cloud assembly instead of synthesizing.
  --json                    Print the result as JSON.
  --calibrate               Load-test the local platform (loopback, bounded) and print it beside the prediction.
  --seconds <s>             With --calibrate: seconds each rate is sent for (default 10).
  -h, --help                Show this help.
`;

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const percent = (u: number) => (u === Infinity ? 'over' : `${(u * 100).toFixed(u < 0.01 ? 3 : 1)}%`);
/** Seconds, and the same in minutes, hours or days when that reads better. */
const duration = (s: number) =>
  s < 120
    ? `${num(s, 2)} s`
    : `${num(s)} s (${s < 7200 ? `${num(s / 60, 1)} min` : s < 172_800 ? `${num(s / 3600, 1)} h` : `${num(s / 86_400, 1)} days`})`;
const bytes = (b: number) => (b >= 1024 ** 3 ? `${num(b / 1024 ** 3, 1)} GB` : `${num(b / 1024 ** 2, 1)} MB`);

function numberOption(
  argv: readonly string[],
  name: string,
  fallback: number | undefined,
  min: number,
): number {
  const text = flagValue(argv, name);
  if (text === undefined) {
    if (fallback === undefined)
      throw new Error(`${name} is required, e.g. ${name} 100. Run npm run simulate -- --help.`);
    return fallback;
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min)
    throw new Error(`${name} "${text}" must be a number of at least ${min}.`);
  return n;
}

function formatSimulation(r: SimulationResult): string {
  const rows = [['Component', 'Demand', 'Capacity', 'Utilisation', 'Limited by', 'Setting that moves it']];
  for (const c of r.components) {
    const unit = c.kind === 'scan' ? '' : ` ${c.unit}`;
    const fmt = (n: number) => (c.kind === 'scan' ? bytes(n) : num(n, n < 10 ? 2 : 0));
    rows.push([
      c.name,
      `${fmt(c.demand)}${unit}`,
      `${fmt(c.capacity)}${unit}`,
      percent(c.utilisation),
      c.limitedBy,
      c.setting,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
  const b = r.bottleneck;
  return [
    `${num(r.input.eventsPerSecond, 2)} events/s for ${r.input.hours} h on ${r.platform}, ${r.input.eventsPerRequest} events per request, ` +
      `${r.input.datasets} dataset(s)${r.input.initialBacklogEvents ? `, ${num(r.input.initialBacklogEvents)} events queued at the start` : ''}.`,
    '',
    ...table,
    '',
    r.saturated
      ? `First to saturate: ${b.name} at ${percent(b.utilisation)} of its capacity. Move it with: ${b.setting}.`
      : `No throughput saturates; the most loaded is ${b.name} at ${percent(b.utilisation)} (${b.setting}).`,
    ...r.components
      .filter((c) => c.kind === 'scan' && c.utilisation >= 1)
      .map((c) => `Over its limit: ${c.name} at ${percent(c.utilisation)}. Move it with: ${c.setting}.`),
    r.acceptedEventsPerSecond < r.input.eventsPerSecond
      ? `Ingest accepts ${num(r.acceptedEventsPerSecond)} events/s; producers get throttled (429) for the rest and must retry.`
      : undefined,
    `Drain rate behind the lake: ${num(r.drainEventsPerSecond)} events/s.`,
    `Backlog (events waiting): ${r.backlog.map((p) => `${num(p.hour, 1)} h: ${num(p.events)}`).join(', ')}` +
      (r.drainedAfterSeconds !== undefined
        ? `; the initial backlog is gone after ${num(r.drainedAfterSeconds / 60, 1)} min.`
        : '.'),
    r.expiry
      ? `Events sent after ${num(r.expiry.afterHours, 1)} h wait longer than the loader queue keeps a message ` +
        `(${num(r.expiry.retentionSeconds / 86_400, 1)} days): SQS deletes ${num(r.expiry.eventsPerSecond)} events/s unloaded; ` +
        `their objects stay in the lake for npm run backfill.`
      : undefined,
    `Load lag from request to row: p50 ${duration(r.lag.p50)}, p95 ${duration(r.lag.p95)}, max ${duration(r.lag.max)}.`,
    `Aurora capacity needed: ${num(r.acuNeeded, 2)} ACU.`,
    `Per day: ${num(r.perDay.objects)} lake objects (${num(r.perDay.putRequests)} PUTs, ${num(r.perDay.getRequests)} GETs), ` +
      `${num(r.perDay.events)} object-created events and SQS messages, ${num(r.perDay.rows)} rows to load.`,
    `Athena: a full-history chart over one dataset scans ${bytes(r.athena.fullHistoryBytes)} after ${r.input.hours} h` +
      (r.athena.cutoffBytes !== undefined && r.athena.exceedsCutoffAfterHours !== undefined
        ? `; it passes the ${bytes(r.athena.cutoffBytes)} per-query cutoff after ${num(r.athena.exceedsCutoffAfterHours, 2)} h.`
        : '.'),
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}

async function calibrate(argv: readonly string[]): Promise<void> {
  // Loaded here only: it brings in the whole local platform (PGlite), which a simulation never needs.
  const { calibrateLocal, fitLocalOverhead } = await import('./calibrate-local');
  const seconds = numberOption(argv, '--seconds', 10, 1);
  const rates = [100, 1000, 4000, 16000];
  process.stderr.write(
    `Load-testing the local platform: ${rates.join(', ')} events/s for ${seconds} s each...\n`,
  );
  const runs = await calibrateLocal({ rates, seconds, eventsPerRequest: 500, drainTimeoutSeconds: 120 });
  const saturated = [...runs].reverse().find((r) => fitLocalOverhead(r) !== undefined);
  const overhead = saturated ? fitLocalOverhead(saturated) : undefined;
  const calibrated: PlatformModel | undefined =
    overhead === undefined
      ? undefined
      : { ...LOCAL_PLATFORM, loader: { ...LOCAL_PLATFORM.loader, overheadSeconds: overhead } };
  const rows = [
    [
      'Events/s sent',
      'Loaded events/s: measured / predicted / calibrated',
      'Lag p50: measured / predicted / calibrated',
      'Lag p95: measured / predicted / calibrated',
    ],
  ];
  for (const run of runs) {
    const input = {
      eventsPerSecond: run.eventsPerSecond,
      hours: run.seconds / 3600,
      eventsPerRequest: run.eventsPerRequest,
    };
    const p = simulate(LOCAL_PLATFORM, input);
    const c = calibrated ? simulate(calibrated, input) : undefined;
    const rate = (r: SimulationResult) => num(Math.min(run.eventsPerSecond, r.drainEventsPerSecond));
    const secs = (n: number) => `${num(n, 2)} s`;
    rows.push([
      num(run.eventsPerSecond),
      `${num(run.loadedEventsPerSecond)} / ${rate(p)} / ${c ? rate(c) : '-'}`,
      `${secs(run.lag.p50)} / ${secs(p.lag.p50)} / ${c ? secs(c.lag.p50) : '-'}`,
      `${secs(run.lag.p95)} / ${secs(p.lag.p95)} / ${c ? secs(c.lag.p95) : '-'}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stdout.write(
    `${rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')}\n`,
  );
  process.stdout.write(
    overhead === undefined
      ? 'No run saturated the local platform, so nothing was fitted.\n'
      : `Calibrated: ${num(overhead * 1000, 1)} ms of shared CPU per object beyond the benchmarked parsing and loading ` +
          `(fitted on the ${num(saturated!.eventsPerSecond)} events/s run).\n`,
  );
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  if (argv.includes('--calibrate')) return calibrate(argv);
  const input = {
    eventsPerSecond: numberOption(argv, '--events-per-second', undefined, 0),
    hours: numberOption(argv, '--hours', 24, 0.001),
    eventsPerRequest: numberOption(argv, '--events-per-request', 500, 1),
    datasets: numberOption(argv, '--datasets', 1, 1),
    initialBacklogEvents: numberOption(argv, '--backlog', 0, 0),
  };
  const valued = new Set([
    '--events-per-second',
    '--hours',
    '--events-per-request',
    '--datasets',
    '--backlog',
    '--seconds',
    '-c',
    '--context',
  ]);
  const folders = positionals(argv, valued);
  const context = contextFlags(argv);
  const assembly = folders[0]
    ? resolve(folders[0])
    : await synthesizeApp(
        hasSetting('alertEmails', context) ? context : [...context, 'alertEmails=simulate@example.com'],
      );
  const stacks = readAssembly(assembly);
  const platform = awsPlatform(stacks);
  const result = simulate(platform, input);
  const awakeAcu = Math.min(platform.database.maxAcu, Math.max(0.5, result.acuNeeded));
  const cost = estimateCost(stacks, {
    profile: {
      ...TYPICAL_PROFILE,
      eventsPerDay: result.acceptedEventsPerSecond * 86400,
      eventsPerRequest: input.eventsPerRequest,
      awakeAcu: Math.ceil(awakeAcu * 2) / 2,
    },
  });
  const largest = [...cost.lines].sort((a, b) => b.typicalMonthlyUsd - a.typicalMonthlyUsd).slice(0, 5);
  if (argv.includes('--json')) {
    const monthly = {
      monthlyCostUsd: cost.typicalMonthlyUsd,
      monthlyCostUsdListPrice: cost.typicalMonthlyUsdListPrice,
      idleMonthlyUsd: cost.idleMonthlyUsd,
      idleMonthlyUsdListPrice: cost.idleMonthlyUsdListPrice,
      largestCostLines: largest,
    };
    process.stdout.write(`${JSON.stringify({ ...result, ...monthly }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${formatSimulation(result)}\nMonthly cost at this rate (cost model, ${cost.region}): ${usd(cost.typicalMonthlyUsd)} ` +
      `(Aurora at ${Math.ceil(awakeAcu * 2) / 2} ACU awake ${num(cost.awake.typical.hoursPerMonth)} h, with the default dashboard, ` +
      `access-log and Athena usage, less AWS's always-free allowances (${usd(cost.typicalMonthlyUsdListPrice)} at list prices); ` +
      `${usd(cost.idleMonthlyUsd)} idle).\n` +
      `Largest lines: ${largest.map((l) => `${l.stack} ${l.resource} ${l.item} ${usd(l.typicalMonthlyUsd)}`).join('; ')}.\n`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`\n${(err as Error).message}\n\n`);
  process.exit(1);
});
