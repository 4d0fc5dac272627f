import { type App, Tags } from 'aws-cdk-lib';
import { loadConfig, type AppConfig } from './config';
import { AnalyticsStack } from './stacks/analytics-stack';
import { DatabaseStack } from './stacks/database-stack';
import { GuardrailsStack } from './stacks/guardrails-stack';
import { StorageStack } from './stacks/storage-stack';

export interface PlatformStacks {
  readonly config: AppConfig;
  readonly guardrails: GuardrailsStack;
  readonly storage: StorageStack;
  readonly database: DatabaseStack;
  readonly analytics: AnalyticsStack;
}

/**
 * Creates every stack of the platform in `app`, from the configuration in the app's context.
 * Used by `bin/app.ts` and by the tests, so both synthesize exactly the same app.
 */
export function buildApp(app: App): PlatformStacks {
  const config = loadConfig(app.node);
  const name = (stack: string) => `${config.projectName}-${stack}`;

  const guardrails = new GuardrailsStack(app, 'Guardrails', { stackName: name('guardrails'), config });
  const storage = new StorageStack(app, 'Storage', { stackName: name('storage'), config });
  const database = new DatabaseStack(app, 'Database', { stackName: name('database'), config });
  const analytics = new AnalyticsStack(app, 'Analytics', {
    stackName: name('analytics'),
    config,
    lakeBucket: storage.lakeBucket,
    logBucket: storage.logBucket,
    athenaResultsBucket: storage.athenaResultsBucket,
  });

  Tags.of(app).add('Project', config.projectName);
  return { config, guardrails, storage, database, analytics };
}
