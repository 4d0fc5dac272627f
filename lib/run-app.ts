import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from './config';

/**
 * The body of every CDK entry point in `bin/`: builds the stacks into a new app, runs cdk-nag
 * (AwsSolutions) over all of it, and synthesizes. A settings problem is the user's to fix, so a
 * `ConfigError` prints its message (no stack trace) and exits 1.
 */
export function runApp(build: (app: App) => void): void {
  const app = new App();
  try {
    build(app);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}
