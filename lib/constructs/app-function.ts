import * as path from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { checkWholeNumber, pathOf } from './prop-checks';
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
  /** How long one invocation may run, at most 15 minutes. @default 30 seconds */
  readonly timeout?: Duration;
  /** Memory in MB, 128 to 3008 (CPU grows with it). @default 256 MB */
  readonly memorySize?: number;
  /**
   * Environment variables, added to `NODE_OPTIONS=--enable-source-maps`.
   * @default only NODE_OPTIONS, so stack traces point at the TypeScript sources
   */
  readonly environment?: Record<string, string>;
  /**
   * Concurrent executions reserved for (and capping) the function.
   * @default no reservation: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Files or folders copied into the asset next to the bundle, as [source relative to the repository
   * root, destination relative to the bundle], e.g. the static files a handler serves.
   * @default the bundle alone
   */
  readonly copyFiles?: ReadonlyArray<readonly [string, string]>;
  /**
   * Browser scripts bundled by esbuild into the asset next to the function's bundle, as [entry relative
   * to the repository root, destination relative to the bundle, esbuild flags], e.g. a page the
   * handler serves.
   * @default no browser scripts: the asset holds the function's bundle (and `copyFiles`)
   */
  readonly browserBundles?: ReadonlyArray<readonly [string, string, readonly string[]]>;
  /**
   * Topic the function's error alarm notifies: an invocation that fails (an uncaught error, a
   * timeout, running out of memory) within 5 minutes raises it.
   * @default no alarm: failed invocations show only in the function's Errors metric and logs
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Upper bounds every function stays within, so no function can run or cost without limit. Lambda's
 * own maximum timeout is 900 seconds (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 */
export const MAX_TIMEOUT = Duration.minutes(15);
export const MAX_MEMORY_MB = 3008;

/**
 * A Node.js function with the defaults every function of the platform shares: the platform's Node.js
 * runtime (lib/node-runtime.ts) on arm64, an esbuild bundle (minified, tree-shaken, ESM, source maps),
 * a log group with a retention that is kept on delete policy-free, a bounded timeout and memory size,
 * logs in Lambda's JSON format (every line carries its request id), and an alarm on failed invocations.
 */
export class AppFunction extends nodejs.NodejsFunction {
  /** Raised when an invocation fails; present when `alarmTopic` was given. */
  public readonly errorsAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const where = pathOf(scope, id);
    const timeout = props.timeout ?? Duration.seconds(30);
    const memorySize = props.memorySize ?? 256;
    checkWholeNumber(where, 'memorySize', memorySize, {
      min: 128,
      max: MAX_MEMORY_MB,
      why: "MB; the platform's bound on every function",
    });
    if (!Token.isUnresolved(timeout.toSeconds()) && timeout.toSeconds() > MAX_TIMEOUT.toSeconds()) {
      throw new Error(
        `${where}: timeout ${timeout.toHumanString()} exceeds ${MAX_TIMEOUT.toHumanString()}, the longest a ` +
          'Lambda function may run. Use a shorter timeout.',
      );
    }
    if (props.reservedConcurrentExecutions !== undefined) {
      checkWholeNumber(where, 'reservedConcurrentExecutions', props.reservedConcurrentExecutions, {
        min: 0,
        why: 'concurrent executions; 0 turns the function off',
      });
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
      // JSON lines with timestamp, level and requestId; a logged object stays an object in `message`.
      // Application logs below INFO and platform logs below INFO are dropped.
      // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
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
        commandHooks:
          props.copyFiles?.length || props.browserBundles?.length
            ? afterBundlingCommands(props.copyFiles ?? [], props.browserBundles ?? [])
            : undefined,
      },
    });
    if (props.alarmTopic) {
      this.errorsAlarm = this.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(
        this,
        'ErrorsAlarm',
        {
          alarmDescription: `${props.description}: an invocation failed (uncaught error, timeout or out of memory). Check the function's log group.`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
      this.errorsAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    }
  }
}

/**
 * Shell commands (run by local bundling, no Docker) that copy files into the asset folder and bundle
 * browser scripts there with the repository's own esbuild.
 */
function afterBundlingCommands(
  files: ReadonlyArray<readonly [string, string]>,
  browserBundles: ReadonlyArray<readonly [string, string, readonly string[]]>,
): nodejs.ICommandHooks {
  const quote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
  const esbuild = path.join(REPO_ROOT, 'node_modules', '.bin', 'esbuild');
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => [
      ...files.map(
        ([from, to]) =>
          `mkdir -p ${quote(path.dirname(path.join(outputDir, to)))} && ` +
          `cp -R ${quote(path.join(inputDir, from))} ${quote(path.join(outputDir, to))}`,
      ),
      ...browserBundles.map(
        ([entry, to, flags]) =>
          `${quote(esbuild)} ${quote(path.join(inputDir, entry))} ${flags.map(quote).join(' ')} ` +
          `--log-level=warning --outfile=${quote(path.join(outputDir, to))}`,
      ),
    ],
  };
}
