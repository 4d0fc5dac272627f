import type { TemplateResource } from '../../cost/templates';
import { loadPriceFile } from '../../cost/prices';

/**
 * Small hand-written templates for the cost tests, among them the dashboard hostings the app does
 * not synthesize yet (Lambda behind a Function URL, ECS Express Mode), written as the CloudFormation
 * resource types those hostings create.
 */

type Resources = Record<string, TemplateResource>;

/** US dollars per unit of a price, straight from cost/prices.json (us-east-1). */
export function price(key: string): number {
  const entry = loadPriceFile().prices.find((p) => p.key === key && p.region === 'us-east-1');
  if (!entry) throw new Error(`cost/prices.json has no us-east-1 price ${key}`);
  return entry.usd;
}

/** Free units a month of an always-free allowance, straight from cost/prices.json, in its prices' unit. */
export function allowance(key: string): number {
  const entry = loadPriceFile().freeTier?.find((a) => a.key === key);
  if (!entry) throw new Error(`cost/prices.json has no free-tier allowance ${key}`);
  return entry.freeUnits;
}

/** The dashboard on App Runner, as the app synthesizes it today: 0.25 vCPU, 0.5 GB, one instance minimum. */
export function appRunnerDashboard(): Resources {
  return {
    DashboardAutoScaling8430AAD8: {
      Type: 'AWS::AppRunner::AutoScalingConfiguration',
      Properties: { MaxSize: 2, MinSize: 1, MaxConcurrency: 50 },
    },
    DashboardServiceFB1A6A43: {
      Type: 'AWS::AppRunner::Service',
      Properties: {
        AutoScalingConfigurationArn: {
          'Fn::GetAtt': ['DashboardAutoScaling8430AAD8', 'AutoScalingConfigurationArn'],
        },
        InstanceConfiguration: { Cpu: '0.25 vCPU', Memory: '0.5 GB' },
      },
    },
  };
}

/** The dashboard on Lambda behind a Function URL: a 512 MB arm64 function. */
export function lambdaDashboard(): Resources {
  return {
    DashboardFunction1234ABCD: {
      Type: 'AWS::Lambda::Function',
      Properties: { MemorySize: 512, Architectures: ['arm64'], Handler: 'index.handler' },
    },
    DashboardFunctionUrl5678ABCD: {
      Type: 'AWS::Lambda::Url',
      Properties: {
        AuthType: 'NONE',
        TargetFunctionArn: { 'Fn::GetAtt': ['DashboardFunction1234ABCD', 'Arn'] },
      },
    },
    DashboardFunctionInvokeAAAA1111: { Type: 'AWS::Lambda::Permission', Properties: {} },
  };
}

/** The dashboard on ECS Express Mode: one 0.25 vCPU / 0.5 GB task minimum. */
export function expressDashboard(): Resources {
  return {
    DashboardExpress9ABC1234: {
      Type: 'AWS::ECS::ExpressGatewayService',
      Properties: { Cpu: '256', Memory: '512', ScalingTarget: { MinTaskCount: 1, MaxTaskCount: 2 } },
    },
    DashboardTaskRoleAAAA2222: { Type: 'AWS::IAM::Role', Properties: {} },
  };
}

/** An AWS WAF allowlist with one IPv4 rule, as `dashboardAllowedCidrs` creates it. */
export function wafAllowlist(): Resources {
  return {
    AllowlistAllowedIpv4B0B0B0B0: {
      Type: 'AWS::WAFv2::IPSet',
      Properties: { Addresses: ['203.0.113.0/24'] },
    },
    AllowlistWebAcl1F51AF1C: {
      Type: 'AWS::WAFv2::WebACL',
      Properties: { DefaultAction: { Block: {} }, Rules: [{ Name: 'allow-ipv4', Priority: 0 }] },
    },
    AllowlistAssociationC0C0C0C0: { Type: 'AWS::WAFv2::WebACLAssociation', Properties: {} },
  };
}
