import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { eventSize } from '../../cost/measured';
import { estimateCost, type CostEstimate } from '../../cost/model';
import { TYPICAL_PROFILE } from '../../cost/profile';
import { BENCH } from '../../cost/throughput';
import { synthApp, type SynthResult } from '../support/synth';
import { allowance, price } from './fixtures';

/**
 * The cost model over the synthesized app: the default deployment idles at $5 or less with a secret
 * per database sign-in, every resource is listed, the figures agree to the cent with the arithmetic worked
 * out here from cost/prices.json and the formulas of docs/cost.md (at list prices, and with AWS's
 * always-free allowances taken off), and synth warns of cost traps (and only then).
 */

const HOURS = 730;
const DAYS = 730 / 24;
const CENT = 0.005;
const GB = 1024 ** 3;

let defaults: SynthResult;
let generatorOn: SynthResult;
let traps: SynthResult;
let estimate: CostEstimate;

beforeAll(() => {
  defaults = synthApp({}, { nag: false });
  generatorOn = synthApp({ generatorEnabled: 'true' }, { nag: false });
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

/**
 * A month of the platform worked out by hand: dollars of the items no always-free allowance covers,
 * and the quantities of the metered prices an allowance does cover.
 */
interface Month {
  readonly usd: number;
  readonly alarms: number;
  readonly sqsRequests: number;
  readonly lambdaRequests: number;
  /** arm64 GB-seconds (every function of the platform is arm64). */
  readonly lambdaGbSeconds: number;
  readonly logGbIngested: number;
  readonly logGbStored: number;
}

const NOTHING: Month = {
  usd: 0,
  alarms: 0,
  sqsRequests: 0,
  lambdaRequests: 0,
  lambdaGbSeconds: 0,
  logGbIngested: 0,
  logGbStored: 0,
};

const plus = (...months: Partial<Month>[]): Month =>
  months.reduce<Month>(
    (a, b) => ({
      usd: a.usd + (b.usd ?? 0),
      alarms: a.alarms + (b.alarms ?? 0),
      sqsRequests: a.sqsRequests + (b.sqsRequests ?? 0),
      lambdaRequests: a.lambdaRequests + (b.lambdaRequests ?? 0),
      lambdaGbSeconds: a.lambdaGbSeconds + (b.lambdaGbSeconds ?? 0),
      logGbIngested: a.logGbIngested + (b.logGbIngested ?? 0),
      logGbStored: a.logGbStored + (b.logGbStored ?? 0),
    }),
    NOTHING,
  );

/**
 * The month in dollars: at list prices, or with the always-free allowances taken off (alarm metrics,
 * SQS requests, Lambda requests and GB-seconds, and one 5 GB of logs shared by ingestion and
 * storage, ingestion first).
 */
function dollars(m: Month, freeTier: boolean): number {
  const free = (key: string) => (freeTier ? allowance(key) : 0);
  const over = (quantity: number, freeUnits: number) => Math.max(0, quantity - freeUnits);
  const logsFreeForIngestion = Math.min(m.logGbIngested, free('logs.data'));
  const logsFreeForStorage = free('logs.data') - logsFreeForIngestion;
  return (
    m.usd +
    over(m.alarms, free('cloudwatch.alarmMetrics')) * price('cloudwatch.alarmMonth') +
    over(m.sqsRequests / 1e6, free('sqs.requests')) * price('sqs.standardRequestsPerMillion') +
    over(m.lambdaRequests / 1e6, free('lambda.requests')) * price('lambda.requestsPerMillion') +
    over(m.lambdaGbSeconds, free('lambda.compute')) * price('lambda.armGbSecond') +
    (m.logGbIngested - logsFreeForIngestion) * price('logs.ingestGb') +
    over(m.logGbStored, logsFreeForStorage) * price('logs.storageGbMonth')
  );
}

/** What the default deployment costs idle, item by item. */
function defaultIdleByHand(): Month {
  return plus({
    usd:
      1 * 0.5 * price('apprunner.provisionedGbHour') * HOURS + // one 0.5 GB instance provisioned
      price('kms.keyMonth') + // the alerts key, first year
      3 * price('secretsManager.secretMonth') + // the master's, the loader's, the dashboard's (with its login)
      1 * 0.2 * price('ecr.storageGbMonth') + // one 0.2 GB dashboard image
      1 * (20 / 60) * 0.5 * price('aurora.acuHour'), // one 20-minute wake-up a month
    alarms: 5, // dashboard 5xx, ingest 5xx (its error alarm), loader errors, dead letters, backlog
    sqsRequests: 5 * (3600 / 20) * HOURS, // 5 long-pollers on the loader queue
  });
}

/** What the generator at rate(5 minutes) adds idle, item by item. */
function generatorIdleByHand(): Month {
  const runs = (HOURS * 60) / 5;
  const requests = runs * 3; // one batch per dataset per run
  const records = requests * 100;
  const deliveries = 24 * DAYS; // the lake's own access logs, hourly
  const objects = requests + deliveries;
  const loaderInvocations = runs + deliveries;
  const ingestSeconds = 0.1 + 100 / (BENCH.ingestRecordsPerVcpuSecond * (512 / 1769));
  const loaderSeconds = 0.3 + records / loaderInvocations / BENCH.loaderRowsPerSecondByBatch[1000]!;
  const size = eventSize(100);
  const invocations = runs + requests + loaderInvocations;
  return plus({
    usd:
      HOURS * 0.5 * price('aurora.acuHour') -
      1 * (20 / 60) * 0.5 * price('aurora.acuHour') + // never pauses; the maintenance wake-up adds nothing
      runs * (price('scheduler.invocationsPerMillion') / 1e6) +
      ((records * size.gzipBytes) / GB) * price('s3.standardGbMonth') +
      requests * (price('s3.putPer1000') / 1000 + price('s3.getPer1000') / 1000) +
      // no lifecycle transitions: a 100-event object is far under the 128 KB Intelligent-Tiering minimum
      deliveries * (price('s3.getPer1000') / 1000) +
      ((records * size.jsonBytes) / GB) * price('aurora.storageGbMonth') +
      ((records * size.jsonBytes) / 4096 / 1e6) * price('aurora.ioPerMillion') +
      ((objects * 2 + requests * 1) / 1e6) * price('rdsDataApi.requestsPerMillion'),
    alarms: 1, // the generator's errors
    lambdaRequests: invocations,
    lambdaGbSeconds:
      runs * 1 * 0.25 + // generator, 256 MB, 1 s
      requests * ingestSeconds * 0.5 + // ingest, 512 MB
      loaderInvocations * loaderSeconds * 0.5, // loader, 512 MB
    logGbIngested: (invocations * 600) / GB, // 600 log bytes per invocation
    logGbStored: ((invocations * 600) / GB) * (30 / DAYS), // 30 days kept at the end of the month
    sqsRequests: objects * 2, // send and delete
  });
}

describe('the default deployment', () => {
  test('idles at $5.00 a month or less (us-east-1, before tax, excluding stored data, free tier applied)', () => {
    expect(estimate.region).toBe('us-east-1');
    expect(estimate.freeTier.applied).toBe(true);
    expect(estimate.idleMonthlyUsd).toBeGreaterThan(0);
    expect(estimate.idleMonthlyUsd).toBeLessThanOrEqual(5);
  });

  test('prices a secret for each database sign-in: the master, the loader and the dashboard', () => {
    const secrets = estimate.lines.filter((l) => l.type === 'AWS::SecretsManager::Secret');
    expect(secrets.map((l) => `${l.stack}/${l.resource}`).sort()).toEqual([
      expect.stringMatching(/^Database\//),
      expect.stringMatching(/^DatabaseSetup\/RoleLoginsDashboardSecret/),
      expect.stringMatching(/^DatabaseSetup\/RoleLoginsLoaderSecret/),
    ]);
    for (const line of secrets)
      expect(line.idleMonthlyUsd).toBeCloseTo(price('secretsManager.secretMonth'), 10);
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
    // The lines are at list prices; the free tier's credits (0 or less) come off the total.
    const sum = estimate.lines.reduce((s, l) => s + l.idleMonthlyUsd, 0);
    expect(estimate.idleMonthlyUsdListPrice).toBeCloseTo(sum, 10);
    const credits = estimate.freeTier.credits.reduce((s, c) => s + c.idleMonthlyUsd, 0);
    for (const c of estimate.freeTier.credits) expect(c.idleMonthlyUsd).toBeLessThanOrEqual(0);
    expect(estimate.idleMonthlyUsd).toBeCloseTo(sum + credits, 10);
  });

  test('agrees to the cent with the idle figures worked out by hand, with and without the free tier', () => {
    const byHand = defaultIdleByHand();
    expect(Math.abs(estimate.idleMonthlyUsd - dollars(byHand, true))).toBeLessThan(CENT);
    expect(Math.abs(estimate.idleMonthlyUsdListPrice - dollars(byHand, false))).toBeLessThan(CENT);
    // The alarms and the pollers' SQS requests fit in the allowances: $0.76 a month less.
    expect(dollars(byHand, false) - dollars(byHand, true)).toBeCloseTo(
      5 * price('cloudwatch.alarmMonth') + 0.657 * price('sqs.standardRequestsPerMillion'),
      10,
    );
    const listPrices = estimateCost(defaults.outdir, { freeTier: false });
    expect(listPrices.idleMonthlyUsd).toBeCloseTo(estimate.idleMonthlyUsdListPrice, 10);
    expect(listPrices.freeTier).toMatchObject({ applied: false, credits: [] });
    expect(estimate.awake.idle.reasoning.join('\n')).toMatch(/AWS maintenance: 1\/month, 20 min each/);
  });

  test('with the generator every 5 minutes the database never pauses: the figures by hand, to the cent', () => {
    const on = estimateCost(generatorOn.outdir);
    const byHand = plus(defaultIdleByHand(), generatorIdleByHand());
    expect(Math.abs(on.idleMonthlyUsd - dollars(byHand, true))).toBeLessThan(CENT);
    expect(Math.abs(on.idleMonthlyUsdListPrice - dollars(byHand, false))).toBeLessThan(CENT);
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

  test('with the generator, WAF and a public database: the figures by hand, to the cent', () => {
    const e = estimateCost(traps.outdir);
    // The web ACL has two rules: the IPv4 allowlist and the login rate limit.
    const waf = price('waf.webAclMonth') + 2 * price('waf.ruleMonth');
    const address = price('vpc.publicIpv4Hour') * HOURS;
    const byHand = plus(defaultIdleByHand(), generatorIdleByHand(), { usd: waf + address });
    expect(Math.abs(e.idleMonthlyUsd - dollars(byHand, true))).toBeLessThan(CENT);
    expect(Math.abs(e.idleMonthlyUsdListPrice - dollars(byHand, false))).toBeLessThan(CENT);
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
    // $5 for the web ACL and $1 for each of its two rules (the IPv4 allowlist, the login rate limit).
    expect(find('waf-fixed-cost')?.text).toContain('a fixed +$7.00/month');
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

  test('--json prints one object with both totals (free tier and list prices), the credits and the lines', () => {
    const result = run(defaults.outdir, '--json');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as CostEstimate;
    expect(json.idleMonthlyUsd).toBeCloseTo(estimate.idleMonthlyUsd, 10);
    expect(json.idleMonthlyUsdListPrice).toBeCloseTo(estimate.idleMonthlyUsdListPrice, 10);
    expect(json.idleMonthlyUsdListPrice).toBeGreaterThan(json.idleMonthlyUsd);
    expect(typeof json.typicalMonthlyUsd).toBe('number');
    expect(typeof json.typicalMonthlyUsdListPrice).toBe('number');
    expect(json.lines.length).toBe(estimate.lines.length);
    expect(json.freeTier.applied).toBe(true);
    expect(
      json.freeTier.credits.find((c) => c.allowance === 'cloudwatch.alarmMetrics')?.idleMonthlyUsd,
    ).toBeCloseTo(-5 * price('cloudwatch.alarmMonth'), 10);
  });

  test('--no-free-tier prints list prices in both totals', () => {
    const result = run(defaults.outdir, '--json', '--no-free-tier');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as CostEstimate;
    expect(json.freeTier).toMatchObject({ applied: false, credits: [] });
    expect(json.idleMonthlyUsd).toBeCloseTo(estimate.idleMonthlyUsdListPrice, 10);
    expect(json.idleMonthlyUsdListPrice).toBeCloseTo(estimate.idleMonthlyUsdListPrice, 10);
  });

  test('prints the table with both totals, the free-tier assumption, the reasoning and the profile', () => {
    const result = run(defaults.outdir, '--dashboard-hours-per-day', '2');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /Stack\s+Resource\s+Item\s+Idle \$\/month\s+Typical \$\/month\s+Assumption/,
    );
    const dollarsOf = (n: number) => `\\$${n.toFixed(2).replace('.', '\\.')}`;
    expect(result.stdout).toMatch(
      new RegExp(`Total at list prices\\s+${dollarsOf(estimate.idleMonthlyUsdListPrice)}`),
    );
    expect(result.stdout).toMatch(new RegExp(`\\nTotal\\s+${dollarsOf(estimate.idleMonthlyUsd)}`));
    expect(result.stdout).toMatch(
      /Free tier\s+cloudwatch\.alarmMetrics\s+10 standard-resolution alarm metrics a month\s+-\$0\.50/,
    );
    expect(result.stdout).toContain(
      "assumes this platform is the only user of the account's always-free allowances in the region; " +
        '--no-free-tier shows list prices',
    );
    expect(result.stdout).toContain(`With the free tier: $${estimate.idleMonthlyUsd.toFixed(2)} idle`);
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
