import { count, usd, type CostLine } from './lines';
import type { CostEstimate } from './model';
import { loadPriceFile } from './prices';
import type { UsageProfile } from './profile';

/** The text `npm run cost` prints: the table, the totals, what keeps Aurora awake, traps and notes. */

/** A logical ID without the CDK's 8-hex hash suffix: `ClusterWriterA91BB273` → `ClusterWriter`. */
export function shortId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}(?:[0-9a-f]{32})?$/, '') || logicalId;
}

function table(rows: readonly string[][], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) =>
          i === r.length - 1
            ? cell
            : rightAligned.has(i)
              ? cell.padStart(widths[i]!)
              : cell.padEnd(widths[i]!),
        )
        .join('  '),
    )
    .join('\n');
}

export function describeProfile(p: UsageProfile): string {
  return (
    `${count(p.eventsPerDay)} events/day in requests of ${count(p.eventsPerRequest)} over ${p.ingestHoursPerDay} h, ` +
    `dashboard open ${p.dashboardHoursPerDay} h/day in ${p.dashboardSessionsPerDay} session(s), ` +
    `${count(p.accessLogLinesPerDay)} access log lines/day in ${count(p.accessLogObjectsPerDay)} objects, ` +
    `Athena ${p.athenaGbScannedPerMonth} GB/month in ${count(p.athenaQueriesPerMonth)} queries, ` +
    `${p.migrationDeploysPerMonth} migration deploy(s)/month, Aurora at ${p.awakeAcu} ACU while awake`
  );
}

/** The two totals, with and without the free tier, in one sentence. */
export function describeTotals(estimate: CostEstimate): string {
  const list = `${usd(estimate.idleMonthlyUsdListPrice)} idle, ${usd(estimate.typicalMonthlyUsdListPrice)} typical`;
  if (!estimate.freeTier.applied) return `At list prices (no free tier): ${list}.`;
  return (
    `With the free tier: ${usd(estimate.idleMonthlyUsd)} idle, ${usd(estimate.typicalMonthlyUsd)} typical; ` +
    `at list prices: ${list}.`
  );
}

/** Lines under half a cent in both columns are summed into one row, so the table shows what matters. */
export function formatEstimate(estimate: CostEstimate): string {
  const read = [...new Set(loadPriceFile().prices.map((p) => p.read))].sort().join(', ');
  const basis = estimate.freeTier.applied
    ? "less AWS's always-free monthly allowances"
    : 'no free tier (--no-free-tier)';
  const out: string[] = [
    `Monthly cost estimate, ${estimate.region}, before tax, list prices read ${read} (cost/prices.json), ${basis}.`,
    'Idle: nobody sends data or opens the dashboard. Typical: ' + describeProfile(estimate.profile) + '.',
    '',
  ];
  const shown = (l: Pick<CostLine, 'idleMonthlyUsd' | 'typicalMonthlyUsd'>) =>
    Math.abs(l.idleMonthlyUsd) >= 0.005 || Math.abs(l.typicalMonthlyUsd) >= 0.005;
  const small = estimate.lines.filter((l) => !shown(l));
  const rows = [['Stack', 'Resource', 'Item', 'Idle $/month', 'Typical $/month', 'Assumption']];
  for (const l of estimate.lines.filter(shown)) {
    rows.push([
      l.stack,
      shortId(l.resource),
      l.item,
      usd(l.idleMonthlyUsd),
      usd(l.typicalMonthlyUsd),
      l.assumption,
    ]);
  }
  if (small.length > 0) {
    rows.push([
      '',
      `${small.length} more lines`,
      'each under half a cent',
      usd(small.reduce((s, l) => s + l.idleMonthlyUsd, 0)),
      usd(small.reduce((s, l) => s + l.typicalMonthlyUsd, 0)),
      'Listed one by one in --json.',
    ]);
  }
  if (estimate.freeTier.applied) {
    rows.push([
      'Total at list prices',
      '',
      '',
      usd(estimate.idleMonthlyUsdListPrice),
      usd(estimate.typicalMonthlyUsdListPrice),
      '',
    ]);
    for (const c of estimate.freeTier.credits.filter(
      (c) => c.idleMonthlyUsd !== 0 || c.typicalMonthlyUsd !== 0,
    )) {
      rows.push([
        'Free tier',
        c.allowance,
        c.description,
        usd(c.idleMonthlyUsd),
        usd(c.typicalMonthlyUsd),
        c.assumption,
      ]);
    }
  }
  rows.push(['Total', '', '', usd(estimate.idleMonthlyUsd), usd(estimate.typicalMonthlyUsd), '']);
  out.push(table(rows, new Set([3, 4])), '', describeTotals(estimate), '');

  const stacks = [...new Set(estimate.lines.map((l) => l.stack))];
  out.push(
    'By stack (idle / typical): ' +
      stacks
        .map((s) => {
          const ls = estimate.lines.filter((l) => l.stack === s);
          return `${s} ${usd(ls.reduce((a, l) => a + l.idleMonthlyUsd, 0))} / ${usd(ls.reduce((a, l) => a + l.typicalMonthlyUsd, 0))}`;
        })
        .join(', '),
    '',
  );

  out.push('What keeps Aurora awake, idle:', ...estimate.awake.idle.reasoning.map((r) => `  ${r}`));
  out.push('What keeps Aurora awake, typical:', ...estimate.awake.typical.reasoning.map((r) => `  ${r}`), '');

  const reasons = new Map<string, string[]>();
  for (const f of estimate.free) reasons.set(f.reason, [...(reasons.get(f.reason) ?? []), f.type]);
  out.push(`No charge of their own (${estimate.free.length} resources):`);
  for (const [reason, types] of reasons) {
    const counts = [...new Set(types)].map((t) => `${t} ×${types.filter((x) => x === t).length}`).join(', ');
    out.push(`  ${counts}: ${reason}`);
  }
  out.push('');

  if (estimate.traps.length > 0) {
    out.push('Cost traps (also warned at cdk synth):', ...estimate.traps.map((t) => `  ! ${t.message}`), '');
  }
  if (estimate.unclassified.length > 0) {
    out.push(
      'NOT PRICED: resource types the model neither prices nor lists as free; add them to cost/resource-types.ts:',
      ...estimate.unclassified.map((u) => `  ${u.stack}/${u.resource} (${u.type})`),
      '',
    );
  }
  for (const p of estimate.unconfirmedPrices)
    out.push(`Note: ${p.key} ($${p.usd} per ${p.unit}): ${p.unconfirmed}`);
  const unseen = estimate.freeTier.credits.filter((c) => !shown(c)).map((c) => c.description);
  out.push(
    estimate.freeTier.applied
      ? `Free tier: AWS's always-free monthly allowances are taken off the total; this ${estimate.freeTier.assumption}; ` +
          '--no-free-tier shows list prices. 12-month and trial offers are never applied.' +
          (unseen.length > 0 ? ` Also applied, under half a cent each: ${unseen.join('; ')}.` : '')
      : "No free tier is applied (--no-free-tier); without the flag, AWS's always-free monthly allowances are taken off.",
    'Data transfer out to the internet (dashboard pages) is not estimated.',
  );
  return out.join('\n');
}
