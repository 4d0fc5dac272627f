import { describe, expect, test } from 'vitest';
import { USD_PER_TB } from '../../dashboard-app/src/athena';
import { PriceError, checkPriceFile, loadPriceFile, pricedRegions, pricesFor } from '../../cost/prices';

const entry = {
  key: 'x.y',
  region: 'us-east-1',
  usd: 1,
  unit: 'thing-month',
  read: '2026-12-01',
  source: 'https://aws.amazon.com/x/pricing/',
};
const problems = (prices: unknown[]) => {
  try {
    checkPriceFile({ currency: 'USD', prices }, 'prices.json');
  } catch (err) {
    expect(err).toBeInstanceOf(PriceError);
    return (err as Error).message;
  }
  throw new Error('expected the price file to be refused');
};

describe('the price file', () => {
  test('every price has a unit, a Region, the day it was read and an https source', () => {
    const file = loadPriceFile();
    expect(file.prices.length).toBeGreaterThan(30);
    for (const p of file.prices) {
      expect(p.unit.length, p.key).toBeGreaterThan(0);
      expect(p.region, p.key).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
      expect(p.read, p.key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.source, p.key).toMatch(/^https:\/\//);
    }
  });

  test('covers what the platform runs on in us-east-1', () => {
    const us = pricesFor('us-east-1');
    for (const key of [
      'aurora.acuHour',
      'aurora.storageGbMonth',
      'aurora.ioPerMillion',
      'apprunner.provisionedGbHour',
      'apprunner.activeVcpuHour',
      'lambda.requestsPerMillion',
      'lambda.armGbSecond',
      'fargate.x86VcpuHour',
      'alb.hour',
      's3.standardGbMonth',
      's3.putPer1000',
      'sqs.standardRequestsPerMillion',
      'eventbridge.customEventsPerMillion',
      'scheduler.invocationsPerMillion',
      'kms.keyMonth',
      'secretsManager.secretMonth',
      'logs.ingestGb',
      'logs.storageGbMonth',
      'logs.vendedIngestGb',
      'cloudwatch.alarmMonth',
      'waf.webAclMonth',
      'waf.ruleMonth',
      'athena.perTb',
      'glue.objectsPer100kMonth',
      'ecr.storageGbMonth',
      'budgets.budgetDay',
      'vpc.publicIpv4Hour',
    ]) {
      expect(us.usd(key), key).toBeGreaterThanOrEqual(0);
    }
  });

  test('the dashboard shows Athena query costs at the price the model uses', () => {
    expect(pricesFor('us-east-1').usd('athena.perTb')).toBe(USD_PER_TB);
  });

  test('refuses a Region it has no prices for, naming the ones it has', () => {
    expect(() => pricesFor('eu-west-1')).toThrow(PriceError);
    expect(() => pricesFor('eu-west-1')).toThrow(
      /No prices for Region "eu-west-1": cost\/prices\.json covers us-east-1/,
    );
    expect(pricedRegions()).toContain('us-east-1');
  });

  test('names a missing price and says what to add', () => {
    expect(() => pricesFor('us-east-1').usd('nope.price')).toThrow(
      /has no "nope\.price" price for us-east-1/,
    );
  });

  test('refuses a malformed entry, naming the entry and the field, and keeps checking the others', () => {
    const message = problems([
      { ...entry, source: 'http://example.com' },
      { ...entry, key: 'a.b', read: '1 Dec 2026' },
      { ...entry, key: 'c.d', usd: -1 },
      entry,
      entry,
    ]);
    expect(message).toContain('prices[0] (x.y): "source" must be an https:// URL');
    expect(message).toContain(
      'prices[1] (a.b): "read" must be the day the price was read, YYYY-MM-DD, got "1 Dec 2026"',
    );
    expect(message).toContain('prices[2] (c.d): "usd" must be a number of dollars, 0 or more, got -1');
    expect(message).toContain('us-east-1/x.y is listed twice');
  });
});
