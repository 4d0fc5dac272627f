import { RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface DefaultSecurityGroupLockdownProps {
  /** ID of the VPC's default security group (`vpc.vpcDefaultSecurityGroup`), which loses its rules. */
  readonly defaultSecurityGroupId: string;
  /** Days to keep the logs of the function that removes the rules. */
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Removes the two rules every VPC's default security group starts with (all traffic from members of
 * the group, all traffic out), so that a resource put in it by mistake can reach nothing and be
 * reached by nothing. Nothing of the platform uses the default group.
 *
 * It does what `restrictDefaultSecurityGroup` of `ec2.Vpc` does, but as a construct of its own, so
 * that it can live in a different stack from the VPC: a custom resource that fails on the first
 * deploy rolls back its whole stack, and the database stack must never roll back a protected cluster.
 * https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
 */
export class DefaultSecurityGroupLockdown extends Construct {
  constructor(scope: Construct, id: string, props: DefaultSecurityGroupLockdownProps) {
    super(scope, id);
    const groupId = props.defaultSecurityGroupId;
    if (!Token.isUnresolved(groupId) && !/^sg-[0-9a-f]+$/.test(groupId)) {
      throw new Error(
        `${id}: the VPC's default security group "${groupId}" is not a security group ID (sg-...).`,
      );
    }
    const stack = Stack.of(this);
    const groupArn = stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: groupId });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const policy = cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({
        actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
        resources: [groupArn],
      }),
    ]);
    // A rule that is already gone is what we want: the call succeeds on a second run.
    const revoke = (action: string, permission: Record<string, unknown>): cr.AwsSdkCall => ({
      service: 'EC2',
      action,
      parameters: { GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', ...permission }] },
      physicalResourceId: cr.PhysicalResourceId.of(`${groupId}-${action}`),
      ignoreErrorCodesMatching: 'InvalidPermission.NotFound',
    });
    const calls: Array<[string, cr.AwsSdkCall]> = [
      ['RevokeIngress', revoke('revokeSecurityGroupIngress', { UserIdGroupPairs: [{ GroupId: groupId }] })],
      ['RevokeEgress', revoke('revokeSecurityGroupEgress', { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
    ];
    for (const [callId, call] of calls) {
      new cr.AwsCustomResource(this, callId, {
        resourceType: 'Custom::DefaultSecurityGroupLockdown',
        onCreate: call,
        onUpdate: call,
        policy,
        logGroup,
        memorySize: 128,
        installLatestAwsSdk: false,
      });
    }
    // The function is a singleton of the stack that aws-cdk-lib names after the AwsCustomResource
    // provider's UUID: run it on Graviton like every other function of the platform.
    const singleton = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    const fn = singleton?.node.defaultChild;
    if (fn instanceof lambda.CfnFunction) fn.architectures = [lambda.Architecture.ARM_64.name];
    const role = singleton?.node.tryFindChild('ServiceRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "AWSLambdaBasicExecutionRole only lets aws-cdk-lib's AwsCustomResource function write its own logs; its " +
          'EC2 permissions are the two revoke actions on the one security group.',
      });
    }
  }
}
