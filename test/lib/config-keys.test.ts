import { App } from 'aws-cdk-lib';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config';
import { closestSetting, isToolContextKey } from '../../lib/setting-names';
import { cdkJsonContext } from '../support/synth';

const REQUIRED = { alertEmails: 'ops@example.com' };

/** Parses `context` as the app does: every key present is checked against the settings. */
function parse(context: Record<string, unknown>) {
  const warnings: string[] = [];
  const all = { ...REQUIRED, ...context };
  const config = parseConfig((key) => all[key as keyof typeof all], {
    keys: Object.keys(all),
    warn: (message) => warnings.push(message),
  });
  return { config, warnings };
}

const failure = (context: Record<string, unknown>): string => {
  try {
    parse(context);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(context)} to be rejected`);
};

describe('a setting name that is close to a known one is refused', () => {
  test('-c alertEmail=x@y.z: alertEmails stays unset and the typo is named', () => {
    const message = failure({ alertEmails: undefined, alertEmail: 'x@y.z' });
    expect(message).toMatch(/alertEmail is not a setting: did you mean `alertEmails`\?/);
    expect(message).toMatch(/alertEmails is required/);
  });

  test.each([
    ['monthlyBudget', '10', 'monthlyBudgetUsd'],
    ['budgetUsd', '10', 'monthlyBudgetUsd'],
    ['alertemails', 'ops@example.com', 'alertEmails'],
    ['AlertEmails', 'ops@example.com', 'alertEmails'],
    ['alert_emails', 'ops@example.com', 'alertEmails'],
    ['allowedCidr', '203.0.113.0/24', 'allowedCidrs'],
    ['dashboardCidrs', '203.0.113.0/24', 'dashboardAllowedCidrs'],
    ['databaseMaxAcus', '4', 'databaseMaxAcu'],
    ['maxAcu', '4', 'databaseMaxAcu'],
    ['logRetention', '90', 'logRetentionDays'],
    ['athenaScanLimit', '100', 'athenaScanLimitMb'],
    ['generatorEnable', 'false', 'generatorEnabled'],
    ['projectname', 'lake', 'projectName'],
  ])('%s (did you mean %s?)', (key, value, known) => {
    const message = failure({ [key]: value });
    expect(message).toContain(`${key} is not a setting: did you mean \`${known}\`?`);
    // The fix is spelled out with the right name.
    expect(message).toContain(`-c ${known}=`);
  });

  test('the typo is reported together with every other problem', () => {
    const message = failure({ monthlyBudget: '10', databaseMaxAcu: '300' });
    expect(message).toMatch(/2 problems/);
    expect(message).toMatch(/monthlyBudget is not a setting/);
    expect(message).toMatch(/databaseMaxAcu "300" is out of range/);
  });

  test('a context object built by the CDK from cdk.json and -c is checked the same way', () => {
    const app = new App({ context: { ...cdkJsonContext(), ...REQUIRED, monthlyBudget: '10' } });
    expect(() => loadConfig(app.node, () => undefined)).toThrow(/did you mean `monthlyBudgetUsd`/);
  });
});

describe("CDK's own context keys keep working", () => {
  test.each([
    ['@aws-cdk/core:newStyleStackSynthesis', true],
    ['@aws-cdk/aws-lambda:recognizeLayerVersion', true],
    ['aws:cdk:bundling-stacks', []],
    ['aws:cdk:enable-path-metadata', true],
    ['availability-zones:account=123456789012:region=eu-west-1', ['eu-west-1a']],
    ['ssm:account=123456789012:parameterName=/x:region=eu-west-1', 'value'],
    ['acknowledged-issue-numbers', [32775]],
    ['cli-telemetry', false],
    ['cdk-migrate', true],
  ])('%s', (key, value) => {
    const { config, warnings } = parse({ [key]: value });
    expect(config.alertEmails).toEqual(['ops@example.com']);
    expect(warnings).toEqual([]);
    expect(isToolContextKey(key)).toBe(true);
  });

  test("the repository's cdk.json has no unknown keys", () => {
    const { warnings } = parse(cdkJsonContext());
    expect(warnings).toEqual([]);
  });
});

describe('a setting name that is close to none is only a warning', () => {
  test('a key of another app or tool synthesizes, with a warning that names it', () => {
    const { config, warnings } = parse({ githubRepo: 'octo-org/analytics', teamMotto: 'ship it' });
    expect(config.monthlyBudgetUsd).toBe(50);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/githubRepo is not a setting of this app, so it has no effect/);
    expect(warnings[1]).toMatch(/teamMotto is not a setting of this app/);
  });

  test('loadConfig prints the warning through the function it is given', () => {
    const warnings: string[] = [];
    const app = new App({ context: { ...REQUIRED, teamMotto: 'ship it' } });
    loadConfig(app.node, (message) => warnings.push(message));
    expect(warnings).toEqual([expect.stringMatching(/teamMotto/)]);
  });
});

describe('the known settings are the ones the configuration reads', () => {
  test('every setting the configuration reads is known, so a new setting needs no second list', () => {
    const read: string[] = [];
    parseConfig((key) => {
      read.push(key);
      return (REQUIRED as Record<string, unknown>)[key];
    });
    expect(read.length).toBeGreaterThan(10);
    for (const key of read) {
      // Present (unset, or the required value): known, so neither refused nor warned about.
      const { warnings } = parse({ [key]: (REQUIRED as Record<string, unknown>)[key] });
      expect(warnings, key).toEqual([]);
    }
  });

  test('closestSetting picks the nearest known name, or none', () => {
    const known = ['alertEmails', 'allowedCidrs', 'dashboardAllowedCidrs', 'monthlyBudgetUsd'];
    expect(closestSetting('allowedCidr', known)).toBe('allowedCidrs');
    expect(closestSetting('dashboardAllowedCidr', known)).toBe('dashboardAllowedCidrs');
    expect(closestSetting('githubRepo', known)).toBeUndefined();
    expect(closestSetting('x', known)).toBeUndefined();
  });
});
