#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config';

const app = new App();
try {
  buildApp(app);
} catch (err) {
  if (err instanceof ConfigError) {
    // A settings problem is the user's to fix: show the message, not a stack trace.
    console.error(`\n${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
