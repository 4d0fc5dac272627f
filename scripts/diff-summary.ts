/**
 * The review of a change, built from the CDK's diff data (never from `cdk diff`'s printed text):
 * stacks changed; resources added, changed, replaced and removed; first, the changes that lose data;
 * the security changes to look at; the stacks that must be redeployed because an output they read
 * changes; and, when an estimate is given, the monthly cost change. `npm run diff` prints it and the
 * pull-request comment (diff-comment.ts) shows it.
 *
 * Pure functions only: no process, file or network access, so every rule is tested on template
 * pairs (test/scripts/).
 */
import type { CostDelta } from './diff-cost';
import { formatCostText } from './diff-cost';
import type { StackComparison, StackStatus } from './diff-compare';
import {
  reviewStack,
  type DestructiveChange,
  type DestructiveKind,
  type SecurityChange,
  type StackReview,
} from './diff-classify';
import { findStaleReaders, type StaleReader } from './diff-references';

export { STATEFUL_TYPES } from './diff-classify';

/** The label that lets a pull request with destructive changes pass the check. */
export const ALLOW_DESTRUCTIVE_LABEL = 'allow-destructive-changes';

/** Hidden marker by which the workflow finds its previous comment and updates it in place. */
export const COMMENT_MARKER = '<!-- cdk-diff-summary -->';

export interface StackSummary {
  /** The CloudFormation stack name. */
  readonly stack: string;
  /** The stack's ID in the app. */
  readonly id: string;
  readonly status: StackStatus;
  readonly added: number;
  /** Updated in place. */
  readonly changed: number;
  /** Replaced, or possibly replaced. */
  readonly replaced: number;
  /** Destroyed or orphaned. */
  readonly removed: number;
  readonly iamChanges: number;
  readonly securityGroupChanges: number;
}

export type Totals = Omit<StackSummary, 'stack' | 'id' | 'status'> & { readonly stacksChanged: number };

export interface DiffSummary {
  /** What the app was compared with, e.g. "the deployed stacks" or "origin/main (abc1234)". */
  readonly comparedWith: string;
  readonly stacks: readonly StackSummary[];
  /** Destructive changes to stateful resources, most severe first. */
  readonly destructive: readonly DestructiveChange[];
  /** IAM statements, managed policies and security group rules added or removed. */
  readonly security: readonly SecurityChange[];
  /** Stacks that read an output this change alters, with what to do. */
  readonly staleReaders: readonly StaleReader[];
  /** The monthly cost change, when it was estimated. */
  readonly cost?: CostDelta;
  readonly totals: Totals;
}

/** A comparison that found no stacks at all: an error, never "no changes". */
export class NothingToCompareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingToCompareError';
  }
}

const SEVERITY: Record<DestructiveKind, number> = {
  remove: 0,
  replace: 1,
  rename: 2,
  orphan: 3,
  'stack-removed': 4,
  'may-replace': 5,
};

export function summarize(
  stacks: readonly StackComparison[],
  options: { readonly comparedWith: string; readonly cost?: CostDelta },
): DiffSummary {
  if (stacks.length === 0) {
    throw new NothingToCompareError(
      `No stacks to compare with ${options.comparedWith}: the app synthesized no stack. ` +
        'Check that cdk.json names the app (npm run synth lists its stacks).',
    );
  }
  const reviews = stacks.map(reviewStack);
  const destructive = reviews
    .flatMap((r) => r.destructive)
    .sort(
      (a, b) =>
        SEVERITY[a.kind] - SEVERITY[b.kind] ||
        a.stack.localeCompare(b.stack) ||
        a.logicalId.localeCompare(b.logicalId),
    );
  const summaries = reviews.map(stackSummary);
  const sum = (key: keyof Omit<Totals, 'stacksChanged'>) => summaries.reduce((n, s) => n + s[key], 0);
  return {
    comparedWith: options.comparedWith,
    stacks: summaries,
    destructive,
    security: reviews.flatMap((r) => r.security),
    staleReaders: findStaleReaders(stacks),
    cost: options.cost,
    totals: {
      stacksChanged: summaries.filter((s) => s.status !== 'unchanged').length,
      added: sum('added'),
      changed: sum('changed'),
      replaced: sum('replaced'),
      removed: sum('removed'),
      iamChanges: sum('iamChanges'),
      securityGroupChanges: sum('securityGroupChanges'),
    },
  };
}

function stackSummary(review: StackReview): StackSummary {
  const count = (...impacts: string[]) => review.resources.filter((r) => impacts.includes(r.impact)).length;
  return {
    stack: review.stack,
    id: review.id,
    status: review.status,
    added: count('create', 'import'),
    changed: count('update'),
    replaced: count('replace', 'may-replace'),
    removed: count('destroy', 'orphan'),
    iamChanges: review.security.filter((c) => c.kind === 'iam-statement' || c.kind === 'managed-policy')
      .length,
    securityGroupChanges: review.security.filter((c) => c.kind === 'ingress' || c.kind === 'egress').length,
  };
}

/** The pull-request rule: destructive changes fail the check unless the label is present. */
export function checkDestructive(
  summary: DiffSummary,
  allowDestructive: boolean,
): { readonly ok: boolean; readonly message: string } {
  const n = summary.destructive.length;
  if (n === 0) return { ok: true, message: 'No destructive changes to stateful resources.' };
  const what = `${n} destructive change${n > 1 ? 's' : ''} to stateful resources`;
  if (allowDestructive) {
    return { ok: true, message: `${what}, accepted by the "${ALLOW_DESTRUCTIVE_LABEL}" label.` };
  }
  return {
    ok: false,
    message:
      `${what}. Check that data loss is intended, then add the label "${ALLOW_DESTRUCTIVE_LABEL}" to the pull ` +
      `request (locally: npm run diff -- --allow-destructive).`,
  };
}

export const KIND_LABEL: Record<DestructiveKind, string> = {
  remove: 'DELETED',
  replace: 'REPLACED',
  rename: 'RENAMED',
  orphan: 'ORPHANED',
  'stack-removed': 'STACK REMOVED',
  'may-replace': 'MAY BE REPLACED',
};

export function resourceName(change: { readonly path?: string; readonly logicalId: string }): string {
  return change.path && change.path !== change.logicalId
    ? `${change.path} (${change.logicalId})`
    : change.logicalId;
}

/** Security changes with something to look at: open to the internet, broad IAM, trust outside the account. */
export function calledOut(summary: DiffSummary): {
  readonly open: readonly SecurityChange[];
  readonly iam: readonly SecurityChange[];
} {
  return {
    open: summary.security.filter((c) => c.findings.includes('open-to-internet')),
    iam: summary.security.filter((c) => c.kind === 'iam-statement' && c.findings.length > 0),
  };
}

export function staleReaderText(reader: StaleReader): string {
  return (
    `${reader.consumer} reads output ${reader.output} of ${reader.producer} (${reader.via}); ` +
    `${reader.why}: ${reader.advice}`
  );
}

/** The summary as terminal text: destructive changes first, then what to look at, then one line per changed stack. */
export function formatSummaryText(
  summary: DiffSummary,
  options: { readonly allowDestructive?: boolean } = {},
): string {
  const out: string[] = [`cdk diff summary, compared with ${summary.comparedWith}`, ''];
  if (summary.destructive.length > 0) {
    out.push(`DESTRUCTIVE CHANGES (${summary.destructive.length}):`);
    for (const change of summary.destructive) {
      out.push(
        `  ${KIND_LABEL[change.kind]}  ${change.stack} ${resourceName(change)} [${change.type}]: ${change.reason}`,
      );
    }
    out.push('');
  }
  const { open, iam } = calledOut(summary);
  if (open.length > 0) {
    out.push(`OPEN TO THE INTERNET (${open.length}):`);
    for (const c of open) out.push(`  ${c.stack}: ${c.text}`);
    out.push('');
  }
  if (iam.length > 0) {
    out.push(`IAM CHANGES TO CHECK (${iam.length}):`);
    for (const c of iam) out.push(`  ${c.stack}: ${c.text}`, `    ${c.notes.join('; ')}`);
    out.push('');
  }
  if (summary.staleReaders.length > 0) {
    out.push(`REDEPLOY READERS OF CHANGED OUTPUTS (${summary.staleReaders.length}):`);
    for (const reader of summary.staleReaders) out.push(`  ${staleReaderText(reader)}`);
    out.push('');
  }
  const t = summary.totals;
  out.push(`Stacks changed: ${t.stacksChanged} of ${summary.stacks.length}`);
  const width = Math.max(5, ...summary.stacks.map((s) => s.stack.length));
  for (const s of summary.stacks) {
    if (s.status === 'unchanged') continue;
    const security = [
      s.iamChanges ? `${s.iamChanges} IAM` : '',
      s.securityGroupChanges ? `${s.securityGroupChanges} security group` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push(
      `  ${s.stack.padEnd(width)}  ${s.status === 'changed' ? '' : `(stack ${s.status}) `}` +
        `${s.added} added, ${s.changed} changed, ${s.replaced} replaced, ${s.removed} removed` +
        (security ? `; ${security} change${s.iamChanges + s.securityGroupChanges > 1 ? 's' : ''}` : ''),
    );
  }
  const unchanged = summary.stacks.filter((s) => s.status === 'unchanged').map((s) => s.stack);
  if (unchanged.length > 0) out.push(`  unchanged: ${unchanged.join(', ')}`);
  out.push(
    `Resources: ${t.added} added, ${t.changed} changed, ${t.replaced} replaced, ${t.removed} removed` +
      `; security: ${t.iamChanges} IAM, ${t.securityGroupChanges} security group changes`,
  );
  if (summary.cost) out.push(...formatCostText(summary.cost));
  out.push(checkDestructive(summary, options.allowDestructive ?? false).message);
  return out.join('\n');
}
