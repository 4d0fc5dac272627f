import { CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ConfigError } from '../config';

/** Issuer of the tokens GitHub Actions hands to jobs that have `id-token: write`. */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience `aws-actions/configure-aws-credentials` requests. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** The qualifier `cdk bootstrap` uses unless told otherwise. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

export interface GitHubOidcStackProps extends StackProps {
  /** The only repository whose workflows may assume the roles: `owner/name`, spelled as on GitHub. */
  readonly githubRepo: string;
  /**
   * GitHub environment the deploy job runs in. A job with an environment gets the OIDC subject
   * `repo:<owner>/<name>:environment:<environment>` (no branch in it), so restrict the environment to
   * the deploy branch in the repository settings. Empty string: the deploy job has no environment and
   * the role trusts `repo:<owner>/<name>:ref:refs/heads/<deployBranch>` instead.
   * @default 'production'
   */
  readonly deployEnvironment?: string;
  /** Branch that deploys, when no environment is used. @default 'main' */
  readonly deployBranch?: string;
  /** Qualifier of the CDK bootstrap stack in the target account and region. @default 'hnb659fds' */
  readonly bootstrapQualifier?: string;
  /** Prefix of the platform's stack names; the diff role may read those stacks' templates. @default 'analytics' */
  readonly projectName?: string;
  /**
   * ARN of the account's existing GitHub OIDC provider (an account has at most one per issuer).
   * @default a new provider is created (and kept when this stack is deleted)
   */
  readonly existingProviderArn?: string;
}

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const ENVIRONMENT = /^[A-Za-z0-9._ -]{1,255}$/;
const BRANCH = /^[A-Za-z0-9._/-]{1,255}$/;
const QUALIFIER = /^[a-z0-9]{1,10}$/;
const PROJECT = /^[a-z][a-z0-9-]{1,19}$/;
const PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

const howToSet = (key: string, example: string) =>
  `Set it with -c ${key}=${example} (npx cdk deploy -a "npx tsx bin/github-oidc.ts" -c ${key}=${example}).`;

function check(key: string, value: string, pattern: RegExp, rule: string, example: string): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) {
    throw new ConfigError(`${key} ${JSON.stringify(value)} is not valid: ${rule}. ${howToSet(key, example)}`);
  }
}

/**
 * Lets the repository's GitHub Actions reach the AWS account without stored keys: the GitHub OIDC
 * provider, a read-only diff role for pull requests, and a deploy role for the deploy job. Both roles
 * only assume the CDK bootstrap roles, which hold the actual permissions.
 */
export class GitHubOidcStack extends Stack {
  /** Assumed by pull-request workflows to run `cdk diff --method template`. */
  public readonly diffRole: iam.Role;
  /** Assumed by the deploy job to run `cdk deploy --all`. */
  public readonly deployRole: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubOidcStackProps) {
    super(scope, id, props);
    const deployEnvironment = props.deployEnvironment ?? 'production';
    const deployBranch = props.deployBranch ?? 'main';
    const qualifier = props.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
    const projectName = props.projectName ?? 'analytics';

    if (!props.githubRepo) {
      throw new ConfigError(
        'githubRepo is required: the roles trust only this repository. ' +
          howToSet('githubRepo', 'octo-org/analytics'),
      );
    }
    check(
      'githubRepo',
      props.githubRepo,
      REPO,
      'use owner/name as GitHub shows it (no wildcards)',
      'octo-org/analytics',
    );
    if (deployEnvironment !== '') {
      check(
        'deployEnvironment',
        deployEnvironment,
        ENVIRONMENT,
        'use the GitHub environment name (letters, digits, space, ".", "_", "-"), or an empty value for none',
        'production',
      );
    }
    check('deployBranch', deployBranch, BRANCH, 'use a branch name without wildcards', 'main');
    check(
      'bootstrapQualifier',
      qualifier,
      QUALIFIER,
      'use the cdk bootstrap qualifier (1 to 10 lower-case letters or digits)',
      DEFAULT_BOOTSTRAP_QUALIFIER,
    );
    check(
      'projectName',
      projectName,
      PROJECT,
      'use the projectName of the platform (2 to 20 lower-case letters, digits or hyphens)',
      'analytics',
    );
    if (props.existingProviderArn !== undefined) {
      check(
        'githubOidcProviderArn',
        props.existingProviderArn,
        PROVIDER_ARN,
        `use the ARN of the account's ${GITHUB_OIDC_ISSUER} provider (IAM > Identity providers)`,
        `arn:aws:iam::123456789012:oidc-provider/${GITHUB_OIDC_ISSUER}`,
      );
    }

    const provider = props.existingProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubProvider', props.existingProviderArn)
      : new iam.OidcProviderNative(this, 'GitHubProvider', {
          url: `https://${GITHUB_OIDC_ISSUER}`,
          clientIds: [GITHUB_OIDC_AUDIENCE],
          // Other repositories and tools in the account may rely on the provider.
          removalPolicy: RemovalPolicy.RETAIN,
        });

    const trust = (subject: string) =>
      new iam.OpenIdConnectPrincipal(provider, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_ISSUER}:sub`]: subject,
        },
      });
    const bootstrapRole = (kind: string) =>
      this.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: `cdk-${qualifier}-${kind}-role-${this.account}-${this.region}`,
      });

    const pullRequestSubject = `repo:${props.githubRepo}:pull_request`;
    this.diffRole = new iam.Role(this, 'DiffRole', {
      description: `cdk diff from pull requests of ${props.githubRepo} (read-only)`,
      assumedBy: trust(pullRequestSubject),
      maxSessionDuration: Duration.hours(1),
    });
    // `cdk diff --method template` reads the deployed templates through the bootstrap lookup role
    // (ReadOnlyAccess). Change-set diffs would need the deploy role, which this role cannot assume.
    this.diffRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [bootstrapRole('lookup')] }),
    );
    // The CLI falls back to the caller's own credentials when the lookup role is unusable (an old
    // bootstrap stack), so the role may also read the platform's templates directly.
    const readTemplates = new iam.Policy(this, 'DiffRoleReadTemplates', {
      roles: [this.diffRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
          resources: [
            this.formatArn({
              service: 'cloudformation',
              resource: 'stack',
              resourceName: `${projectName}-*/*`,
            }),
          ],
        }),
      ],
    });
    Validations.of(readTemplates).acknowledge({
      // The finding quotes the ARN pattern; this stack is environment-agnostic, so account and region are tokens.
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/${projectName}-*/*]`,
      reason:
        "A stack's ARN ends with an ID CloudFormation generates; the wildcard covers only the platform's stacks (<projectName>-*) and two read-only actions.",
    });

    const deploySubject =
      deployEnvironment === ''
        ? `repo:${props.githubRepo}:ref:refs/heads/${deployBranch}`
        : `repo:${props.githubRepo}:environment:${deployEnvironment}`;
    this.deployRole = new iam.Role(this, 'DeployRole', {
      description: `cdk deploy from ${deploySubject}`,
      assumedBy: trust(deploySubject),
      maxSessionDuration: Duration.hours(2),
    });
    // The CDK bootstrap roles do the work: deploy (change sets), publishing assets, lookups.
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(bootstrapRole),
      }),
    );

    new CfnOutput(this, 'DiffRoleArn', {
      value: this.diffRole.roleArn,
      description: `Repository variable AWS_DIFF_ROLE_ARN (trusts ${pullRequestSubject})`,
    });
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: `Repository variable AWS_DEPLOY_ROLE_ARN (trusts ${deploySubject})`,
    });
  }
}
