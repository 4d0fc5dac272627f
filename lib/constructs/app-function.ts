import * as path from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ESBUILD_NODE_TARGET, LAMBDA_NODE_RUNTIME } from '../node-runtime';

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
  /**
   * Files or folders copied into the asset next to the bundle, as [source relative to the repository
   * root, destination relative to the bundle], e.g. the static files a handler serves.
   * @default the bundle alone
   */
  readonly copyFiles?: ReadonlyArray<readonly [string, string]>;
}

/** Upper bounds every function stays within, so no function can run or cost without limit. */
export const MAX_TIMEOUT = Duration.minutes(15);
export const MAX_MEMORY_MB = 3008;

/**
 * A Node.js function with the defaults every function of the platform shares: the platform's Node.js
 * runtime (lib/node-runtime.ts) on arm64, an esbuild bundle (minified, tree-shaken, ESM, source maps), a log group
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
      runtime: LAMBDA_NODE_RUNTIME,
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
        target: ESBUILD_NODE_TARGET,
        format: nodejs.OutputFormat.ESM,
        // ESM bundles need a require shim for CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        // The Lambda runtime ships AWS SDK v3, but bundling it pins the version we test with.
        externalModules: [],
        forceDockerBundling: false,
        commandHooks: props.copyFiles?.length ? copyCommands(props.copyFiles) : undefined,
      },
    });
  }
}

/** Shell commands (run by local bundling, no Docker) that copy files into the asset folder. */
function copyCommands(files: ReadonlyArray<readonly [string, string]>): nodejs.ICommandHooks {
  const quote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      files.map(
        ([from, to]) =>
          `mkdir -p ${quote(path.dirname(path.join(outputDir, to)))} && ` +
          `cp -R ${quote(path.join(inputDir, from))} ${quote(path.join(outputDir, to))}`,
      ),
  };
}
