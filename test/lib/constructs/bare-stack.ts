import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFindings, type Finding } from '../../support/synth';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:analytics-db-AbCdEf`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;

/**
 * A stack holding nothing but the construct under test, with imported stand-ins for what the
 * platform's other stacks would pass in (buckets, the cluster, its secret, the alerts topic).
 * Function bundling is skipped: the templates are the same apart from asset hashes.
 */
export function bareStack() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-construct-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: REGION } });
  return {
    app,
    stack,
    outdir,
    lake: s3.Bucket.fromBucketName(stack, 'Lake', 'lake'),
    logs: s3.Bucket.fromBucketName(stack, 'Logs', 'logs'),
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', {
      clusterIdentifier: 'analytics-db',
      dataApiEnabled: true,
    }),
    secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', SECRET_ARN),
    topic: sns.Topic.fromTopicArn(stack, 'Alerts', TOPIC_ARN),
  };
}

/**
 * Synthesizes the app with cdk-nag (AwsSolutions) and returns every finding. A finding makes
 * synthesis fail, as `cdk synth` does; the findings are read from the report it leaves behind.
 */
export function nagFindings(app: App, outdir: string): Finding[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (err) {
    if (!/validation/i.test(String(err))) throw err;
  }
  return readFindings(outdir);
}

/** The policy statements of every IAM policy in the template, flattened. */
export function statements(
  template: Template,
): { Action: string | string[]; Resource: unknown; Sid?: string }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );
}
