import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { checkCidr, isIpv6Cidr } from '../cidr';

export interface DashboardAllowlistProps {
  /** Name prefix of the web ACL and its IP sets. */
  readonly name: string;
  /** ARN of the App Runner service to protect. */
  readonly serviceArn: string;
  /** Networks allowed through; everything else gets 403 from AWS WAF. Must not be empty. */
  readonly allowedCidrs: readonly string[];
}

/**
 * An AWS WAF web ACL on the App Runner service that blocks every request whose source address is
 * not in the allowed networks (one IP set per address family), in front of the login.
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
      const problem = checkCidr(cidr);
      if (problem) throw new Error(`${id}: dashboardAllowedCidrs contains "${cidr}": ${problem}`);
    }
    const v4 = props.allowedCidrs.filter((c) => !isIpv6Cidr(c));
    const v6 = props.allowedCidrs.filter((c) => isIpv6Cidr(c));

    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const sets: [string, 'IPV4' | 'IPV6', string[]][] = [
      ['Ipv4', 'IPV4', v4],
      ['Ipv6', 'IPV6', v6],
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
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          sampledRequestsEnabled: true,
          metricName: `${props.name}-allow-${suffix.toLowerCase()}`,
        },
      });
    }

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${props.name}-allowlist`,
      description: 'Blocks requests to the dashboard from outside the dashboardAllowedCidrs networks',
      scope: 'REGIONAL',
      defaultAction: { block: {} },
      rules,
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: `${props.name}-allowlist`,
      },
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.serviceArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
