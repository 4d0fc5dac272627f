#!/usr/bin/env node
/**
 * A separate, small CDK app that lets GitHub Actions reach the account through OIDC (docs/review.md):
 *
 *   npx cdk deploy -a "npx tsx bin/github-oidc.ts" -c githubRepo=owner/name
 *
 * then, once, the command of its output SubjectClaimCommand (GitHub puts the ref into the subject).
 *
 * Settings (-c key=value): githubRepo (required), deployEnvironment (default production; empty for
 * none), deployBranch (default main), bootstrapQualifier (default hnb659fds), githubOidcProviderArn
 * (an existing provider), projectName (from cdk.json).
 */
import { runApp } from '../lib/run-app';
import { GitHubOidcStack } from '../lib/stacks/github-oidc-stack';

const orDefault = (value: string | undefined) => (value === '' ? undefined : value);

runApp((app) => {
  /** A context value as a string; undefined when unset. An empty string is kept (it means "none"). */
  const read = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null ? undefined : String(value).trim();
  };
  const projectName = orDefault(read('projectName')) ?? 'analytics';
  new GitHubOidcStack(app, 'GitHubOidc', {
    stackName: `${projectName}-github-oidc`,
    description: 'GitHub Actions OIDC provider and the roles that run cdk diff and cdk deploy',
    githubRepo: read('githubRepo') ?? '',
    deployEnvironment: read('deployEnvironment'),
    deployBranch: orDefault(read('deployBranch')),
    bootstrapQualifier: orDefault(read('bootstrapQualifier')),
    projectName,
    existingProviderArn: orDefault(read('githubOidcProviderArn')),
  });
});
