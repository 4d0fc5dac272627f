import * as path from 'node:path';
import { IgnoreMode, Validations } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { REPO_ROOT } from './app-function';

/** The container port the dashboard listens on (App Runner sets `PORT` to it; the image sets it too). */
export const DASHBOARD_PORT = 8080;

/**
 * What the dashboard image is built from, relative to the repository root. Everything else is
 * excluded, so the image (and its asset hash) changes only when the app or its sources change.
 */
export const DASHBOARD_IMAGE_EXCLUDE: readonly string[] = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!datasets',
  '!dashboard-app',
  'dashboard-app/dist',
  'dashboard-app/node_modules',
  'dashboard-app/public/vendor',
  '!db',
];

/**
 * The dashboard image that `cdk deploy` builds from `dashboard-app/Dockerfile` (Docker needed on the
 * deploying machine) and publishes through the stack's synthesizer. x86_64: App Runner runs only
 * x86_64 containers, and one image serves both container hostings.
 */
export function dashboardImage(scope: Construct, id: string): ecrAssets.DockerImageAsset {
  return new ecrAssets.DockerImageAsset(scope, id, {
    directory: REPO_ROOT,
    file: path.join('dashboard-app', 'Dockerfile'),
    platform: ecrAssets.Platform.LINUX_AMD64,
    ignoreMode: IgnoreMode.DOCKER,
    exclude: [...DASHBOARD_IMAGE_EXCLUDE],
    displayName: 'Dashboard image',
  });
}

/**
 * Lets `role` pull the dashboard image from `repository`, acknowledging the one wildcard that needs:
 * `ecr:GetAuthorizationToken` has no resource-level permissions.
 */
export function grantImagePull(role: iam.Role, repository: ecr.IRepository): void {
  repository.grantPull(role);
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken has no resource-level permissions: AWS accepts only "*".',
  });
}
