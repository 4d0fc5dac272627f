import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { eventSize } from '../../cost/measured';
import { estimateCost, type CostEstimate } from '../../cost/model';
import { TYPICAL_PROFILE } from '../../cost/profile';
import { readAssembly, type StackTemplate } from '../../cost/templates';
import { BENCH } from '../../cost/throughput';
import { synthApp, type SynthResult } from '../support/synth';
import { price } from './fixtures';

/**
 * The cost model over the synthesized app: the default deployment idles at $5 or less, every
 * resource is listed, the figures agree to the cent with the arithmetic worked out here from
 * cost/prices.json and the formulas of docs/cost.md, and synth warns of cost traps (and only then).
 */

const HOURS = 730;
const DAYS = 730 / 24;
const CENT = 0.005;
const GB = 1024 ** 3;

let defaults: SynthResult;
let traps: SynthResult;
let estimate: CostEstimate;

beforeAll(() => {
  defaults = synthApp({}, { nag: false });
  traps = synthApp(
    {
      generatorEnabled: 'true',
      dashboardAllowedCidrs: '203.0.113.0/24',
      databaseMaxAcu: '16',
      allowedCidrs: '198.51.100.0/24',
    },
    { nag: false },
  );
  estimate = estimateCost(defaults.outdir);
}, 600_000);

/** What the default deployment costs idle, line by line. */
function defaultIdleByHand(): number {
  const appRunner = 1 * 0.5 * price('apprunner.provisionedGbHour') * HOURS; // one 0.5 GB instance provisioned
  const key = price('kms.keyMonth'); // the alerts key, first year
  const secrets = 2 * price('secretsManager.secretMonth'); // database credentials, dashboard password
  const alarms = 2 * price('cloudwatch.alarmMonth'); // dead-letter and backlog alarms
  const polls = 5 * (3600 / 20) * HOURS * (price('sqs.standardRequestsPerMillion') / 1e6); // 5 long-pollers
  const image = 1 * 0.2 * price('ecr.storageGbMonth'); // one 0.2 GB dashboard image
  const maintenance = 1 * (20 / 60) * 0.5 * price('aurora.acuHour'); // one 20-minute wake-up a month
  return appRunner + key + secrets + alarms + polls + image + maintenance;
}

/** What the generator at rate(5 minutes) adds idle, line by line. */
function generatorIdleByHand(): number {
  const request = price('lambda.requestsPerMillion') / 1e6;
  const gbSecond = price('lambda.armGbSecond');
  const runs = (HOURS * 60) / 5;
  const requests = runs * 3; // one batch per dataset per run
  const records = requests * 100;
  const deliveries = 24 * DAYS; // the lake's own access logs, hourly
  const objects = requests + deliveries;
  const loaderInvocations = runs + deliveries;
  const ingestSeconds = 0.1 + 100 / (BENCH.ingestRecordsPerVcpuSecond * (512 / 1769));
  const loaderSeconds = 0.3 + records / loaderInvocations / BENCH.loaderRowsPerSecondByBatch[1000]!;
  const logPerGb = price('logs.ingestGb') + (30 / DAYS) * price('logs.storageGbMonth');
  const size = eventSize(100);
  const aurora = HOURS * 0.5 * price('aurora.acuHour') - 1 * (20 / 60) * 0.5 * price('aurora.acuHour');
  return (
    aurora + // never pauses; the maintenance wake-up no longer adds anything
    runs * (request + 1 * 0.25 * gbSecond) + // generator, 256 MB, 1 s
    runs * (price('scheduler.invocationsPerMillion') / 1e6) +
    requests * (request + ingestSeconds * 0.5 * gbSecond) + // ingest, 512 MB
    loaderInvocations * (request + loaderSeconds * 0.5 * gbSecond) + // loader, 512 MB
    (((runs + requests + loaderInvocations) * 600) / GB) * logPerGb + // 600 log bytes per invocation
    objects * 2 * (price('sqs.standardRequestsPerMillion') / 1e6) + // send and delete
    ((records * size.gzipBytes) / GB) * price('s3.standardGbMonth') +
    requests * (price('s3.putPer1000') / 1000 + price('s3.getPer1000') / 1000) +
    // no lifecycle transitions: a 100-event object is far under the 128 KB Intelligent-Tiering minimum
    deliveries * (price('s3.getPer1000') / 1000) +
    ((records * size.jsonBytes) / GB) * price('aurora.storageGbMonth') +
    ((records * size.jsonBytes) / 4096 / 1e6) * price('aurora.ioPerMillion') +
    ((objects * 2 + requests * 1) / 1e6) * price('rdsDataApi.requestsPerMillion')
  );
}

/** The default templates with the generator's schedule turned on: what `-c generatorEnabled=true` changes. */
function withGeneratorOn(stacks: readonly StackTemplate[]): StackTemplate[] {
  return stacks.map((stack) => ({
    ...stack,
    resources: Object.fromEntries(
      Object.entries(stack.resources).map(([id, r]) => [
        id,
        r.Type === 'AWS::Scheduler::Schedule'
          ? { ...r, Properties: { ...r.Properties, State: 'ENABLED' } }
          : r,
      ]),
    ),
  }));
}

describe('the default deployment', () => {
  test('idles at $5.00 a month or less (us-east-1, before tax, excluding stored data)', () => {
    expect(estimate.region).toBe('us-east-1');
    expect(estimate.idleMonthlyUsd).toBeGreaterThan(0);
    expect(estimate.idleMonthlyUsd).toBeLessThanOrEqual(5);
  });

  test('lists every resource: priced on a line or free with its reason, none unclassified', () => {
    expect(estimate.unclassified).toEqual([]);
    const resources = Object.values(defaults.json).flatMap((t) => Object.keys((t.Resources ?? {}) as object));
    const listed = new Set([
      ...estimate.lines.map((l) => `${l.stack}/${l.resource}`),
      ...estimate.free.map((f) => `${f.stack}/${f.resource}`),
    ]);
    const all = Object.entries(defaults.json).flatMap(([stack, t]) =>
      Object.keys((t.Resources ?? {}) as object).map((id) => `${stack}/${id}`),
    );
    expect(all).toHaveLength(resources.length);
    expect(all.filter((r) => !listed.has(r))).toEqual([]);
    for (const f of estimate.free) expect(f.reason.length, f.type).toBeGreaterThan(10);
    const sum = estimate.lines.reduce((s, l) => s + l.idleMonthlyUsd, 0);
    expect(estimate.idleMonthlyUsd).toBeCloseTo(sum, 10);
  });

  test('agrees to the cent with the idle figure worked out by hand', () => {
    const byHand = defaultIdleByHand();
    expect(Math.abs(estimate.idleMonthlyUsd - byHand)).toBeLessThan(CENT);
    expect(estimate.awake.idle.reasoning.join('\n')).toMatch(/AWS maintenance: 1\/month, 20 min each/);
  });

  test('with the generator every 5 minutes the database never pauses: the figure by hand, to the cent', () => {
    const on = estimateCost(withGeneratorOn(readAssembly(defaults.outdir)));
    const byHand = defaultIdleByHand() + generatorIdleByHand();
    expect(Math.abs(on.idleMonthlyUsd - byHand)).toBeLessThan(CENT);
    expect(on.awake.idle.neverPauses).toBe(true);
    expect(on.awake.idle.reasoning.join('\n')).toContain('generator: every 5 min (rate(5 minutes)');
    expect(on.awake.idle.reasoning.join('\n')).toContain('5 < 10, so it never pauses');
    const aurora = on.lines.find((l) => l.item === 'ACU-hours while awake')!;
    expect(aurora.idleMonthlyUsd).toBeCloseTo(HOURS * 0.5 * price('aurora.acuHour'), 10); // $43.80
  });

  test('lifecycle transitions are charged only for lake objects over 128 KB', () => {
    const transitions = (eventsPerRequest: number) =>
      estimateCost(defaults.outdir, {
        profile: { ...TYPICAL_PROFILE, eventsPerDay: 1e6, eventsPerRequest },
      }).lines.find((l) => l.item === 'lifecycle transitions')!.typicalMonthlyUsd;
    expect(500 * eventSize(500).gzipBytes).toBeLessThan(128 * 1024);
    expect(transitions(500)).toBe(0); // about 17 KB each: they stay in S3 Standard
    expect(10_000 * eventSize(10_000).gzipBytes).toBeGreaterThan(128 * 1024);
    const objects = (1e6 / 10_000) * DAYS;
    expect(transitions(10_000)).toBeCloseTo(
      objects * (price('s3.transitionToIntelligentTieringPer1000') / 1000),
      10,
    );
  });

  test('with the generator, WAF and a public database: the figure by hand, to the cent', () => {
    const e = estimateCost(traps.outdir);
    const waf = price('waf.webAclMonth') + 1 * price('waf.ruleMonth');
    const address = price('vpc.publicIpv4Hour') * HOURS;
    const byHand = defaultIdleByHand() + generatorIdleByHand() + waf + address;
    expect(Math.abs(e.idleMonthlyUsd - byHand)).toBeLessThan(CENT);
    expect(e.unclassified).toEqual([]);
  });
});

describe('cost traps at synth', () => {
  const costWarnings = (result: SynthResult) =>
    result.app
      .synth()
      .stacks.flatMap((s) => s.messages)
      .filter((m) => m.level === 'warning' && String(m.entry.data).includes('[ack: @analytics/cost:'))
      .map((m) => ({ path: m.id, text: String(m.entry.data) }));

  test('a synth without a trap shows no cost warning', () => {
    expect(costWarnings(defaults)).toEqual([]);
  });

  test('a synth with traps warns at the resource with the figure', () => {
    const warnings = costWarnings(traps);
    const find = (id: string) => warnings.find((w) => w.text.includes(`[ack: @analytics/cost:${id}]`));
    const model = estimateCost(traps.outdir).traps;
    const generator = model.find((t) => t.id === 'generator-keeps-database-awake')!;
    expect(find('generator-keeps-database-awake')?.path).toBe('/Ingestion/Generator/Schedule/Resource');
    expect(find('generator-keeps-database-awake')?.text).toContain(
      `generatorRate rate(5 minutes) wakes the database more often than databaseAutoPauseMinutes 10: it never pauses, about +$${generator.monthlyUsd.toFixed(2)}/month`,
    );
    expect(generator.monthlyUsd).toBeGreaterThan(43.8);
    expect(find('waf-fixed-cost')?.text).toContain('a fixed +$6.00/month');
    expect(find('waf-fixed-cost')?.path).toBe('/Dashboard/Allowlist/WebAcl');
    expect(find('large-database-max-acu')?.text).toContain(
      'databaseMaxAcu 16 lets one busy day cost up to $46.08',
    );
    expect(find('public-database-address')?.text).toContain('+$3.65/month for its public IPv4 address');
    expect(warnings).toHaveLength(4);
  });
});

describe('npm run cost', () => {
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '../../scripts/cost.ts'), ...args],
      {
        encoding: 'utf8',
        cwd: resolve(import.meta.dirname, '../..'),
      },
    );

  test('--json prints one object with the totals and the lines', () => {
    const result = run(defaults.outdir, '--json');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as CostEstimate;
    expect(json.idleMonthlyUsd).toBeCloseTo(estimate.idleMonthlyUsd, 10);
    expect(typeof json.typicalMonthlyUsd).toBe('number');
    expect(json.lines.length).toBe(estimate.lines.length);
  });

  test('prints the table with the totals, the reasoning and the profile it assumed', () => {
    const result = run(defaults.outdir, '--dashboard-hours-per-day', '2');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /Stack\s+Resource\s+Item\s+Idle \$\/month\s+Typical \$\/month\s+Assumption/,
    );
    expect(result.stdout).toMatch(
      new RegExp(`Total\\s+\\$${estimate.idleMonthlyUsd.toFixed(2).replace('.', '\\.')}`),
    );
    expect(result.stdout).toContain('What keeps Aurora awake, typical:');
    expect(result.stdout).toContain('dashboard open 2 h/day');
  });

  test('refuses a bad profile value and an unpriced Region with a message that says what to do', () => {
    const bad = run(defaults.outdir, '--awake-acu', '0.1');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--awake-acu "0.1" must be a number from 0.5 to 256.');
    const region = run(defaults.outdir, '--region', 'eu-central-2');
    expect(region.status).toBe(1);
    expect(region.stderr).toContain('No prices for Region "eu-central-2"');
  });
});

describe('npm run simulate', () => {
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '../../scripts/simulate.ts'), ...args],
      { encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..') },
    );

  test('names the first component to saturate on the default templates, and the setting that moves it', () => {
    const result = run(defaults.outdir, '--events-per-second', '100000', '--json');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as {
      saturated: boolean;
      bottleneck: { name: string; setting: string };
      acuNeeded: number;
      monthlyCostUsd: number;
      idleMonthlyUsd: number;
    };
    expect(json.saturated).toBe(true);
    expect(json.bottleneck.name).toBe('loader');
    expect(json.bottleneck.setting).toContain('maxConcurrency');
    // 100,000 rows/s ÷ (18,760 rows/s per vCPU ÷ 4 ACU per vCPU)
    expect(json.acuNeeded).toBeCloseTo(100_000 / (BENCH.loaderRowsPerSecondByBatch[1000]! / 4), 10);
    expect(json.idleMonthlyUsd).toBeGreaterThan(0);
    expect(json.monthlyCostUsd).toBeGreaterThan(json.idleMonthlyUsd);
  }, 300_000);

  test('prints the table and says when nothing saturates; refuses a rate that is not a number', () => {
    const result = run(defaults.outdir, '--events-per-second', '10');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Component\s+Demand\s+Capacity\s+Utilisation/);
    expect(result.stdout).toContain('No throughput saturates; the most loaded is loader');
    expect(result.stdout).toMatch(/Monthly cost at this rate \(cost model, us-east-1\): \$\d/);
    const bad = run(defaults.outdir, '--events-per-second', 'lots');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--events-per-second "lots" must be a number of at least 0.');
  }, 300_000);
});
