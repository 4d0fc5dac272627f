import { describe, expect, it } from 'vitest';
import { compareStack, type Template } from '../../scripts/diff-compare';
import {
  costDelta,
  costDeltaOf,
  formatCostMarkdown,
  formatCostText,
  type CostEstimator,
  type StackCost,
} from '../../scripts/diff-cost';
import { costBasis, modelEstimator } from '../../scripts/diff-cost-model';

const stackCost = (lines: StackCost['lines']): StackCost => ({
  idleUsd: lines.reduce((n, l) => n + l.idleUsd, 0),
  typicalUsd: lines.reduce((n, l) => n + l.typicalUsd, 0),
  lines,
});

const dashboardBefore = stackCost([
  { key: 'Service/provisioned', label: 'App Runner provisioned (Service)', idleUsd: 2.52, typicalUsd: 2.52 },
  { key: 'Service/active', label: 'App Runner active (Service)', idleUsd: 0, typicalUsd: 3.1 },
]);
const dashboardWithWaf = stackCost([
  ...dashboardBefore.lines,
  { key: 'DashboardWaf/web-acl', label: 'WAF web ACL (DashboardWaf)', idleUsd: 5, typicalUsd: 5 },
  { key: 'DashboardWaf/rules', label: 'WAF rules (DashboardWaf, 1 rule)', idleUsd: 1, typicalUsd: 1.01 },
]);
const database = stackCost([
  { key: 'Cluster/acu', label: 'Aurora capacity (Cluster)', idleUsd: 0, typicalUsd: 8.64 },
  { key: 'Cluster/storage', label: 'Aurora storage (Cluster)', idleUsd: 0.1, typicalUsd: 0.3 },
]);
const ESTIMATE_BASIS = 'us-east-1 prices; typical: 10,000 events a day, dashboard open 1 hour a day.';

describe('cost delta', () => {
  it('shows a WAF added to the dashboard stack as an increase, with the new lines', () => {
    const delta = costDelta(
      new Map([
        ['analytics-dashboard', dashboardBefore],
        ['analytics-database', database],
      ]),
      new Map([
        ['analytics-dashboard', dashboardWithWaf],
        ['analytics-database', database],
      ]),
      ESTIMATE_BASIS,
    );
    expect(delta.stacks).toEqual([
      {
        stack: 'analytics-dashboard',
        before: { idleUsd: 2.52, typicalUsd: 5.62 },
        after: { idleUsd: 8.52, typicalUsd: 11.63 },
        lines: [
          { label: 'WAF web ACL (DashboardWaf)', before: undefined, after: { idleUsd: 5, typicalUsd: 5 } },
          {
            label: 'WAF rules (DashboardWaf, 1 rule)',
            before: undefined,
            after: { idleUsd: 1, typicalUsd: 1.01 },
          },
        ],
      },
    ]);
    const text = formatCostText(delta);
    expect(text[0]).toBe(
      'Monthly cost (idle / typical): $2.62 / $14.56 -> $8.62 / $20.57 (+$6.00 idle, +$6.01 typical)',
    );
    expect(text).toEqual([
      text[0],
      '  analytics-dashboard: $2.52 / $5.62 -> $8.52 / $11.63 (+$6.00 idle, +$6.01 typical)',
      '    + WAF web ACL (DashboardWaf): none -> $5.00 / $5.00 (+$5.00 idle, +$5.00 typical)',
      '    + WAF rules (DashboardWaf, 1 rule): none -> $1.00 / $1.01 (+$1.00 idle, +$1.01 typical)',
      `  ${ESTIMATE_BASIS}`,
    ]);
    const markdown = formatCostMarkdown(delta, (t) => t).join('\n');
    expect(markdown).toContain(
      '**Monthly cost**: idle $2.62 → $8.62 (**+$6.00**), typical $14.56 → $20.57 (**+$6.01**)',
    );
    expect(markdown).toContain(
      '| `analytics-dashboard` | $2.52 | $8.52 | +$6.00 | $5.62 | $11.63 | +$6.01 |',
    );
    expect(markdown).not.toContain('analytics-database'); // unchanged stacks are left out
    expect(markdown).toContain('<details><summary>Cost lines that change (2)</summary>');
    expect(markdown).toContain('- `analytics-dashboard` + WAF web ACL (DashboardWaf): none -> $5.00 / $5.00');
  });

  it('shows a cheaper configuration as a decrease, and a removed stack and line as gone', () => {
    const cheaper = stackCost([
      { key: 'Cluster/storage', label: 'Aurora storage (Cluster)', idleUsd: 0.1, typicalUsd: 0.3 },
    ]);
    const delta = costDelta(
      new Map([
        ['analytics-dashboard', dashboardBefore],
        ['analytics-database', database],
      ]),
      new Map([['analytics-database', cheaper]]),
    );
    expect(
      delta.stacks.map((s) => [s.stack, s.before?.typicalUsd.toFixed(2), s.after?.typicalUsd.toFixed(2)]),
    ).toEqual([
      ['analytics-dashboard', '5.62', undefined],
      ['analytics-database', '8.94', '0.30'],
    ]);
    const text = formatCostText(delta);
    expect(text).toContain('  analytics-dashboard: $2.52 / $5.62 -> none (-$2.52 idle, -$5.62 typical)');
    expect(text).toContain(
      '    - Aurora capacity (Cluster): $0.00 / $8.64 -> none (±$0.00 idle, -$8.64 typical)',
    );
    expect(text[0]).toBe(
      'Monthly cost (idle / typical): $2.62 / $14.56 -> $0.10 / $0.30 (-$2.52 idle, -$14.26 typical)',
    );
    const markdown = formatCostMarkdown(delta, (t) => t).join('\n');
    expect(markdown).toContain('| `analytics-dashboard` | $2.52 | – | -$2.52 | $5.62 | – | -$5.62 |');
  });

  it('ignores differences below half a cent and says when no stack changes cost', () => {
    const nudged = stackCost(database.lines.map((l) => ({ ...l, typicalUsd: l.typicalUsd + 0.001 })));
    const delta = costDelta(new Map([['db', database]]), new Map([['db', nudged]]));
    expect(delta.stacks).toEqual([]);
    expect(formatCostText(delta)).toContain('  no stack changes cost');
    expect(formatCostMarkdown(delta, (t) => t)).toContain('No stack changes its estimate.');
  });

  it('prices the app before and after as a whole, with the estimator it is given', () => {
    const waf: Template = {
      Resources: { DashboardWaf: { Type: 'AWS::WAFv2::WebACL' }, Fn: { Type: 'AWS::Lambda::Function' } },
    };
    const plain: Template = { Resources: { Fn: { Type: 'AWS::Lambda::Function' } } };
    const seen: string[][] = [];
    // A hand-made model: $5 per web ACL, whatever else is free.
    const estimate: CostEstimator = (templates) => {
      seen.push([...templates.keys()]);
      return new Map(
        [...templates].map(([stack, template]) => [
          stack,
          stackCost(
            Object.entries(template.Resources ?? {})
              .filter(([, r]) => r.Type === 'AWS::WAFv2::WebACL')
              .map(([id]) => ({
                key: `${id}/web-acl`,
                label: `WAF web ACL (${id})`,
                idleUsd: 5,
                typicalUsd: 5,
              })),
          ),
        ]),
      );
    };
    const delta = costDeltaOf(
      [
        compareStack({ id: 'Dashboard', stackName: 'dash', before: plain, after: waf }),
        compareStack({ id: 'New', stackName: 'new', after: plain }),
      ],
      estimate,
    );
    expect(seen).toEqual([['dash'], ['dash', 'new']]);
    expect(delta.before).toEqual({ idleUsd: 0, typicalUsd: 0 });
    expect(delta.after).toEqual({ idleUsd: 5, typicalUsd: 5 });
    expect(delta.stacks.map((s) => s.stack)).toEqual(['dash']);
  });

  it("prices with the cost model: the free tier is the account's group, the stacks keep list prices", () => {
    /** A stack of `n` alarms, each on one standard-resolution metric ($0.10 a month at list price). */
    const alarms = (n: number): Template => ({
      Resources: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `Alarm${i}A1B2C3D4`,
          { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Period: 300 } },
        ]),
      ),
    });
    const delta = costDeltaOf(
      [compareStack({ id: 'Ops', stackName: 'ops', before: alarms(8), after: alarms(12) })],
      modelEstimator(),
      costBasis(),
    );
    // Four more alarms: +$0.40 at list prices; two of them still fit in the 10 free alarm metrics.
    expect(delta.stacks.map((s) => [s.stack, s.before?.idleUsd, s.after?.idleUsd])).toEqual([
      ['ops', expect.closeTo(0.8, 10), expect.closeTo(1.2, 10)],
      ['AWS Free Tier', expect.closeTo(-0.8, 10), expect.closeTo(-1, 10)],
    ]);
    expect(delta.after.idleUsd - delta.before.idleUsd).toBeCloseTo(0.2, 10);
    expect(formatCostText(delta)[0]).toContain('(+$0.20 idle, +$0.20 typical)');
    expect(delta.basis).toContain(
      "the AWS Free Tier row; it assumes this platform is the only user of the account's always-free allowances",
    );
    expect(costBasis({ freeTier: false })).toContain('list prices before tax, no free tier');
  });
});
