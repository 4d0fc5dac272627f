import { count, fixedLine, line, meteredLine, usd, type CostLine, type PricingContext } from '../lines';
import { isConstruct, numberProp, type Located } from '../templates';
import { DAYS_PER_MONTH, HOURS_PER_MONTH, TB } from '../units';

/**
 * Managed services billed per request or per month: SQS and the Lambda poller on it, EventBridge
 * Scheduler, CloudWatch alarms, KMS, Secrets Manager, SNS, AWS Budgets, AWS WAF and Athena.
 */

/**
 * Lambda pollers of an SQS event source while the queue is empty. Lambda long-polls with five
 * pollers and can scale down to two at low traffic, but not when maximum concurrency is set
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
 */
export function idlePollers(mapping: Located): number {
  const max = numberProp(
    (mapping.resource.Properties?.ScalingConfig as { MaximumConcurrency?: unknown } | undefined)
      ?.MaximumConcurrency,
  );
  return max === undefined ? 2 : 5;
}
/** Seconds each long poll waits on an empty queue (the SQS maximum, 20 s). */
export const LONG_POLL_SECONDS = 20;

export function priceEventSourceMapping(mapping: Located, ctx: PricingContext): CostLine[] {
  const pollers = idlePollers(mapping);
  const perMonth = pollers * (3600 / LONG_POLL_SECONDS) * HOURS_PER_MONTH;
  return [
    meteredLine(
      mapping,
      'SQS polls by Lambda',
      [{ price: 'sqs.standardRequestsPerMillion', quantity: () => perMonth / 1e6 }],
      ctx,
      `${pollers} pollers (maximum concurrency is ${pollers === 5 ? 'set, so Lambda keeps five' : 'unset: two'}) × ` +
        `one ${LONG_POLL_SECONDS}-s long poll each = ${count(perMonth)} ReceiveMessage requests a month, empty queue or not.`,
    ),
  ];
}

export function priceQueue(queue: Located, ctx: PricingContext): CostLine[] {
  if (isConstruct(queue.logicalId, 'LoaderDeadLetterQueue')) {
    return [
      fixedLine(
        queue,
        'requests',
        0,
        'Receives only messages that fail every retry; the alarm, not polling, watches it.',
      ),
    ];
  }
  return [
    meteredLine(
      queue,
      'requests',
      [{ price: 'sqs.standardRequestsPerMillion', quantity: (u) => (u.loaderObjects * 2) / 1e6 }],
      ctx,
      'One SendMessage (by EventBridge) and one DeleteMessage per object loaded; receives are in the poller line.',
    ),
  ];
}

export function priceSchedule(schedule: Located, ctx: PricingContext): CostLine[] {
  const enabled = schedule.resource.Properties?.State !== 'DISABLED';
  const price = ctx.prices.usd('scheduler.invocationsPerMillion') / 1e6;
  return [
    line(
      schedule,
      'invocations',
      (u) => u.generatorRuns * price,
      ctx,
      enabled
        ? `${count(ctx.idle.generatorRuns)} runs a month (${String(schedule.resource.Properties?.ScheduleExpression)}).`
        : 'Disabled: no invocations.',
    ),
  ];
}

export function priceAlarm(alarm: Located, ctx: PricingContext): CostLine[] {
  const metrics = Array.isArray(alarm.resource.Properties?.Metrics)
    ? (alarm.resource.Properties.Metrics as unknown[]).length
    : 1;
  const price = ctx.prices.usd('cloudwatch.alarmMonth');
  return [
    meteredLine(
      alarm,
      'alarm metrics',
      [{ price: 'cloudwatch.alarmMonth', quantity: () => metrics }],
      ctx,
      `${metrics} standard-resolution alarm metric(s) × ${usd(price)}/month.`,
    ),
  ];
}

export function priceKey(key: Located, ctx: PricingContext): CostLine[] {
  const rotates = key.resource.Properties?.EnableKeyRotation === true;
  const price = ctx.prices.usd('kms.keyMonth');
  return [
    line(
      key,
      'key',
      (u) => price * (1 + (rotates ? Math.min(2, Math.floor(u.profile.kmsKeyAgeYears)) : 0)),
      ctx,
      rotates
        ? `${usd(price)}/month, plus ${usd(price)} after each of the first two yearly rotations (year ${Math.floor(ctx.typical.profile.kmsKeyAgeYears) + 1} shown: ` +
            '--kms-key-age-years). Requests (encrypted alarm notifications) are negligible.'
        : `${usd(price)}/month; requests are negligible.`,
    ),
  ];
}

export function priceSecret(secret: Located, ctx: PricingContext): CostLine[] {
  const price = ctx.prices.usd('secretsManager.secretMonth');
  return [
    fixedLine(
      secret,
      'secret',
      price,
      `${usd(price)}/month; reads (at dashboard start and function cold starts) are negligible.`,
    ),
  ];
}

export function priceTopic(topic: Located, ctx: PricingContext): CostLine[] {
  return [
    fixedLine(
      topic,
      'publishes',
      0,
      `Alarms and budget alerts only, a handful a month at ${usd(ctx.prices.usd('sns.publishPerMillion'))}/million: negligible.`,
    ),
  ];
}

export function priceSubscription(subscription: Located, ctx: PricingContext): CostLine[] {
  return [
    fixedLine(
      subscription,
      'email notifications',
      0,
      `A handful of alert emails a month at ${usd(ctx.prices.usd('sns.emailPer100k'))}/100,000: negligible.`,
    ),
  ];
}

export function priceBudget(budget: Located, ctx: PricingContext): CostLine[] {
  const price = ctx.prices.usd('budgets.budgetDay');
  return [
    fixedLine(
      budget,
      'budget',
      price * DAYS_PER_MONTH,
      `A budget without actions: ${usd(price)} per budget-day (AWS Price List).`,
    ),
  ];
}

export function priceWebAcl(acl: Located, ctx: PricingContext): CostLine[] {
  const p = ctx.prices;
  const rules = Array.isArray(acl.resource.Properties?.Rules)
    ? (acl.resource.Properties.Rules as unknown[]).length
    : 0;
  const fixed = p.usd('waf.webAclMonth') + rules * p.usd('waf.ruleMonth');
  return [
    line(
      acl,
      'web ACL, rules and requests',
      (u) => fixed + (u.dashboardRequests / 1e6) * p.usd('waf.requestsPerMillion'),
      ctx,
      `${usd(p.usd('waf.webAclMonth'))} for the web ACL + ${rules} rule(s) × ${usd(p.usd('waf.ruleMonth'))}, fixed; ` +
        `plus ${usd(p.usd('waf.requestsPerMillion'))}/million dashboard requests inspected.`,
    ),
  ];
}

export function priceWorkgroup(workgroup: Located, ctx: PricingContext): CostLine[] {
  const price = ctx.prices.usd('athena.perTb');
  return [
    line(
      workgroup,
      'data scanned',
      (u) => (u.athenaBilledBytes / TB) * price,
      ctx,
      `${ctx.typical.profile.athenaGbScannedPerMonth} GB scanned in ${ctx.typical.athenaQueries} queries typical ` +
        `(at least 10 MB billed per query) × ${usd(price)}/TB.`,
    ),
  ];
}
