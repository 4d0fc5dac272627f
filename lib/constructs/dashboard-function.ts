import { Duration, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { checkCidr } from '../cidr';
import { AppFunction } from './app-function';
import {
  CLIENT_ADDRESS,
  type DashboardDataProps,
  dashboardEnvironment,
  grantDashboardRuntime,
} from './dashboard-runtime';
import { acknowledgeFunctionFindings } from './function-findings';

/** The function's entry point: the Function URL adapter over the app's own request handler. */
export const DASHBOARD_FUNCTION_ENTRY = 'dashboard-app/src/lambda-handler.ts';

/**
 * Files the page needs, copied next to the bundle: the same `public/` the container serves, with the
 * ECharts browser bundle under `public/vendor/` as in the image.
 */
export const DASHBOARD_FUNCTION_FILES: ReadonlyArray<readonly [string, string]> = [
  ['dashboard-app/public', 'public'],
  ['node_modules/echarts/dist/echarts.min.js', 'public/vendor/echarts.min.js'],
];

/**
 * The page script, bundled from `dashboard-app/page/` into `public/app.js` with the flags
 * `dashboard-app/build-page.ts` uses for `npm start` and the container (a test compares the two).
 */
export const DASHBOARD_PAGE_BUNDLE: readonly [string, string, readonly string[]] = [
  'dashboard-app/page/main.ts',
  'public/app.js',
  ['--bundle', '--format=iife', '--target=es2022', '--minify'],
];

export interface DashboardFunctionProps extends DashboardDataProps {
  /** Days to keep the function's logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /**
   * Networks (CIDR) whose requests the function serves; every other source address gets 403 before
   * the app runs. @default every address (the login still applies)
   */
  readonly allowedCidrs?: readonly string[];
  /** @default 512 (MB): the charts' JSON and the gzipped static files fit easily */
  readonly memorySize?: number;
}

/**
 * The dashboard as a Lambda function behind a Function URL: $0 while nobody looks at it, and no
 * Docker needed on the deploying machine (an esbuild bundle of `dashboard-app/`, with the page's
 * static files copied next to it). The URL has no IAM auth (a browser cannot sign requests); the app's
 * login protects it, and `allowedCidrs`, checked by the adapter against the request context's source
 * IP before anything else runs, keeps other networks out.
 */
export class DashboardFunction extends Construct {
  public readonly function: AppFunction;
  public readonly functionUrl: lambda.FunctionUrl;
  /** `https://<url-id>.lambda-url.<region>.on.aws/`: the Function URL. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardFunctionProps) {
    super(scope, id);
    for (const cidr of props.allowedCidrs ?? []) {
      if (Token.isUnresolved(cidr)) continue;
      const problem = checkCidr(cidr);
      if (problem) throw new Error(`${id}: dashboardAllowedCidrs contains "${cidr}": ${problem}`);
    }
    this.function = new AppFunction(this, 'Function', {
      entry: DASHBOARD_FUNCTION_ENTRY,
      description: 'The dashboard behind a Function URL (login, charts, Athena, static files)',
      logRetentionDays: props.logRetentionDays,
      // Data API retries give up after 3 s (the page then shows "waking up"); Athena polls within 20 s.
      timeout: Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      copyFiles: DASHBOARD_FUNCTION_FILES,
      browserBundles: [DASHBOARD_PAGE_BUNDLE],
      environment: {
        ...dashboardEnvironment(props, CLIENT_ADDRESS.lambda),
        ...(props.allowedCidrs?.length ? { DASHBOARD_ALLOWED_CIDRS: props.allowedCidrs.join(',') } : {}),
      },
    });
    grantDashboardRuntime(this.function.role as iam.Role, props);
    acknowledgeFunctionFindings(this.function);
    Validations.of(this.function).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason:
        'The dashboard reaches Aurora through the RDS Data API over HTTPS with IAM, so it needs no VPC, and a VPC ' +
        'would need a NAT gateway or interface endpoints (fixed monthly costs) to reach Athena and Secrets Manager.',
    });

    // NONE: browsers cannot sign requests with SigV4. aws-cdk-lib adds both permissions a public Function URL
    // needs since October 2025 (lambda:InvokeFunctionUrl and lambda:InvokeFunction with InvokedViaFunctionUrl).
    // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    this.functionUrl = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });
    Validations.of(this.functionUrl).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_function_url_auth_check',
      reason:
        'A browser cannot sign requests with SigV4: the dashboard authenticates users itself (password login, ' +
        'signed session cookie), and dashboardAllowedCidrs limits the source addresses before the app runs.',
    });
    for (const permission of ['invoke-function-url', 'invoke-function']) {
      Validations.of(this.function.node.findChild(permission)).acknowledge({
        id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
        reason:
          'The public invoke permissions of a Function URL without IAM auth, scoped to calls through the URL: the ' +
          "dashboard's own login and dashboardAllowedCidrs protect it.",
      });
    }
    this.url = this.functionUrl.url;
  }

  /**
   * Requests to the Function URL that returned 5xx: the app's own 5xx and the function's errors and
   * timeouts. https://docs.aws.amazon.com/lambda/latest/dg/urls-monitoring.html
   */
  metricServerErrors(period: Duration): cloudwatch.IMetric {
    return this.function.metric('Url5xxCount', { statistic: cloudwatch.Stats.SUM, period });
  }
}
