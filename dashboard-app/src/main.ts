/**
 * The container's entry point: reads the settings, connects to the database through the Data API,
 * reads the password from Secrets Manager, serves the dashboard and shuts down cleanly on SIGTERM.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { databaseFromEnv } from '../../db/data-api';
import { AthenaRunner } from './athena';
import { DASHBOARD_RETRY, readDashboardConfig, type DashboardConfig } from './config';
import { startDashboardServer } from './server';

/** How the full-history switch explains itself when Athena is not configured. */
export const ATHENA_NOT_CONFIGURED =
  'Athena is not configured for this dashboard (ATHENA_WORKGROUP and GLUE_DATABASE are unset). ' +
  'It is set up in AWS by the Analytics stack; locally, `npm start` runs a local Athena.';

async function readPassword(config: DashboardConfig): Promise<string> {
  if (config.password) return config.password;
  const client = new SecretsManagerClient({});
  const secret = await client.send(new GetSecretValueCommand({ SecretId: config.passwordSecretArn }));
  const value = secret.SecretString?.trim();
  if (!value)
    throw new Error(`Secret ${config.passwordSecretArn} holds no password (SecretString is empty).`);
  return value;
}

async function main(): Promise<void> {
  const config = readDashboardConfig();
  const password = await readPassword(config);
  const athena = config.athena
    ? new AthenaRunner({ client: new AthenaClient({}), target: config.athena })
    : { unavailable: ATHENA_NOT_CONFIGURED };
  const dashboard = await startDashboardServer({
    db: databaseFromEnv(process.env, DASHBOARD_RETRY),
    password,
    athena,
    clientAddress: config.clientAddress,
    refreshSeconds: config.refreshSeconds,
    port: config.port,
    host: config.host,
  });
  console.log(JSON.stringify({ message: 'dashboard listening', url: dashboard.url }));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ message: 'shutting down', signal }));
    // App Runner waits before killing the container; leave well before that.
    setTimeout(() => process.exit(1), 10_000).unref();
    dashboard.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ message: 'dashboard failed to start', error: String(err) }));
  process.exit(1);
});
