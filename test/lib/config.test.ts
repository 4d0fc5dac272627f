import { describe, expect, test } from 'vitest';
import { ConfigError, DEFAULTS, parseConfig, readList } from '../../lib/config';
import { checkCidr } from '../../lib/cidr';

const base = { alertEmails: 'ops@example.com' };
const config = (context: Record<string, unknown>) => parseConfig((key) => ({ ...base, ...context })[key]);
const failure = (context: Record<string, unknown>): string => {
  try {
    config(context);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(context)} to be rejected`);
};

describe('defaults', () => {
  test('only alertEmails is required; everything else has its documented default', () => {
    expect(config({})).toEqual({
      projectName: DEFAULTS.projectName,
      alertEmails: ['ops@example.com'],
      monthlyBudgetUsd: 50,
      allowedCidrs: [],
      databaseMaxAcu: 2,
      databaseAutoPauseMinutes: 10,
      logRetentionDays: 30,
      athenaScanLimitMb: 1024,
      generatorEnabled: false,
      generatorRate: 'rate(5 minutes)',
      accessLogsKeepAllOperations: false,
      dashboardAllowedCidrs: [],
      dashboardMaxInstances: 2,
      dashboardHosting: 'app-runner',
    });
  });

  test('values from -c arrive as strings and are converted', () => {
    const c = config({
      monthlyBudgetUsd: '120.5',
      databaseMaxAcu: '4.5',
      databaseAutoPauseMinutes: '60',
      logRetentionDays: '90',
      athenaScanLimitMb: '200',
      projectName: 'team-lake',
    });
    expect(c).toMatchObject({
      monthlyBudgetUsd: 120.5,
      databaseMaxAcu: 4.5,
      databaseAutoPauseMinutes: 60,
      logRetentionDays: 90,
      athenaScanLimitMb: 200,
      projectName: 'team-lake',
    });
  });
});

describe('lists accept JSON or comma-separated values', () => {
  test.each([
    ['a@example.com,b@example.com', ['a@example.com', 'b@example.com']],
    [' a@example.com , b@example.com ', ['a@example.com', 'b@example.com']],
    ['["a@example.com","b@example.com"]', ['a@example.com', 'b@example.com']],
    [
      ['a@example.com', 'b@example.com'],
      ['a@example.com', 'b@example.com'],
    ],
  ])('%j', (raw, expected) => {
    expect(config({ alertEmails: raw }).alertEmails).toEqual(expected);
  });

  test('a broken JSON list names the key and both accepted forms', () => {
    expect(() => readList('allowedCidrs', '["10.0.0.0/16"')).toThrow(
      /allowedCidrs .*not a JSON array.*comma-separated/,
    );
  });

  test('a list of non-strings is refused', () => {
    expect(() => readList('allowedCidrs', [1, 2])).toThrow(/allowedCidrs\[0\] must be a string/);
    expect(() => readList('allowedCidrs', 42)).toThrow(/allowedCidrs must be a list of strings/);
  });

  test('empty string and empty array mean none', () => {
    expect(config({ allowedCidrs: '' }).allowedCidrs).toEqual([]);
    expect(config({ allowedCidrs: [] }).allowedCidrs).toEqual([]);
    expect(config({ allowedCidrs: '[]' }).allowedCidrs).toEqual([]);
  });
});

describe('fails when', () => {
  test('alertEmails is missing, and says how to set it', () => {
    const message = failure({ alertEmails: undefined });
    expect(message).toMatch(/alertEmails is required/);
    expect(message).toContain('-c alertEmails=ops@example.com');
    expect(message).toContain('cdk.json');
  });

  test.each(['', '[]', ' , '])('alertEmails is empty (%j)', (raw) => {
    expect(failure({ alertEmails: raw })).toMatch(/alertEmails is required/);
  });

  test('an alert email is not an address', () => {
    expect(failure({ alertEmails: 'ops@example.com,not-an-email' })).toMatch(
      /alertEmails contains "not-an-email"/,
    );
  });

  test('an alert email is listed twice', () => {
    expect(failure({ alertEmails: 'a@example.com,A@example.com' })).toMatch(/lists an address twice/);
  });

  test.each(['Analytics', 'a', '1lake', 'lake_data', 'lake-', 'a-very-long-project-name-indeed'])(
    'projectName is %j',
    (projectName) => {
      expect(failure({ projectName })).toMatch(new RegExp(`projectName "${projectName}" is not valid`));
    },
  );

  test.each([
    ['monthlyBudgetUsd', 'fifty', /monthlyBudgetUsd "fifty" is not a number/],
    ['monthlyBudgetUsd', 0, /monthlyBudgetUsd 0 is out of range: use a number from 1 to/],
    ['monthlyBudgetUsd', '-5', /out of range/],
    ['databaseMaxAcu', '0', /databaseMaxAcu "0" is out of range.*1 to 256/],
    ['databaseMaxAcu', '300', /out of range/],
    ['databaseMaxAcu', '2.3', /multiple of 0.5 ACU/],
    ['databaseAutoPauseMinutes', '2', /databaseAutoPauseMinutes "2" is out of range.*5 to 1440/],
    ['databaseAutoPauseMinutes', '7.5', /not a whole number/],
    ['databaseAutoPauseMinutes', 2000, /out of range/],
    [
      'logRetentionDays',
      '10',
      /logRetentionDays "10" is not a retention CloudWatch Logs accepts.*1, 3, 5, 7, 14, 30/,
    ],
    ['logRetentionDays', 'forever', /not a whole number/],
    ['athenaScanLimitMb', '5', /athenaScanLimitMb "5" is out of range.*at least 10 MB/],
    ['athenaScanLimitMb', '1e3.5', /not a whole number/],
  ])('%s is %j', (key, value, expected) => {
    const message = failure({ [key]: value });
    expect(message).toMatch(expected);
    expect(message).toContain(`-c ${key}=`);
  });

  test.each([
    ['0.0.0.0/0', /0\.0\.0\.0\/0 is the whole internet/],
    ['::/0', /::\/0 is the whole IPv6 internet/],
    ['10.0.0.0/8', /\/8 is broader than \/16/],
    ['172.16.0.0/15', /\/15 is broader than \/16/],
    ['2001:db8::/32', /\/32 is broader than \/48/],
    ['203.0.113.0', /has no prefix length/],
    ['203.0.113.5/24', /host bits are set.*203\.0\.113\.0\/24/],
    ['300.0.113.0/24', /not an IPv4 address/],
    ['203.0.113.0/33', /at most \/32/],
    ['2001:db8::g/64', /not an IPv6 address/],
    ['2001:db8:1:1::1/64', /host bits are set/],
  ])('allowedCidrs contains %s', (cidr, expected) => {
    const message = failure({ allowedCidrs: `203.0.113.0/24,${cidr}` });
    expect(message).toContain(`allowedCidrs contains "${cidr}"`);
    expect(message).toMatch(expected);
  });

  test('an over-broad range says what to do instead', () => {
    expect(failure({ allowedCidrs: '0.0.0.0/0' })).toMatch(
      /Name the networks that need access.*RDS Data API/,
    );
  });

  test('allowedCidrs lists a network twice', () => {
    expect(failure({ allowedCidrs: '203.0.113.0/24,203.0.113.0/24' })).toMatch(/twice/);
  });

  test('several settings are wrong: all are reported at once', () => {
    const message = failure({ alertEmails: undefined, monthlyBudgetUsd: 'x', allowedCidrs: '0.0.0.0/0' });
    expect(message).toMatch(/3 problems/);
    expect(message).toMatch(/alertEmails/);
    expect(message).toMatch(/monthlyBudgetUsd/);
    expect(message).toMatch(/allowedCidrs/);
  });
});

describe('accepted networks', () => {
  test.each([
    '203.0.113.0/24',
    '198.51.100.7/32',
    '10.1.0.0/16',
    '2001:db8:1234::/48',
    '2001:db8:1234:5678::/64',
    '2001:db8::1/128',
  ])('%s', (cidr) => {
    expect(checkCidr(cidr)).toBeUndefined();
    expect(config({ allowedCidrs: cidr }).allowedCidrs).toEqual([cidr]);
  });
});

describe('generator settings', () => {
  test('generatorEnabled accepts booleans and their -c spelling', () => {
    expect(config({ generatorEnabled: false }).generatorEnabled).toBe(false);
    expect(config({ generatorEnabled: 'false' }).generatorEnabled).toBe(false);
    expect(config({ generatorEnabled: 'true' }).generatorEnabled).toBe(true);
  });

  test('fails when generatorEnabled is not a boolean', () => {
    expect(failure({ generatorEnabled: 'yes' })).toMatch(/generatorEnabled "yes" is not true or false/);
  });

  test.each(['rate(1 minute)', 'rate(15 minutes)', 'rate(2 hours)', 'rate(1 day)'])(
    'generatorRate accepts %s',
    (rate) => {
      expect(config({ generatorRate: rate }).generatorRate).toBe(rate);
    },
  );

  test.each([
    'every 5 minutes',
    'rate(0 minutes)',
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(5 seconds)',
    'cron(0 * * * ? *)',
  ])('fails when generatorRate is %s', (rate) => {
    expect(failure({ generatorRate: rate })).toMatch(
      /generatorRate .* is not an EventBridge Scheduler rate expression/,
    );
  });
});

describe('access log settings', () => {
  test('accessLogsKeepAllOperations defaults to false and accepts booleans and their -c spelling', () => {
    expect(config({}).accessLogsKeepAllOperations).toBe(false);
    expect(config({ accessLogsKeepAllOperations: true }).accessLogsKeepAllOperations).toBe(true);
    expect(config({ accessLogsKeepAllOperations: 'true' }).accessLogsKeepAllOperations).toBe(true);
    expect(config({ accessLogsKeepAllOperations: 'false' }).accessLogsKeepAllOperations).toBe(false);
  });

  test('fails when accessLogsKeepAllOperations is not a boolean, naming the key and how to set it', () => {
    expect(failure({ accessLogsKeepAllOperations: 'all' })).toMatch(
      /accessLogsKeepAllOperations "all" is not true or false\. .*-c accessLogsKeepAllOperations=false/,
    );
  });
});

describe('dashboard settings', () => {
  test('dashboardAllowedCidrs defaults to none and accepts a list of networks', () => {
    expect(config({}).dashboardAllowedCidrs).toEqual([]);
    expect(
      config({ dashboardAllowedCidrs: '203.0.113.0/24,2001:db8:1234::/48' }).dashboardAllowedCidrs,
    ).toEqual(['203.0.113.0/24', '2001:db8:1234::/48']);
  });

  test('fails when dashboardAllowedCidrs would admit the whole internet, naming the key', () => {
    expect(failure({ dashboardAllowedCidrs: ['0.0.0.0/0'] })).toMatch(
      /dashboardAllowedCidrs contains "0\.0\.0\.0\/0"/,
    );
    expect(failure({ dashboardAllowedCidrs: '::/0' })).toMatch(/dashboardAllowedCidrs contains "::\/0"/);
  });

  test('dashboardMaxInstances defaults to 2 and accepts 1 to 10', () => {
    expect(config({}).dashboardMaxInstances).toBe(2);
    expect(config({ dashboardMaxInstances: '10' }).dashboardMaxInstances).toBe(10);
  });

  test('fails when dashboardMaxInstances is out of range or not a whole number', () => {
    expect(failure({ dashboardMaxInstances: 0 })).toMatch(
      /dashboardMaxInstances 0 is out of range: use a whole number from 1 to 10/,
    );
    expect(failure({ dashboardMaxInstances: 11 })).toMatch(/dashboardMaxInstances 11 is out of range/);
    expect(failure({ dashboardMaxInstances: '1.5' })).toMatch(
      /dashboardMaxInstances "1.5" is not a whole number/,
    );
  });
});
