/**
 * The pull-request comment (GitHub Markdown) for a review: what fails the check first, then the
 * per-stack table, what to look at, the cost change, and each stack's diff folded in its own
 * `<details>`. It stays under GitHub's comment limit: diffs that do not fit are shortened or left
 * out with a note naming where the full diff is kept (the workflow artifact).
 */
import { formatCostMarkdown } from './diff-cost';
import {
  COMMENT_MARKER,
  KIND_LABEL,
  calledOut,
  checkDestructive,
  resourceName,
  staleReaderText,
  type DiffSummary,
  type StackSummary,
} from './diff-summary';

/** GitHub rejects comment bodies above 65,536 characters; stay well below. */
export const MAX_COMMENT_CHARS = 60_000;

/** Security changes listed in the comment; the rest are in the per-stack diffs. */
const MAX_SECURITY_LINES = 50;

/** A stack's diff shortened to less than this is not worth showing; it is named as left out instead. */
const MIN_DIFF_CHARS = 400;

export interface CommentOptions {
  /** Each stack's diff text (printed by the CDK's diff library), by CloudFormation stack name. */
  readonly diffs: readonly { readonly stack: string; readonly text: string }[];
  /** Whether the pull request carries the allow label. */
  readonly allowDestructive: boolean;
  /** Where the full diff is kept, e.g. the workflow run and its artifact. */
  readonly fullDiffLocation?: string;
  /** Extra line under the title, e.g. the commit compared. */
  readonly note?: string;
  /** @default MAX_COMMENT_CHARS */
  readonly maxChars?: number;
}

/** The comment body, starting with the marker that finds it again. */
export function formatSummaryMarkdown(summary: DiffSummary, options: CommentOptions): string {
  const head = headOf(summary, options).join('\n') + '\n';
  const maxChars = options.maxChars ?? MAX_COMMENT_CHARS;
  const where = options.fullDiffLocation
    ? ` The full diff is kept as an artifact of ${options.fullDiffLocation}.`
    : ' Run npm run diff to see the full diff.';

  const blocks: string[] = [];
  const leftOut: string[] = [];
  let shortened = false;
  // Room kept for the note about shortened or left-out diffs.
  const noteRoom = 300 + summary.stacks.reduce((n, s) => n + s.stack.length + 4, 0) + where.length;
  let room = maxChars - head.length - noteRoom;
  for (const stack of summary.stacks) {
    if (stack.status === 'unchanged') continue;
    const text = options.diffs.find((d) => d.stack === stack.stack)?.text.trimEnd() ?? '';
    const whole = diffBlock(stack, text);
    if (whole.length <= room) {
      blocks.push(whole);
      room -= whole.length;
      continue;
    }
    const kept = truncateLines(text, room - diffBlock(stack, '').length - 80);
    if (kept.length >= MIN_DIFF_CHARS) {
      const omitted = text.split('\n').length - kept.split('\n').length;
      const block = diffBlock(stack, `${kept}\n... (${omitted} more lines)`);
      blocks.push(block);
      room -= block.length;
      shortened = true;
    } else {
      leftOut.push(stack.stack);
    }
  }
  const notes: string[] = [];
  if (shortened) notes.push('A diff too long for a comment is shortened.');
  if (leftOut.length > 0) notes.push(`Left out for length: ${leftOut.map((s) => `\`${s}\``).join(', ')}.`);
  const note = notes.length > 0 ? `> [!NOTE]\n> ${notes.join(' ')}${where}\n\n` : '';
  return head + note + blocks.join('');
}

function headOf(summary: DiffSummary, options: CommentOptions): string[] {
  const t = summary.totals;
  const n = summary.stacks.length;
  const out: string[] = [COMMENT_MARKER];
  out.push(
    `### cdk diff: ${t.stacksChanged === 0 ? 'no changes' : `${t.stacksChanged} of ${n} stack${n > 1 ? 's' : ''} changed`}`,
  );
  out.push('');
  out.push(`Compared with ${escapeMarkdown(summary.comparedWith)}.${options.note ? ` ${options.note}` : ''}`);
  out.push('');

  if (summary.destructive.length > 0) {
    const verdict = checkDestructive(summary, options.allowDestructive);
    out.push(options.allowDestructive ? '> [!WARNING]' : '> [!CAUTION]');
    out.push(`> **Destructive changes to stateful resources (${summary.destructive.length})**`);
    out.push('>');
    for (const change of summary.destructive) {
      out.push(
        `> - **${KIND_LABEL[change.kind]}** \`${change.stack}\` \`${resourceName(change)}\` (${change.type}): ${escapeMarkdown(change.reason)}`,
      );
    }
    out.push('>');
    out.push(`> ${verdict.message}`);
    out.push('');
  }

  out.push('| Stack | Added | Changed | Replaced | Removed | IAM changes | Security group changes |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of summary.stacks) {
    if (s.status === 'unchanged') {
      out.push(`| \`${s.stack}\` | no changes | | | | | |`);
      continue;
    }
    const label = s.status === 'added' ? ' (new stack)' : s.status === 'removed' ? ' (stack removed)' : '';
    out.push(
      `| \`${s.stack}\`${label} | ${s.added} | ${s.changed} | ${s.replaced} | ${s.removed} | ${s.iamChanges} | ${s.securityGroupChanges} |`,
    );
  }
  out.push('');

  const { open, iam } = calledOut(summary);
  if (open.length > 0) {
    out.push('> [!WARNING]');
    out.push(
      `> **${open.length} security group rule${open.length > 1 ? 's' : ''} open to the whole internet:**`,
    );
    for (const c of open) out.push(`> - \`${c.stack}\` ${codeSpan(c.text)}`);
    out.push('');
  }
  if (iam.length > 0) {
    out.push('> [!WARNING]');
    out.push(`> **IAM changes to check (${iam.length}):**`);
    for (const c of iam.slice(0, MAX_SECURITY_LINES)) {
      out.push(`> - \`${c.stack}\` ${codeSpan(c.text)}: ${escapeMarkdown(c.notes.join('; '))}`);
    }
    if (iam.length > MAX_SECURITY_LINES)
      out.push(`> - ... ${iam.length - MAX_SECURITY_LINES} more in the diffs below`);
    out.push('');
  }
  if (summary.staleReaders.length > 0) {
    out.push('> [!IMPORTANT]');
    out.push(`> **Stacks that read a changed output (${summary.staleReaders.length}):**`);
    for (const reader of summary.staleReaders) out.push(`> - ${escapeMarkdown(staleReaderText(reader))}`);
    out.push('');
  }
  if (summary.cost) out.push(...formatCostMarkdown(summary.cost, escapeMarkdown));

  if (summary.security.length > 0) {
    const shown = summary.security.slice(0, MAX_SECURITY_LINES);
    out.push(`<details><summary>IAM and security group changes (${summary.security.length})</summary>`);
    out.push('');
    for (const c of shown) out.push(`- \`${c.change}\` \`${c.stack}\` ${codeSpan(c.text)}`);
    if (summary.security.length > shown.length) {
      out.push(`- ... ${summary.security.length - shown.length} more in the diffs below`);
    }
    out.push('');
    out.push('</details>');
    out.push('');
  }
  return out;
}

function diffBlock(stack: StackSummary, text: string): string {
  const fence = codeFence(text);
  const counts = `${stack.added} added, ${stack.changed} changed, ${stack.replaced} replaced, ${stack.removed} removed`;
  const status = stack.status === 'changed' ? '' : ` (stack ${stack.status})`;
  return (
    `<details><summary>Diff of <code>${escapeHtml(stack.stack)}</code>${status}: ${counts}</summary>\n\n` +
    `${fence}\n${text}\n${fence}\n\n</details>\n\n`
  );
}

function truncateLines(text: string, maxChars: number): string {
  if (maxChars <= 0) return '';
  const cut = text.slice(0, maxChars);
  const lastNewline = cut.lastIndexOf('\n');
  return lastNewline > 0 ? cut.slice(0, lastNewline) : cut;
}

/** The length of the longest run of backticks in the text (0 when there is none). */
function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/** A backtick fence longer than any backtick run inside the text, so the text cannot close it. */
function codeFence(text: string): string {
  return '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
}

function escapeMarkdown(text: string): string {
  return text.replace(/([<>|*_`])/g, '\\$1');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text shown verbatim (ARNs and actions hold `*` and `${...}`), in a code span it cannot close. */
function codeSpan(text: string): string {
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
