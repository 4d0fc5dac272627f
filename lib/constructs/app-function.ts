import * as path from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';

/** The repository root, from which function entry points are resolved. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface AppFunctionProps {
  /** Entry file relative to the repository root, e.g. `lambda/ingest/handler.ts`. */
  readonly entry: string;
  /** One line saying what the function does; becomes its description. */
  readonly description: string;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default {} */
  readonly environment?: Record<string, string>;
  /** @default none (unreserved) */
  readonly reservedConcurrentExecutions?: number;
}

/** Upper bounds every function stays within, so no function can run or cost without limit. */
export const MAX_TIMEOUT = Duration.minutes(15);
export const MAX_MEMORY_MB = 3008;

/**
 * A Node.js function with the defaults every function of the platform shares: the current Node.js
 * runtime (24) on arm64, an esbuild bundle (minified, tree-shaken, ESM, source maps), a log group
 * with a retention that is kept on delete policy-free, and a bounded timeout and memory size.
 */
export class AppFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const timeout = props.timeout ?? Duration.seconds(30);
    const memorySize = props.memorySize ?? 256;
    if (!Token.isUnresolved(memorySize) && (memorySize < 128 || memorySize > MAX_MEMORY_MB)) {
      throw new Error(`${id}: memorySize ${memorySize} MB is outside 128..${MAX_MEMORY_MB} MB.`);
    }
    if (timeout.toSeconds() > MAX_TIMEOUT.toSeconds()) {
      throw new Error(`${id}: timeout ${timeout.toHumanString()} exceeds ${MAX_TIMEOUT.toHumanString()}.`);
    }
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays,
      // Logs are operational data, not user data: removing the function removes them.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      memorySize,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: nodejs.OutputFormat.ESM,
        // ESM bundles need a require shim for CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        // The Node.js 22 runtime ships AWS SDK v3, but bundling it pins the version we test with.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }
}
