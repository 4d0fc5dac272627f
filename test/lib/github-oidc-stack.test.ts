import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config';
import {
  GitHubOidcStack,
  OIDC_SUBJECT_COMMAND,
  type GitHubOidcStackProps,
} from '../../lib/stacks/github-oidc-stack';
import { cdkJsonContext, readFindings } from '../support/synth';

function synth(props: Partial<GitHubOidcStackProps> = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-oidc-test-'));
  const app = new App({ outdir, context: cdkJsonContext() });
  const stack = new GitHubOidcStack(app, 'GitHubOidc', { githubRepo: 'octo-org/analytics', ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { template: Template.fromStack(stack), findings: readFindings(outdir) };
}

/**
 * The CloudFormation calls `cdk diff --method template` makes with the caller's own credentials:
 * DescribeStacks and GetTemplate per stack, ListStackResources for nested stacks
 * (test/lib/github-oidc-diff-role.test.ts runs the CLI against them).
 */
const DIFF_ACTIONS = [
  'cloudformation:DescribeStacks',
  'cloudformation:GetTemplate',
  'cloudformation:ListStackResources',
];

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The policy statements attached to the role whose logical ID starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** An ARN built with Fn::Join, flattened to a readable string. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(flat).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  return ref ? `\${${ref}}` : JSON.stringify(value);
}

const trustOf = (template: Template, rolePrefix: string) => {
  const roles = template.findResources('AWS::IAM::Role');
  const [, role] = Object.entries(roles).find(([id]) => id.startsWith(rolePrefix))!;
  return role.Properties.AssumeRolePolicyDocument.Statement as {
    Action: string;
    Condition: unknown;
    Principal: unknown;
  }[];
};

describe('GitHubOidcStack', () => {
  it('creates the GitHub OIDC provider for the STS audience, kept on stack deletion', () => {
    const { template } = synth();
    template.hasResource('AWS::IAM::OIDCProvider', {
      Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
      DeletionPolicy: 'Retain',
    });
  });

  it('uses an existing provider instead of creating a second one', () => {
    const { template } = synth({
      existingProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    });
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(trustOf(template, 'DiffRole')[0]!.Principal)).toContain(
      'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    );
  });

  it('lets only pull requests of the configured repository assume the diff role (subject with the ref)', () => {
    const { template } = synth();
    expect(trustOf(template, 'DiffRole')).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: {
            'token.actions.githubusercontent.com:sub':
              'repo:octo-org/analytics:pull_request:ref:refs/pull/*/merge',
          },
        },
      }),
    ]);
  });

  it('gives the diff role only what cdk diff --method template reads: the platform stacks, no data', () => {
    const { template } = synth();
    const statements = statementsOf(template, 'DiffRole');
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(DIFF_ACTIONS);
    for (const statement of statements) {
      expect([statement.Resource].flat().map(flat)).toEqual([
        'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/analytics-*/*',
      ]);
    }
  });

  it('never lets the diff role reach the bootstrap roles: the lookup role reads every bucket (ReadOnlyAccess)', () => {
    const { template } = synth();
    const statements = statementsOf(template, 'DiffRole');
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('sts:AssumeRole');
    expect(JSON.stringify(statements)).not.toMatch(/lookup-role|deploy-role|publishing-role|sts:/);
    expect(JSON.stringify(statements)).not.toMatch(/"(s3|secretsmanager|kms|rds-data|athena|glue):/);
  });

  it('trusts the deploy role only to the deploy environment on the deploy branch, both in the subject', () => {
    const { template } = synth({ bootstrapQualifier: 'abc123' });
    expect(trustOf(template, 'DeployRole')[0]!.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub':
          'repo:octo-org/analytics:environment:production:ref:refs/heads/main',
      },
    });
    const [statement] = statementsOf(template, 'DeployRole');
    expect(statement!.Action).toBe('sts:AssumeRole');
    expect((statement!.Resource as unknown[]).map(flat)).toEqual(
      ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(
        (kind) =>
          `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-abc123-${kind}-role-\${AWS::AccountId}-\${AWS::Region}`,
      ),
    );
  });

  it('trusts the deploy role to another environment and branch when configured', () => {
    const { template } = synth({ deployEnvironment: 'prod', deployBranch: 'release' });
    expect(JSON.stringify(trustOf(template, 'DeployRole')[0]!.Condition)).toContain(
      '"repo:octo-org/analytics:environment:prod:ref:refs/heads/release"',
    );
  });

  it('trusts only the deploy branch when no environment is used', () => {
    const { template } = synth({ deployEnvironment: '', deployBranch: 'release' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                // The context of a job without an environment is the ref itself, then the ref claim.
                'token.actions.githubusercontent.com:sub':
                  'repo:octo-org/analytics:ref:refs/heads/release:ref:refs/heads/release',
              }),
            },
          }),
        ],
      },
    });
  });

  it('outputs the one-time command that makes GitHub put the ref into the subject', () => {
    const { template } = synth();
    template.hasOutput('SubjectClaimCommand', {
      Value: OIDC_SUBJECT_COMMAND('octo-org/analytics'),
    });
    expect(OIDC_SUBJECT_COMMAND('octo-org/analytics')).toBe(
      `echo '{"use_default":false,"include_claim_keys":["repo","context","ref"]}' | ` +
        'gh api --method PUT repos/octo-org/analytics/actions/oidc/customization/sub --input -',
    );
  });

  it('outputs both role ARNs, named after the repository variables the workflows read', () => {
    const { template } = synth();
    template.hasOutput('DiffRoleArn', { Description: Match.stringLikeRegexp('AWS_DIFF_ROLE_ARN') });
    template.hasOutput('DeployRoleArn', { Description: Match.stringLikeRegexp('AWS_DEPLOY_ROLE_ARN') });
  });

  it('passes cdk-nag AwsSolutions and the CloudFormation schema validation', () => {
    expect(synth().findings).toEqual([]);
  });

  it.each([
    ['', /githubRepo is required/],
    ['octo-org', /githubRepo "octo-org" is not valid: use owner\/name/],
    ['octo-org/*', /githubRepo "octo-org\/\*" is not valid/],
    ['https://github.com/octo-org/analytics', /is not valid/],
  ])('fails when githubRepo is %j', (githubRepo, message) => {
    expect(() => synth({ githubRepo })).toThrow(ConfigError);
    expect(() => synth({ githubRepo })).toThrow(message);
  });

  it.each([
    [{ deployEnvironment: 'prod:main' }, /deployEnvironment "prod:main" is not valid/],
    [{ deployBranch: 'release/*' }, /deployBranch "release\/\*" is not valid/],
    [{ bootstrapQualifier: 'Not-Valid' }, /bootstrapQualifier "Not-Valid" is not valid/],
    [
      { existingProviderArn: 'arn:aws:iam::123:oidc-provider/example.com' },
      /githubOidcProviderArn .* is not valid/,
    ],
  ])('fails when a setting is invalid: %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
