import { describe, expect, test } from 'vitest';
import { estimateCost } from '../../cost/model';
import { PriceError, checkPriceFile, loadPriceFile } from '../../cost/prices';
import { TYPICAL_PROFILE } from '../../cost/profile';
import { allowance, lambdaDashboard, price } from './fixtures';

/**
 * AWS's always-free monthly allowances: each taken off once, over what every line of the app meters
 * of its prices, never more than the usage; figures worked out here from cost/prices.json.
 */

const HOURS = 730;

/** `n` alarms, each on one standard-resolution metric, in one stack. */
function alarms(n: number) {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `Alarm${i}A1B2C3D4`,
      { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Period: 300 } },
    ]),
  );
}

describe('the free tier', () => {
  test('covers 10 alarm metrics across stacks, and the 11th and 12th are billed', () => {
    const e = estimateCost({ Ingestion: { Resources: alarms(7) }, Dashboard: { Resources: alarms(5) } });
    const alarm = price('cloudwatch.alarmMonth');
    expect(e.idleMonthlyUsdListPrice).toBeCloseTo(12 * alarm, 10);
    expect(e.idleMonthlyUsd).toBeCloseTo((12 - allowance('cloudwatch.alarmMetrics')) * alarm, 10);
    expect(e.freeTier.credits.find((c) => c.allowance === 'cloudwatch.alarmMetrics')).toMatchObject({
      idleMonthlyUsd: expect.closeTo(-10 * alarm, 10),
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
    });
  });

  test('takes off no more than the usage: 3 alarms cost $0, not less', () => {
    const e = estimateCost({ Ingestion: { Resources: alarms(3) } });
    expect(e.idleMonthlyUsd).toBe(0);
    expect(e.idleMonthlyUsdListPrice).toBeCloseTo(3 * price('cloudwatch.alarmMonth'), 10);
  });

  test('a Lambda function over the GB-second allowance pays only for what is over it', () => {
    // The dashboard on a 3,008 MB function, open all day: 525,600 refreshes of 0.35 s.
    const fn = lambdaDashboard();
    (fn.DashboardFunction1234ABCD!.Properties as Record<string, unknown>).MemorySize = 3008;
    const e = estimateCost(
      { Dashboard: { Resources: fn } },
      { profile: { ...TYPICAL_PROFILE, dashboardHoursPerDay: 24 } },
    );
    const requests = (HOURS * 3600) / 5;
    const gbSeconds = requests * 0.35 * (3008 / 1024);
    expect(requests).toBeLessThan(allowance('lambda.requests') * 1e6);
    expect(gbSeconds).toBeGreaterThan(allowance('lambda.compute'));
    const fnLine = e.lines.find((l) => l.resource === 'DashboardFunction1234ABCD')!;
    expect(fnLine.typicalMonthlyUsd).toBeCloseTo(
      (requests / 1e6) * price('lambda.requestsPerMillion') + gbSeconds * price('lambda.armGbSecond'),
      10,
    );
    const credits = e.freeTier.credits.reduce((s, c) => s + c.typicalMonthlyUsd, 0);
    expect(fnLine.typicalMonthlyUsd + credits).toBeCloseTo(
      (gbSeconds - allowance('lambda.compute')) * price('lambda.armGbSecond'),
      10,
    );
  });

  test('freeTier: false gives list prices and no credits', () => {
    const e = estimateCost({ Ingestion: { Resources: alarms(4) } }, { freeTier: false });
    expect(e.freeTier).toMatchObject({ applied: false, credits: [] });
    expect(e.idleMonthlyUsd).toBeCloseTo(4 * price('cloudwatch.alarmMonth'), 10);
    expect(e.idleMonthlyUsd).toBe(e.idleMonthlyUsdListPrice);
  });
});

describe('the allowances in the price file', () => {
  test('each covers known prices, quotes the AWS page it was read from and is always free', () => {
    const file = loadPriceFile();
    const keys = new Set(file.prices.map((p) => p.key));
    expect(file.freeTier!.map((a) => a.key).sort()).toEqual([
      'cloudwatch.alarmMetrics',
      'kms.requests',
      'lambda.compute',
      'lambda.requests',
      'logs.data',
      'sqs.requests',
    ]);
    for (const a of file.freeTier!) {
      for (const key of a.prices) expect(keys.has(key), `${a.key} covers ${key}`).toBe(true);
      expect(a.source, a.key).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(a.readFrom ?? a.source, a.key).toMatch(/^https:\/\/(aws\.amazon\.com|docs\.aws\.amazon\.com)\//);
      expect(a.quote.length, a.key).toBeGreaterThan(20);
    }
  });

  test('a malformed allowance is refused, naming it and the field', () => {
    const price = {
      key: 'x.y',
      region: 'us-east-1',
      usd: 1,
      unit: 'thing',
      read: '2026-12-01',
      source: 'https://aws.amazon.com/x/pricing/',
    };
    const good = {
      key: 'x.free',
      prices: ['x.y'],
      freeUnits: 1,
      allowance: '1 thing a month',
      read: '2026-12-01',
      source: 'https://aws.amazon.com/x/pricing/',
      quote: 'One thing a month is free.',
    };
    const refuse = (freeTier: unknown[]) => {
      try {
        checkPriceFile({ currency: 'USD', prices: [price], freeTier }, 'prices.json');
      } catch (err) {
        expect(err).toBeInstanceOf(PriceError);
        return (err as Error).message;
      }
      throw new Error('expected the price file to be refused');
    };
    const message = refuse([
      { ...good, prices: ['x.nope'] },
      { ...good, key: 'x.zero', freeUnits: 0 },
      { ...good, key: 'x.http', source: 'http://example.com' },
      { ...good, key: 'x.quote', quote: '' },
    ]);
    expect(message).toContain('freeTier[0] (x.free): "prices" names "x.nope", which no price has');
    expect(message).toContain('freeTier[1] (x.zero): "freeUnits" must be a number above 0');
    expect(message).toContain('freeTier[2] (x.http): "source" must be an https:// URL');
    expect(message).toContain('freeTier[3] (x.quote): "quote" must be a non-empty string');
    expect(() => checkPriceFile({ currency: 'USD', prices: [price], freeTier: [good] })).not.toThrow();
  });
});
