import type { App } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * The policy checks every synth runs over every template, next to the CloudFormation schema
 * validation that aws-cdk-lib runs itself: cdk-nag's AwsSolutions rules, and the AWS Control Tower
 * proactive controls (the cfn-guard rules bundled with `@cdklabs/cdk-validator-cfnguard`, run by the
 * cfn-guard binary it ships). A finding fails the synth unless it is acknowledged with a reason at the
 * narrowest construct (`Validations.of(construct).acknowledge`), as `cdk-validator-cfnguard::<rule>`
 * for a Control Tower control.
 * https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 */
export function addValidationPlugins(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
}
