import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
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
    // so the topic has its own key that grants exactly those two services.
    const key = new kms.Key(this, 'AlertsKey', {
      description: `Encrypts the ${config.projectName} alerts topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const service of ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `AllowPublishFrom${service.split('.')[0]}`,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    const topic = new sns.Topic(this, 'AlertsTopic', {
      displayName: `${config.projectName} alerts`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    for (const email of config.alertEmails) {
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    this.alertsTopic = topic;

    const budget = new budgets.CfnBudget(this, 'MonthlyBudget', {
      budget: {
        budgetName: `${config.projectName}-monthly`,
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
