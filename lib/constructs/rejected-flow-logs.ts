import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The `flowLogs` of a platform VPC: rejected traffic only, into a log group of its own (created in
 * `scope` as `logGroupId`) with a retention, removed with the VPC. What the network refused is on
 * record; accepted traffic is not logged, so a quiet VPC writes nothing.
 */
export function rejectedFlowLogs(
  scope: Construct,
  logGroupId: string,
  retention: logs.RetentionDays,
): Record<string, ec2.FlowLogOptions> {
  return {
    Rejected: {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(scope, logGroupId, { retention, removalPolicy: RemovalPolicy.DESTROY }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    },
  };
}
