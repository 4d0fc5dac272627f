import { describe, expect, test } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/synth';

describe('Guardrails stack', () => {
  const guardrails = synthApp({ alertEmails: 'a@example.com,b@example.com', monthlyBudgetUsd: '75' })
    .templates.Guardrails;

  test('every alert email is subscribed to the encrypted alerts topic', () => {
    guardrails.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const subs = Object.values(guardrails.findResources('AWS::SNS::Subscription'));
    expect(subs.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([
      ['email', 'a@example.com'],
      ['email', 'b@example.com'],
    ]);
  });

  test('a monthly cost budget with 80% and 100% actual and 100% forecast notifications to the topic', () => {
    guardrails.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 75, Unit: 'USD' } },
      NotificationsWithSubscribers: [80, 100, 100].map((threshold, i) => ({
        Notification: {
          ComparisonOperator: 'GREATER_THAN',
          NotificationType: i === 2 ? 'FORECASTED' : 'ACTUAL',
          Threshold: threshold,
          ThresholdType: 'PERCENTAGE',
        },
        Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('^AlertsTopic') } }],
      })),
    });
  });

  test('the budget name is unique in the account: it names the region, so one projectName can run in two regions', () => {
    const budget = Object.values(guardrails.findResources('AWS::Budgets::Budget'))[0]!;
    expect(JSON.stringify(budget.Properties.Budget.BudgetName)).toContain('AWS::Region');
  });

  test('Budgets and CloudWatch alarms may publish to the topic and use its key, from this account only', () => {
    guardrails.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([
                      Match.stringLikeRegexp(':cloudwatch:'),
                      Match.stringLikeRegexp(':alarm:\\*$'),
                    ]),
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    const key = Object.values(guardrails.findResources('AWS::KMS::Key'))[0];
    const services = key.Properties.KeyPolicy.Statement.filter(
      (s: { Principal?: { Service?: string } }) => s.Principal?.Service,
    ).map((s: { Principal: { Service: string } }) => s.Principal.Service);
    expect(services.sort()).toEqual(['budgets.amazonaws.com', 'cloudwatch.amazonaws.com']);
    expect(key.Properties.EnableKeyRotation).toBe(true);
  });
});
