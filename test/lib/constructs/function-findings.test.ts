import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AppFunction } from '../../../lib/constructs/app-function';
import {
  acknowledgeFunctionFindings,
  acknowledgeWildcardResources,
} from '../../../lib/constructs/function-findings';
import { ACCOUNT, bareStack, nagFindings, REGION } from './bare-stack';

/**
 * A function in its own stack reading two prefixes of a bucket that lives in another stack, so the
 * wildcard resources reach cdk-nag as cross-stack references, as in the platform.
 */
function setup() {
  const { app, outdir } = bareStack();
  const env = { account: ACCOUNT, region: REGION };
  const data = new Stack(app, 'Data', { env });
  const bucket = new s3.Bucket(data, 'Bucket', { enforceSSL: true, serverAccessLogsPrefix: 'self/' });
  const compute = new Stack(app, 'Compute', { env });
  const fn = new AppFunction(compute, 'Function', {
    entry: 'lambda/ingest/handler.ts',
    description: 'Reads two prefixes',
    logRetentionDays: 30,
  });
  const raw = bucket.arnForObjects('raw/*');
  const other = bucket.arnForObjects('other/*');
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [raw, other] }));
  return { app, outdir, fn, raw, other };
}

const ours = (findings: { constructPaths: string[]; rule: string }[]) =>
  findings.filter((f) => f.constructPaths.some((p) => p.startsWith('Compute/')));

describe('acknowledgeFunctionFindings', () => {
  it('without acknowledgements, cdk-nag reports the managed policy and both wildcards', () => {
    const { app, outdir } = setup();
    const rules = ours(nagFindings(app, outdir)).map((f) => f.rule);
    expect(rules).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Data:ExportsOutput.*\/raw\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Data:ExportsOutput.*\/other\/\*\]$/),
    ]);
  });

  it('acknowledges the basic execution role and exactly the named wildcard resources, on the function role', () => {
    const { app, outdir, fn, raw } = setup();
    acknowledgeFunctionFindings(fn, { resources: [raw], reason: 'Objects under raw/ only.' });
    // Only the prefix that was not acknowledged is still reported.
    expect(ours(nagFindings(app, outdir)).map((f) => f.rule)).toEqual([
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Data:ExportsOutput.*\/other\/\*\]$/),
    ]);
  });

  it('acknowledges the wildcard actions and resources it is given, leaving nothing reported', () => {
    const { app, outdir, fn, raw, other } = setup();
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:List*'], resources: ['*'] }));
    acknowledgeFunctionFindings(fn);
    acknowledgeWildcardResources(fn.role!, [raw, other, '*'], 'Test reason.', ['s3:List*']);
    expect(ours(nagFindings(app, outdir))).toEqual([]);
  });
});
