import { CfnParameter, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { IngestEndpoint, type IngestEndpointProps } from '../../../lib/constructs/ingest-endpoint';
import { bareStack, statements } from './bare-stack';

function endpoint(props: Partial<IngestEndpointProps> = {}) {
  const { stack, lake } = bareStack();
  const construct = new IngestEndpoint(stack, 'Ingest', { lakeBucket: lake, logRetentionDays: 30, ...props });
  return { stack, construct, template: () => Template.fromStack(stack) };
}

describe('IngestEndpoint', () => {
  const { template } = endpoint();
  const built = template();

  it('exposes the ingest function through a Function URL with IAM auth', () => {
    built.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    built.resourceCountIs('AWS::Lambda::Url', 1);
  });

  it('lets the ingest function put objects under raw/ and rejected/ only', () => {
    const policies = built.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('IngestFunction') },
    });
    const text = JSON.stringify(policies);
    expect(text).toContain('/raw/*');
    expect(text).toContain('/rejected/*');
    expect(text).not.toContain('rds-data');
    expect(text).not.toContain('s3:GetObject');
    expect(statements(built).flatMap((s) => [s.Action].flat())).toEqual(['s3:PutObject']);
  });

  it('runs with 512 MB and a 30 s timeout unless told otherwise', () => {
    built.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 30,
      Environment: { Variables: Match.objectLike({ LAKE_BUCKET: 'lake' }) },
    });
    endpoint({ memorySize: 1024, timeout: Duration.seconds(10) })
      .template()
      .hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 10 });
  });

  it('grants a producer invocation through the Function URL only, on this function', () => {
    const { stack, construct, template: t } = endpoint();
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    construct.grantInvokeUrl(producer);
    const granted = Object.values(t().findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('Producer'),
    );
    const fnArn = { 'Fn::GetAtt': [expect.stringMatching(/^IngestFunction/), 'Arn'] };
    expect(granted.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      {
        Action: 'lambda:InvokeFunctionUrl',
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
        Effect: 'Allow',
        Resource: fnArn,
      },
      {
        Action: 'lambda:InvokeFunction',
        Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } },
        Effect: 'Allow',
        Resource: fnArn,
      },
    ]);
  });

  it('accepts a deploy-time memory size (token) and names itself when a fixed one is out of range', () => {
    const { stack, lake } = bareStack();
    new IngestEndpoint(stack, 'Ingest', {
      lakeBucket: lake,
      logRetentionDays: 30,
      memorySize: new CfnParameter(stack, 'Memory', { type: 'Number' }).valueAsNumber,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: { Ref: 'Memory' },
    });
    expect(() => endpoint({ memorySize: 64 })).toThrow(
      /Test\/Ingest\/Function: memorySize 64 must be a whole number/,
    );
  });
});
