/**
 * The monthly cost change a pull request makes: per stack, idle and typical, before and after, with
 * the priced lines that change. The estimate itself comes from a cost model over the templates; this
 * file only compares two estimates and prints the difference, so any model that can price a set of
 * templates plugs in at `costDeltaOf`.
 */
import type { StackComparison, Template } from './diff-compare';

/** A monthly figure in US dollars: idle (nobody uses the platform) and typical (the usage profile). */
export interface MonthlyCost {
  readonly idleUsd: number;
  readonly typicalUsd: number;
}

/** One priced item of a stack, as the cost model lists it. */
export interface CostLine extends MonthlyCost {
  /** Identifies the line across the two estimates, e.g. `DashboardWaf/web-acl`. */
  readonly key: string;
  /** What a reader sees, e.g. "WAF web ACL (DashboardWaf)". */
  readonly label: string;
}

/** A stack's estimate: its total and the lines it is made of. */
export interface StackCost extends MonthlyCost {
  readonly lines: readonly CostLine[];
}

export interface CostLineDelta {
  readonly label: string;
  /** Undefined: the line is new. */
  readonly before?: MonthlyCost;
  /** Undefined: the line is gone. */
  readonly after?: MonthlyCost;
}

export interface StackCostDelta {
  readonly stack: string;
  /** Undefined: the stack is new. */
  readonly before?: MonthlyCost;
  /** Undefined: the stack left the app. */
  readonly after?: MonthlyCost;
  /** The lines that are new, gone, or priced differently. */
  readonly lines: readonly CostLineDelta[];
}

/** The input the summary renders: every stack whose estimate changes, and the totals. */
export interface CostDelta {
  readonly stacks: readonly StackCostDelta[];
  readonly before: MonthlyCost;
  readonly after: MonthlyCost;
  /** The assumptions behind the figures (region, usage profile), shown under the table. */
  readonly basis?: string;
}

/** Prices the templates of the app: stack name -> its estimate. */
export type CostEstimator = (templates: ReadonlyMap<string, Template>) => ReadonlyMap<string, StackCost>;

/**
 * Where the estimate is computed: the app before and after the change, each priced as a whole (a
 * stack's cost can depend on another, e.g. a schedule that keeps the database awake).
 */
export function costDeltaOf(
  stacks: readonly StackComparison[],
  estimate: CostEstimator,
  basis?: string,
): CostDelta {
  const templates = (side: 'before' | 'after') =>
    new Map(stacks.flatMap((s) => (s[side] ? [[s.stackName, s[side]] as const] : [])));
  return costDelta(estimate(templates('before')), estimate(templates('after')), basis);
}

/** Half a cent: figures closer than this are the same when printed. */
const SAME = 0.005;
/** Whether two figures differ; a missing one (a new or removed stack or line) counts as $0. */
const differs = (a: MonthlyCost | undefined, b: MonthlyCost | undefined) =>
  Math.abs((a?.idleUsd ?? 0) - (b?.idleUsd ?? 0)) >= SAME ||
  Math.abs((a?.typicalUsd ?? 0) - (b?.typicalUsd ?? 0)) >= SAME;

/** Compares two estimates, stack by stack and line by line. */
export function costDelta(
  before: ReadonlyMap<string, StackCost>,
  after: ReadonlyMap<string, StackCost>,
  basis?: string,
): CostDelta {
  const names = [...new Set([...before.keys(), ...after.keys()])];
  const stacks: StackCostDelta[] = [];
  for (const stack of names) {
    const was = before.get(stack);
    const will = after.get(stack);
    const oldLines = new Map((was?.lines ?? []).map((l) => [l.key, l]));
    const newLines = new Map((will?.lines ?? []).map((l) => [l.key, l]));
    const lines: CostLineDelta[] = [];
    for (const key of new Set([...oldLines.keys(), ...newLines.keys()])) {
      const o = oldLines.get(key);
      const n = newLines.get(key);
      if (!differs(o, n)) continue;
      lines.push({ label: (n ?? o)!.label, before: figures(o), after: figures(n) });
    }
    if (lines.length === 0 && !differs(was, will)) continue;
    stacks.push({ stack, before: figures(was), after: figures(will), lines });
  }
  const total = (estimate: ReadonlyMap<string, StackCost>): MonthlyCost => ({
    idleUsd: sum([...estimate.values()].map((s) => s.idleUsd)),
    typicalUsd: sum([...estimate.values()].map((s) => s.typicalUsd)),
  });
  return { stacks, before: total(before), after: total(after), basis };
}

const figures = (cost: MonthlyCost | undefined): MonthlyCost | undefined =>
  cost && { idleUsd: cost.idleUsd, typicalUsd: cost.typicalUsd };
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

const usd = (value: number) => `$${value.toFixed(2)}`;
const signed = (value: number) =>
  Math.abs(value) < SAME ? '±$0.00' : `${value > 0 ? '+' : '-'}${usd(Math.abs(value))}`;
const change = (before: MonthlyCost | undefined, after: MonthlyCost | undefined) => ({
  idle: (after?.idleUsd ?? 0) - (before?.idleUsd ?? 0),
  typical: (after?.typicalUsd ?? 0) - (before?.typicalUsd ?? 0),
});
const pair = (cost: MonthlyCost | undefined) =>
  cost ? `${usd(cost.idleUsd)} / ${usd(cost.typicalUsd)}` : 'none';

function lineText(line: CostLineDelta): string {
  const d = change(line.before, line.after);
  const marker = !line.before ? '+' : !line.after ? '-' : '~';
  return `${marker} ${line.label}: ${pair(line.before)} -> ${pair(line.after)} (${signed(d.idle)} idle, ${signed(d.typical)} typical)`;
}

/** The cost change as terminal lines. */
export function formatCostText(delta: CostDelta): string[] {
  const total = change(delta.before, delta.after);
  const out = [
    `Monthly cost (idle / typical): ${pair(delta.before)} -> ${pair(delta.after)} ` +
      `(${signed(total.idle)} idle, ${signed(total.typical)} typical)`,
  ];
  if (delta.stacks.length === 0) out.push('  no stack changes cost');
  for (const stack of delta.stacks) {
    const d = change(stack.before, stack.after);
    out.push(
      `  ${stack.stack}: ${pair(stack.before)} -> ${pair(stack.after)} (${signed(d.idle)} idle, ${signed(d.typical)} typical)`,
    );
    for (const line of stack.lines) out.push(`    ${lineText(line)}`);
  }
  if (delta.basis) out.push(`  ${delta.basis}`);
  return out;
}

/** The cost change as comment Markdown: one row per stack, the changed lines folded. */
export function formatCostMarkdown(delta: CostDelta, escape: (text: string) => string): string[] {
  const total = change(delta.before, delta.after);
  const out = [
    `**Monthly cost**: idle ${usd(delta.before.idleUsd)} → ${usd(delta.after.idleUsd)} (**${signed(total.idle)}**), ` +
      `typical ${usd(delta.before.typicalUsd)} → ${usd(delta.after.typicalUsd)} (**${signed(total.typical)}**)` +
      (delta.basis ? `. ${escape(delta.basis)}` : ''),
    '',
  ];
  if (delta.stacks.length === 0) return [...out, 'No stack changes its estimate.', ''];
  out.push(
    '| Stack | Idle before | Idle after | Idle change | Typical before | Typical after | Typical change |',
  );
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const cell = (cost: MonthlyCost | undefined, key: keyof MonthlyCost) => (cost ? usd(cost[key]) : '–');
  for (const stack of delta.stacks) {
    const d = change(stack.before, stack.after);
    out.push(
      `| \`${stack.stack}\` | ${cell(stack.before, 'idleUsd')} | ${cell(stack.after, 'idleUsd')} | ${signed(d.idle)} ` +
        `| ${cell(stack.before, 'typicalUsd')} | ${cell(stack.after, 'typicalUsd')} | ${signed(d.typical)} |`,
    );
  }
  out.push('');
  const lines = delta.stacks.flatMap((s) => s.lines.map((l) => `- \`${s.stack}\` ${escape(lineText(l))}`));
  if (lines.length > 0) {
    out.push(
      `<details><summary>Cost lines that change (${lines.length})</summary>`,
      '',
      ...lines,
      '',
      '</details>',
      '',
    );
  }
  return out;
}
