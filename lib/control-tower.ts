/**
 * Decisions against AWS Control Tower proactive controls that hold for the whole platform, applied
 * to each resource they concern (the narrowest construct) with the reason. Every other finding is
 * fixed, or acknowledged next to the resource it concerns.
 * https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 */
import { type IAspect, Token, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/** The acknowledgement ID of a Control Tower control run by `@cdklabs/cdk-validator-cfnguard`. */
export const controlTower = (rule: string) => `cdk-validator-cfnguard::${rule}`;

/** Acknowledges Control Tower `rules` on `scope` with one reason. */
export function acknowledgeControlTower(scope: IConstruct, rules: readonly string[], reason: string): void {
  for (const rule of rules) Validations.of(scope).acknowledge({ id: controlTower(rule), reason });
}

/**
 * Log groups and functions, as the design decides for all of them:
 * - functions run outside any VPC (CT.LAMBDA.PR.3): they reach Aurora through the RDS Data API over
 *   HTTPS with IAM, and every other service through its public endpoint; a VPC would need a NAT
 *   gateway or interface endpoints, fixed monthly costs the platform avoids;
 * - log groups keep `logRetentionDays` (CT.CLOUDWATCH.PR.2 asks for a year) and use CloudWatch Logs'
 *   own encryption, not a KMS key (CT.CLOUDWATCH.PR.3): a customer managed key costs $1 a month and
 *   per request, for logs that hold no user data.
 */
export class PlatformControlTowerDecisions implements IAspect {
  constructor(private readonly logRetentionDays: number) {}

  visit(node: IConstruct): void {
    if (node instanceof lambda.CfnFunction && node.vpcConfig === undefined) {
      acknowledgeControlTower(
        node,
        ['lambda_inside_vpc_check'],
        'Functions reach Aurora through the RDS Data API (HTTPS, IAM) and other services through their public ' +
          'endpoints; a VPC would need a NAT gateway or interface endpoints, fixed costs the platform avoids.',
      );
    }
    if (node instanceof logs.CfnLogGroup) {
      const days = node.retentionInDays;
      if (days !== undefined && !Token.isUnresolved(days) && days < 365 && days === this.logRetentionDays) {
        acknowledgeControlTower(
          node,
          ['cloudwatch_log_group_retention_period_check'],
          `Kept for logRetentionDays (${days} days), the platform's setting for operational logs; set it to 365 or ` +
            'more where a year of logs is required.',
        );
      }
      if (node.kmsKeyId === undefined) {
        acknowledgeControlTower(
          node,
          ['cloudwatch_log_group_encrypted_check'],
          'CloudWatch Logs encrypts every log group at rest with its own keys; a customer managed KMS key would add ' +
            'a monthly and per-request cost for operational logs that hold no user data.',
        );
      }
    }
  }
}
