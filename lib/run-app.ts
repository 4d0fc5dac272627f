import { App } from 'aws-cdk-lib';
import { ConfigError } from './config';
import { addValidationPlugins } from './validation';

/**
 * The body of every CDK entry point in `bin/`: builds the stacks into a new app, runs the policy
 * checks (cdk-nag AwsSolutions and the AWS Control Tower proactive controls) over all of it, and
 * synthesizes. A settings problem is the user's to fix, so a
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
  addValidationPlugins(app);
  app.synth();
}
