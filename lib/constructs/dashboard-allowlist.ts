import { Token } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { checkCidr, isIpv6Cidr } from '../cidr';
import { checkWholeNumber } from './prop-checks';

export interface DashboardAllowlistProps {
  /** Name prefix of the web ACL, its IP sets and its metrics. */
  readonly name: string;
  /** ARN of what the web ACL protects: the App Runner service or the Application Load Balancer. */
  readonly resourceArn: string;
  /** Networks allowed through; everything else gets 403 from AWS WAF. Must not be empty. */
  readonly allowedCidrs: readonly string[];
  /**
   * Login attempts (POST /login) one address may make per 5 minutes before AWS WAF blocks its further
   * attempts (at least 10, AWS WAF's lowest limit). @default 100
   */
  readonly loginRequestsPer5Minutes?: number;
}

/** The path of the login form's POST; the rate-based rule counts only those requests. */
export const LOGIN_PATH = '/login';

/**
 * An AWS WAF web ACL in front of the dashboard (App Runner service or load balancer): requests from
 * outside the allowed networks are blocked (one IP set per address family), and an address that posts
 * to the login too often is blocked for a while, before the app's own per-instance limit.
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
 */
export class DashboardAllowlist extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: DashboardAllowlistProps) {
    super(scope, id);
    if (props.allowedCidrs.length === 0) {
      throw new Error(
        `${id}: allowedCidrs is empty; leave dashboardAllowedCidrs unset to run without an allowlist.`,
      );
    }
    for (const cidr of props.allowedCidrs) {
      if (Token.isUnresolved(cidr)) continue;
      const problem = checkCidr(cidr);
      if (problem) throw new Error(`${id}: dashboardAllowedCidrs contains "${cidr}": ${problem}`);
    }
    const loginLimit = props.loginRequestsPer5Minutes ?? 100;
    checkWholeNumber(this.node.path, 'loginRequestsPer5Minutes', loginLimit, {
      min: 10,
      max: 2_000_000_000,
      why: "AWS WAF's rate limits",
    });
    const visibility = (metric: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.name}-${metric}`,
    });

    // Evaluated first: an allowed network that hammers the login is still slowed down.
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'rate-limit-login',
        priority: 0,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: loginLimit,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
            scopeDownStatement: {
              andStatement: {
                statements: [
                  {
                    byteMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      positionalConstraint: 'EXACTLY',
                      searchString: LOGIN_PATH,
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                  {
                    byteMatchStatement: {
                      fieldToMatch: { method: {} },
                      positionalConstraint: 'EXACTLY',
                      searchString: 'POST',
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                ],
              },
            },
          },
        },
        visibilityConfig: visibility('rate-limit-login'),
      },
    ];
    const sets: [string, 'IPV4' | 'IPV6', string[]][] = [
      ['Ipv4', 'IPV4', props.allowedCidrs.filter((c) => !isIpv6Cidr(c))],
      ['Ipv6', 'IPV6', props.allowedCidrs.filter((c) => isIpv6Cidr(c))],
    ];
    for (const [suffix, version, addresses] of sets) {
      if (addresses.length === 0) continue;
      const set = new wafv2.CfnIPSet(this, `Allowed${suffix}`, {
        name: `${props.name}-allowed-${suffix.toLowerCase()}`,
        description: 'Networks allowed to reach the dashboard, from the dashboardAllowedCidrs setting',
        scope: 'REGIONAL',
        ipAddressVersion: version,
        addresses,
      });
      rules.push({
        name: `allow-${suffix.toLowerCase()}`,
        priority: rules.length,
        action: { allow: {} },
        statement: { ipSetReferenceStatement: { arn: set.attrArn } },
        visibilityConfig: visibility(`allow-${suffix.toLowerCase()}`),
      });
    }

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${props.name}-allowlist`,
      description: 'Blocks requests to the dashboard from outside the dashboardAllowedCidrs networks',
      scope: 'REGIONAL',
      defaultAction: { block: {} },
      rules,
      visibilityConfig: visibility('allowlist'),
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.resourceArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
