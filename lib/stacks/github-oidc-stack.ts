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

/**
 * The claims the repository's OIDC subject is built from (set once per repository, see
 * `OIDC_SUBJECT_COMMAND`). With `context` and `ref`, the subject of a job names both its environment
 * and its branch (`repo:o/n:environment:production:ref:refs/heads/main`), so the trust policy itself
 * requires both; GitHub's default subject names the environment only. AWS evaluates no other GitHub
 * claim than `sub` and `aud` ("Support for custom claims for OIDC is unavailable in AWS",
 * https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws).
 * Template format: https://docs.github.com/en/actions/reference/security/oidc (customizing the subject claims).
 */
export const OIDC_SUBJECT_CLAIMS = ['repo', 'context', 'ref'] as const;

/** The one-time `gh` command that makes the repository's OIDC subjects include the ref. */
export const OIDC_SUBJECT_COMMAND = (githubRepo: string): string =>
  `echo '${JSON.stringify({ use_default: false, include_claim_keys: OIDC_SUBJECT_CLAIMS })}' | ` +
  `gh api --method PUT repos/${githubRepo}/actions/oidc/customization/sub --input -`;

/**
 * What `cdk diff --method template` reads with the caller's own credentials when it cannot assume
 * the bootstrap lookup role: DescribeStacks then GetTemplate for each stack, ListStackResources to
 * find nested stacks (aws-cdk toolkit-lib, loadCurrentTemplateWithNestedStacks). All three are
 * read-only and take a stack ARN as resource
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html).
 */
export const TEMPLATE_DIFF_ACTIONS = [
  'cloudformation:DescribeStacks',
  'cloudformation:GetTemplate',
  'cloudformation:ListStackResources',
] as const;

export interface GitHubOidcStackProps extends StackProps {
  /** The only repository whose workflows may assume the roles: `owner/name`, spelled as on GitHub. */
  readonly githubRepo: string;
  /**
   * GitHub environment the deploy job runs in. The deploy role trusts the subject
   * `repo:<owner>/<name>:environment:<environment>:ref:refs/heads/<deployBranch>`, which GitHub issues
   * once the repository's subject includes the ref (`OIDC_SUBJECT_COMMAND`). Empty string: the deploy
   * job has no environment and the role trusts
   * `repo:<owner>/<name>:ref:refs/heads/<deployBranch>:ref:refs/heads/<deployBranch>`.
   * @default 'production'
   */
  readonly deployEnvironment?: string;
  /** The only branch that deploys; the deploy role's trust names it. @default 'main' */
  readonly deployBranch?: string;
  /** Qualifier of the CDK bootstrap stack in the target account and region. @default 'hnb659fds' */
  readonly bootstrapQualifier?: string;
  /** Prefix of the platform's stack names; the diff role may read only those stacks' templates. @default 'analytics' */
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
 * provider, a diff role for pull requests that reads the platform's stack templates and nothing
 * else, and a deploy role for the deploy job on the deploy branch, which assumes the CDK bootstrap
 * roles that hold the deploy permissions.
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

    const audience = { [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE };
    const subjectKey = `${GITHUB_OIDC_ISSUER}:sub`;
    const bootstrapRole = (kind: string) =>
      this.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: `cdk-${qualifier}-${kind}-role-${this.account}-${this.region}`,
      });

    // A pull request's subject: context `pull_request`, ref `refs/pull/<number>/merge`.
    const pullRequestSubject = `repo:${props.githubRepo}:pull_request:ref:refs/pull/*/merge`;
    this.diffRole = new iam.Role(this, 'DiffRole', {
      description: `cdk diff from pull requests of ${props.githubRepo} (reads the platform's templates)`,
      assumedBy: new iam.OpenIdConnectPrincipal(provider, {
        StringEquals: audience,
        StringLike: { [subjectKey]: pullRequestSubject },
      }),
      maxSessionDuration: Duration.hours(1),
    });
    // A pull request's own code runs with these credentials before anyone reviews it, so the role
    // reads templates and outputs of the platform's stacks and nothing else. It may not assume the
    // bootstrap lookup role (ReadOnlyAccess: every bucket's objects). The CDK CLI tries that role,
    // warns that it cannot, and reads the templates with the caller's own credentials.
    const readTemplates = new iam.Policy(this, 'DiffRoleReadTemplates', {
      roles: [this.diffRole],
      statements: [
        new iam.PolicyStatement({
          actions: [...TEMPLATE_DIFF_ACTIONS],
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
        "A stack's ARN ends with an ID CloudFormation generates; the wildcard covers only the platform's stacks (<projectName>-*) and three read-only actions.",
    });

    // The subject's context is the environment, or the ref for a job without one; then the ref claim.
    const deployRef = `ref:refs/heads/${deployBranch}`;
    const deploySubject =
      deployEnvironment === ''
        ? `repo:${props.githubRepo}:${deployRef}:${deployRef}`
        : `repo:${props.githubRepo}:environment:${deployEnvironment}:${deployRef}`;
    this.deployRole = new iam.Role(this, 'DeployRole', {
      description: `cdk deploy from ${deploySubject}`,
      assumedBy: new iam.OpenIdConnectPrincipal(provider, {
        StringEquals: { ...audience, [subjectKey]: deploySubject },
      }),
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
    new CfnOutput(this, 'SubjectClaimCommand', {
      value: OIDC_SUBJECT_COMMAND(props.githubRepo),
      description:
        'Run once (repository admin): GitHub then puts the environment and the ref into the OIDC subject the roles trust',
    });
  }
}
