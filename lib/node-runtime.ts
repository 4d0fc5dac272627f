/**
 * The one Node.js version the platform runs on in AWS, read from the one place it is stated: the
 * base image of `dashboard-app/Dockerfile` (pinned by digest and kept current by Dependabot). The
 * functions' Lambda runtime and the esbuild target of every bundle follow it, so a major upgrade is a
 * one-line change of that image. Local development needs only the minimum in package.json's engines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

const DOCKERFILE = path.resolve(import.meta.dirname, '..', 'dashboard-app', 'Dockerfile');

/** The major version of the `node:<major>-alpine` base image. */
export function dockerfileNodeMajor(dockerfile: string = fs.readFileSync(DOCKERFILE, 'utf8')): number {
  const majors = [...dockerfile.matchAll(/^FROM\s+node:(\d+)-alpine\b/gim)].map((m) => Number(m[1]));
  if (majors.length === 0 || new Set(majors).size !== 1) {
    throw new Error(
      `dashboard-app/Dockerfile must build FROM one node:<major>-alpine image (found ${majors.length ? majors.join(', ') : 'none'}); ` +
        'it states the Node.js version of the whole platform.',
    );
  }
  return majors[0]!;
}

export const NODE_MAJOR = dockerfileNodeMajor();

function lambdaRuntime(major: number): lambda.Runtime {
  const name = `nodejs${major}.x`;
  const runtime = Object.values(lambda.Runtime).find(
    (r): r is lambda.Runtime => r instanceof lambda.Runtime && r.name === name,
  );
  if (!runtime) {
    throw new Error(
      `AWS Lambda has no ${name} runtime in this aws-cdk-lib; pick a Node.js version Lambda supports.`,
    );
  }
  return runtime;
}

/** The Lambda runtime of every function of the platform. */
export const LAMBDA_NODE_RUNTIME = lambdaRuntime(NODE_MAJOR);

/** The esbuild `--target` of every bundle (functions and the dashboard image). */
export const ESBUILD_NODE_TARGET = `node${NODE_MAJOR}`;
