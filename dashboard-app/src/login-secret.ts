/**
 * Where the dashboard's entry points (the container's `main.ts`, the Lambda handler) find the login
 * password: `DASHBOARD_PASSWORD` as given (local mode), or the `loginPassword` key of the secret
 * `DASHBOARD_PASSWORD_SECRET_ARN` names (AWS: the dashboard role's secret, which also holds the
 * database credentials its Data API calls use), read once at start.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loginPasswordFromSecret } from '../../db/login-password';
import type { DashboardConfig } from './config';

export async function readLoginPassword(
  config: Pick<DashboardConfig, 'password' | 'passwordSecretArn'>,
  client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({}),
): Promise<string> {
  if (config.password) return config.password;
  const secretArn = config.passwordSecretArn!;
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  return loginPasswordFromSecret(secret.SecretString, secretArn);
}
