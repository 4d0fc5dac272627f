import { describe, expect, test } from 'vitest';
import { costDelta, estimateCost } from '../../cost/model';
import { PriceError } from '../../cost/prices';
import { gigabytes, vcpus } from '../../cost/pricers/compute';
import {
  allowance,
  appRunnerDashboard,
  expressDashboard,
  lambdaDashboard,
  price,
  wafAllowlist,
} from './fixtures';

/**
 * The dashboard's three hostings and the WAF allowlist, priced from templates of the resource types
 * they create; each expected figure is worked out here from cost/prices.json and the formula in
 * docs/cost.md, independently of the model's code.
 */

const HOURS = 730;
// Default profile: the dashboard is open 1 h a day, 730/24 days a month, refreshing every 5 s.
const OPEN_HOURS = 730 / 24;
const REQUESTS = (OPEN_HOURS * 3600) / 5;
const CENT = 0.005;

const dashboard = (resources: Record<string, unknown>) =>
  estimateCost({ Dashboard: { Resources: resources as never } });

describe('dashboard hosting', () => {
  test('App Runner: provisioned memory all month idle; vCPU and memory while open', () => {
    const e = dashboard(appRunnerDashboard());
    const idle = 1 * 0.5 * price('apprunner.provisionedGbHour') * HOURS;
    const typical =
      0.5 * price('apprunner.provisionedGbHour') * (HOURS - OPEN_HOURS) +
      (0.25 * price('apprunner.activeVcpuHour') + 0.5 * price('apprunner.activeGbHour')) * OPEN_HOURS;
    expect(Math.abs(e.idleMonthlyUsd - idle)).toBeLessThan(CENT);
    expect(Math.abs(e.typicalMonthlyUsd - typical)).toBeLessThan(CENT);
    expect(idle).toBeCloseTo(2.555, 3);
    expect(e.traps).toEqual([]);
  });

  test('Lambda behind a Function URL: nothing idle; requests and GB-seconds while open, within the free tier', () => {
    const e = dashboard(lambdaDashboard());
    const typical =
      REQUESTS *
      (price('lambda.requestsPerMillion') / 1e6 + 0.35 * (512 / 1024) * price('lambda.armGbSecond'));
    expect(e.idleMonthlyUsd).toBe(0);
    expect(Math.abs(e.typicalMonthlyUsdListPrice - typical)).toBeLessThan(CENT);
    // 21,900 requests and 3,833 GB-seconds a month: within the always-free allowances, so $0.
    expect(REQUESTS).toBeLessThan(allowance('lambda.requests') * 1e6);
    expect(REQUESTS * 0.35 * (512 / 1024)).toBeLessThan(allowance('lambda.compute'));
    expect(e.typicalMonthlyUsd).toBeCloseTo(0, 10);
    expect(e.free.map((f) => f.type)).toEqual(
      expect.arrayContaining(['AWS::Lambda::Url', 'AWS::Lambda::Permission']),
    );
    expect(e.traps).toEqual([]);
  });

  test('ECS Express Mode: a Fargate task, the load balancer and three public IPv4 addresses all month', () => {
    const e = dashboard(expressDashboard());
    const task = 0.25 * price('fargate.x86VcpuHour') + 0.5 * price('fargate.x86GbHour');
    const idle = task * HOURS + price('alb.hour') * HOURS + (2 + 1) * price('vpc.publicIpv4Hour') * HOURS;
    const lcuHours = (1 / 5 / 25) * OPEN_HOURS;
    expect(Math.abs(e.idleMonthlyUsd - idle)).toBeLessThan(CENT);
    expect(Math.abs(e.typicalMonthlyUsd - (idle + lcuHours * price('alb.lcuHour')))).toBeLessThan(CENT);
    expect(e.traps).toHaveLength(1);
    expect(e.traps[0]!.id).toBe('ecs-express-always-on');
    expect(e.traps[0]!.message).toContain(`+$${idle.toFixed(2)}/month even when nobody opens the dashboard`);
  });

  test('WAF allowlist: $5 for the web ACL and $1 per rule fixed, plus inspected requests', () => {
    const e = dashboard({ ...appRunnerDashboard(), ...wafAllowlist() });
    const app = 0.5 * price('apprunner.provisionedGbHour') * HOURS;
    const waf = price('waf.webAclMonth') + 1 * price('waf.ruleMonth');
    expect(Math.abs(e.idleMonthlyUsd - (app + waf))).toBeLessThan(CENT);
    const wafLine = e.lines.find((l) => l.type === 'AWS::WAFv2::WebACL')!;
    expect(
      Math.abs(wafLine.typicalMonthlyUsd - (waf + (REQUESTS / 1e6) * price('waf.requestsPerMillion'))),
    ).toBeLessThan(CENT);
    expect(e.traps.map((t) => t.id)).toEqual(['waf-fixed-cost']);
    expect(e.traps[0]!.message).toMatch(/a fixed \+\$6\.00\/month/);
  });

  test('the cost delta between two hostings is the difference of their lines', () => {
    const before = dashboard(appRunnerDashboard());
    const after = dashboard(lambdaDashboard());
    const delta = costDelta(before, after);
    expect(delta.idleMonthlyUsd).toBeCloseTo(after.idleMonthlyUsd - before.idleMonthlyUsd, 10);
    expect(delta.typicalMonthlyUsd).toBeCloseTo(after.typicalMonthlyUsd - before.typicalMonthlyUsd, 10);
    // The function's line, and the free-tier credit that takes its GB-seconds off again (the credit for
    // its requests, $0.0044, is under the half cent a delta leaves out).
    expect(delta.lines.map((l) => `${l.stack}/${l.resource}`).sort()).toEqual([
      'AWS Free Tier/lambda.compute',
      'Dashboard/DashboardFunction1234ABCD',
      'Dashboard/DashboardServiceFB1A6A43',
    ]);
    expect(delta.lines.find((l) => l.resource === 'lambda.compute')!.typicalMonthlyUsd).toBeCloseTo(
      -REQUESTS * 0.35 * (512 / 1024) * price('lambda.armGbSecond'),
      10,
    );
    expect(delta.lines.find((l) => l.resource === 'DashboardServiceFB1A6A43')!.idleMonthlyUsd).toBeCloseTo(
      -2.555,
      3,
    );
  });
});

describe('what the model refuses or reports', () => {
  test('a resource type neither priced nor listed as free is reported as unclassified', () => {
    const e = dashboard({
      ...lambdaDashboard(),
      Mystery1234ABCD: { Type: 'AWS::Mystery::Thing', Properties: {} },
    });
    expect(e.unclassified).toEqual([
      { stack: 'Dashboard', resource: 'Mystery1234ABCD', type: 'AWS::Mystery::Thing' },
    ]);
  });

  test('reads container sizes written either way, and refuses one it cannot read', () => {
    expect([vcpus('0.25 vCPU'), vcpus('1024'), gigabytes('0.5 GB'), gigabytes('2048')]).toEqual([
      0.25, 1, 0.5, 2,
    ]);
    expect(() => vcpus('lots')).toThrow('Size "lots" is neither "<n> vCPU" nor a count like 1024 CPU units.');
  });

  test('a Region without prices is refused, not approximated', () => {
    expect(() =>
      estimateCost({ Dashboard: { Resources: lambdaDashboard() } }, { region: 'ap-south-2' }),
    ).toThrow(PriceError);
  });
});
