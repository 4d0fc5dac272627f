import { ArnFormat, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AppConfig } from '../config';

export interface GuardrailsStackProps extends StackProps {
  readonly config: AppConfig;
}

/** Budget notifications: [threshold in percent, ACTUAL or FORECASTED]. */
export const BUDGET_NOTIFICATIONS: ReadonlyArray<readonly [number, 'ACTUAL' | 'FORECASTED']> = [
  [80, 'ACTUAL'],
  [100, 'ACTUAL'],
  [100, 'FORECASTED'],
];

/**
 * Cost and operations guardrails: the alerts topic (every alarm of the platform publishes here,
 * every `alertEmails` address is subscribed) and a monthly cost budget that warns at 80% and 100%
 * of actual spend and at 100% of forecast spend.
 */
export class GuardrailsStack extends Stack {
  public readonly alertsTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: GuardrailsStackProps) {
    super(scope, id, props);
    const { config } = props;

    // Budgets and CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key,
    // so the topic has its own key that grants exactly those two services, for this account only.
    // Each service may use the key and publish only for this account's alarms and budgets (confused deputy):
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    // https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
    const key = new kms.Key(this, 'AlertsKey', {
      description: `Encrypts the ${config.projectName} alerts topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const alarmArns = this.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const budgetArns = this.formatArn({ service: 'budgets', region: '', resource: '*' });
    const publishers = [
      { service: 'budgets.amazonaws.com', sid: 'Budgets', sourceArn: budgetArns },
      { service: 'cloudwatch.amazonaws.com', sid: 'CloudWatchAlarms', sourceArn: alarmArns },
    ];
    const fromThisAccount = (sourceArn: string) => ({
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': sourceArn },
    });
    for (const { service, sid, sourceArn } of publishers) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `AllowPublishFrom${sid}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: fromThisAccount(sourceArn),
        }),
      );
    }
    // Control Tower CT.KMS.PR.3: only AWS services acting for a resource may create grants on the key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );

    // A topic policy replaces SNS's default policy, so every publisher must be named here.
    const topic = new sns.Topic(this, 'AlertsTopic', {
      displayName: `${config.projectName} alerts`,
      masterKey: key,
      enforceSSL: true,
    });
    for (const { service, sid, sourceArn } of publishers) {
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `Allow${sid}ToPublish`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: fromThisAccount(sourceArn),
        }),
      );
    }
    for (const email of config.alertEmails) {
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    this.alertsTopic = topic;

    const budget = new budgets.CfnBudget(this, 'MonthlyBudget', {
      budget: {
        // Budget names are unique per account, not per region: the region keeps two deployments apart.
        budgetName: `${config.projectName}-${this.region}-monthly`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: config.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: BUDGET_NOTIFICATIONS.map(([threshold, notificationType]) => ({
        notification: {
          comparisonOperator: 'GREATER_THAN',
          notificationType,
          threshold,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: topic.topicArn }],
      })),
    });
    // The topic policy must exist before Budgets validates that it may publish.
    budget.node.addDependency(topic);
  }
}
