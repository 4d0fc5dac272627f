/**
 * The dashboard as a Lambda function behind a Function URL: the entry point the Dashboard stack
 * bundles with esbuild when `dashboardHosting` is `lambda`. It reads the same settings as the
 * container (environment variables set by the stack), builds the app's own request handler once per
 * execution environment, and serves each Function URL event through the adapter. The page, its
 * script, styles and the ECharts bundle are copied next to the bundle (`public/`) at synth.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { databaseFromEnv } from '../../db/data-api';
import { AthenaRunner } from './athena';
import { DASHBOARD_RETRY, readDashboardConfig } from './config';
import { createFunctionUrlHandler, type FunctionUrlEvent, type FunctionUrlResult } from './lambda-adapter';
import { readAllowedCidrs } from './lambda-allowlist';
import { createDashboardHandler } from './server';

const ATHENA_UNCONFIGURED =
  'Athena is not configured for this dashboard (ATHENA_WORKGROUP and GLUE_DATABASE are unset).';

/** Where the bundle keeps the static files; absent when run from the source tree (tests). */
const BUNDLED_PUBLIC_DIR = path.join(import.meta.dirname, 'public');

async function createHandler() {
  const config = readDashboardConfig();
  let password = config.password;
  if (!password) {
    const secret = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: config.passwordSecretArn }),
    );
    password = secret.SecretString?.trim();
    if (!password)
      throw new Error(`Secret ${config.passwordSecretArn} holds no password (SecretString is empty).`);
  }
  const bundled = existsSync(BUNDLED_PUBLIC_DIR);
  return createDashboardHandler({
    // Every setting the container reads reaches the handler the same way (the client address source,
    // the refresh interval, ...); the ones below need building first.
    ...config,
    db: databaseFromEnv(process.env, DASHBOARD_RETRY),
    password,
    athena: config.athena
      ? new AthenaRunner({ client: new AthenaClient({}), target: config.athena })
      : { unavailable: ATHENA_UNCONFIGURED },
    publicDir: bundled ? BUNDLED_PUBLIC_DIR : undefined,
    echartsFile: bundled ? path.join(BUNDLED_PUBLIC_DIR, 'vendor', 'echarts.min.js') : undefined,
    pageScript: bundled ? path.join(BUNDLED_PUBLIC_DIR, 'app.js') : undefined,
  });
}

const functionUrlHandler = createFunctionUrlHandler({ createHandler, allowedCidrs: readAllowedCidrs() });

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  return functionUrlHandler(event);
}
