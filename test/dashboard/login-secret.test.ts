/**
 * The login password comes from the `loginPassword` key of the dashboard role's secret, the secret
 * that also holds the role's database credentials: never the database password, never the whole
 * secret text, and a secret without the key fails the start with what to do.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { readLoginPassword } from '../../dashboard-app/src/login-secret';

const ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:analytics-dashboard-AbCdEf';

/** Secrets Manager, mocked: answers GetSecretValue for ARN with `value`. */
function secretsManager(value: string | undefined): Pick<SecretsManagerClient, 'send'> & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    send: (async (command: { input: { SecretId: string } }) => {
      asked.push(command.input.SecretId);
      return { SecretString: value };
    }) as never,
  };
}

describe('readLoginPassword (mocked Secrets Manager)', () => {
  it("reads the loginPassword key of the dashboard role's secret, not its database password", async () => {
    const client = secretsManager(
      JSON.stringify({
        username: 'analytics_dashboard',
        password: 'database-password',
        loginPassword: 'login-pw-1234567',
      }),
    );
    await expect(readLoginPassword({ passwordSecretArn: ARN }, client)).resolves.toBe('login-pw-1234567');
    expect(client.asked).toEqual([ARN]);
  });

  it('takes DASHBOARD_PASSWORD as given without asking Secrets Manager', async () => {
    const client = secretsManager(undefined);
    await expect(
      readLoginPassword({ password: 'local-password', passwordSecretArn: ARN }, client),
    ).resolves.toBe('local-password');
    expect(client.asked).toEqual([]);
  });

  it.each([
    [
      'a plain-text secret',
      'just-a-password',
      /is not JSON: it must hold \{"username", "password", "loginPassword"\}/,
    ],
    [
      'a secret without the key',
      JSON.stringify({ username: 'analytics_dashboard', password: 'database-password' }),
      /holds no "loginPassword": deploy the database setup stack again/,
    ],
    ['an empty secret', undefined, /is not JSON/],
  ])('refuses %s, naming the secret', async (_what, value, message) => {
    const err = (await readLoginPassword({ passwordSecretArn: ARN }, secretsManager(value)).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(message);
    expect(err.message).toContain(ARN);
  });
});
