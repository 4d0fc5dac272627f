/**
 * Reads `cdk diff` output and synthesized templates, and turns them into the summary shown by
 * `npm run diff` and in the pull-request comment: stacks changed, resources added, changed,
 * replaced and removed, and - first - the changes that replace or remove a stateful resource.
 *
 * Pure functions only: no process, file or network access, so every rule is tested on recorded
 * `cdk diff` outputs (test/scripts/fixtures).
 */

/**
 * Resource types that hold data. Replacing or removing one loses data or disconnects the platform
 * from it, so such a change is called out and fails the pull-request check unless labelled.
 *
 * `AWS::Glue::Table` is deliberately absent: a table is a schema over objects in the lake
 * (partition projection, no stored partitions), so recreating it loses nothing.
 */
export const STATEFUL_TYPES: ReadonlyMap<string, string> = new Map([
  ['AWS::RDS::DBCluster', 'the database cluster and all its data'],
  [
    'AWS::RDS::DBInstance',
    'a database instance (the cluster keeps the data; the database is down while it is replaced)',
  ],
  ['AWS::S3::Bucket', 'a bucket and the objects in it'],
  ['AWS::Glue::Database', 'the Glue database every Athena table belongs to'],
  ['AWS::SecretsManager::Secret', 'a secret (replacing the database secret changes its password)'],
  ['AWS::KMS::Key', 'an encryption key (data encrypted with a deleted key cannot be read)'],
  ['AWS::DynamoDB::Table', 'a table and its items'],
  ['AWS::DynamoDB::GlobalTable', 'a table and its items'],
]);

/**
 * Properties that name a stateful resource. Changing one renames the resource, which CloudFormation
 * does by replacement for some types (reported by `cdk diff`) and in place for others (a renamed Glue
 * database leaves its tables pointing at the old name), so they are checked explicitly.
 */
export const IDENTITY_PROPERTIES: ReadonlyMap<string, readonly string[]> = new Map([
  ['AWS::S3::Bucket', ['BucketName']],
  ['AWS::RDS::DBCluster', ['DBClusterIdentifier', 'DatabaseName']],
  ['AWS::RDS::DBInstance', ['DBInstanceIdentifier']],
  ['AWS::Glue::Database', ['DatabaseName', 'DatabaseInput.Name']],
  ['AWS::SecretsManager::Secret', ['Name']],
  ['AWS::DynamoDB::Table', ['TableName']],
]);

/** The label that lets a pull request with destructive changes pass the check. */
export const ALLOW_DESTRUCTIVE_LABEL = 'allow-destructive-changes';

/** Hidden marker by which the workflow finds its previous comment and updates it in place. */
export const COMMENT_MARKER = '<!-- cdk-diff-summary -->';

/** Security changes listed in the comment; the rest are in the full diff. */
const MAX_SECURITY_LINES = 50;

/** GitHub rejects comment bodies above 65,536 characters; stay well below. */
export const MAX_COMMENT_CHARS = 60_000;

export type ResourceAction = 'add' | 'update' | 'remove' | 'import';

/** What CloudFormation will do to the physical resource, as `cdk diff` reports it. */
export type ResourceImpact = 'none' | 'replace' | 'may-replace' | 'destroy' | 'orphan' | 'import';

export interface PropertyChange {
  /** Top-level property name, e.g. `StorageEncrypted`. */
  readonly name: string;
  /** Keys changed directly below it, e.g. `Name` for `DatabaseInput.Name`. */
  readonly keys: readonly string[];
  /** Whether `cdk diff` marked it "(requires replacement)" or "(may cause replacement)". */
  readonly replacement: 'requires' | 'may' | 'none';
}

export interface ResourceChange {
  readonly action: ResourceAction;
  readonly type: string;
  readonly logicalId: string;
  /** Construct path inside the stack, when `cdk diff` knows it. */
  readonly path?: string;
  readonly impact: ResourceImpact;
  readonly properties: readonly PropertyChange[];
}

/** One row of a `cdk diff` security table: `+` or `-`, and the cell text by column header. */
export interface TableRow {
  readonly change: '+' | '-';
  readonly cells: Readonly<Record<string, string>>;
}

export interface StackDiff {
  /** The stack's ID in the app (the name `cdk diff <stack>` takes). */
  readonly stack: string;
  /** The CloudFormation stack name, when it differs from the ID. */
  readonly stackName?: string;
  /** How the stack changes as a whole: `added`/`removed` only when comparing two synths. */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly resources: readonly ResourceChange[];
  readonly iamStatementChanges: readonly TableRow[];
  readonly iamPolicyChanges: readonly TableRow[];
  readonly securityGroupChanges: readonly TableRow[];
  /** Non-resource sections that changed (Parameters, Outputs, Conditions...). */
  readonly otherSections: readonly string[];
  /** The stack's part of the `cdk diff` text, for the full diff. */
  readonly text: string;
}

export type DestructiveKind = 'replace' | 'may-replace' | 'remove' | 'orphan' | 'type-change' | 'rename';

export interface DestructiveChange {
  readonly stack: string;
  readonly logicalId: string;
  readonly path?: string;
  readonly type: string;
  readonly kind: DestructiveKind;
  /** Why it is destructive, in words: which property, what happens to the data. */
  readonly reason: string;
}

export interface StackSummary {
  readonly stack: string;
  readonly status: StackDiff['status'];
  readonly added: number;
  /** Updated in place. */
  readonly changed: number;
  /** Replaced, or possibly replaced ("may be replaced"). */
  readonly replaced: number;
  readonly removed: number;
  readonly iamChanges: number;
  readonly securityGroupChanges: number;
}

/** One IAM or security group change, in one line. */
export interface SecurityChange {
  readonly stack: string;
  readonly change: '+' | '-';
  readonly text: string;
  /** A new rule admitting the whole internet (0.0.0.0/0 or ::/0). */
  readonly openToInternet: boolean;
}

export interface DiffSummary {
  /** What the local app was compared with, e.g. "deployed stacks" or "origin/main (abc1234)". */
  readonly comparedWith: string;
  readonly stacks: readonly StackSummary[];
  /** IAM statements, managed policies and security group rules added or removed. */
  readonly security: readonly SecurityChange[];
  /** Destructive changes to stateful resources, most severe first. */
  readonly destructive: readonly DestructiveChange[];
  readonly totals: Omit<StackSummary, 'stack' | 'status'> & { readonly stacksChanged: number };
}

/** `cdk diff` output that could not be read; the message names the line. */
export class DiffParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffParseError';
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

const SECTION_HEADERS = new Set([
  'IAM Statement Changes',
  'IAM Policy Changes',
  'Security Group Changes',
  'Resources',
  'Parameters',
  'Metadata',
  'Mappings',
  'Conditions',
  'Outputs',
  'Other Changes',
  'Template',
]);

const STACK_HEADER = /^Stack (\S+)(?: \((.*)\))?$/;
const RESOURCE_LINE = /^\[([+~\-←?])\] (\S+) (.+)$/;
const TOP_PROPERTY = /^ [├└]─ \[([+~-])\] (\S+?)(?: \((requires replacement|may cause replacement)\))?$/;
const NESTED_KEY = /^ [│ ] {3}[├└]─ \[[+~-]\] (?:Added: |Removed: )?\.(.+?):?$/;
const IMPACT_SUFFIXES: readonly [string, ResourceImpact][] = [
  [' may be replaced', 'may-replace'],
  [' replace', 'replace'],
  [' destroy', 'destroy'],
  [' orphan', 'orphan'],
  [' import', 'import'],
];
const ACTIONS: Record<string, ResourceAction> = { '+': 'add', '~': 'update', '-': 'remove', '←': 'import' };

/**
 * Parses the text `cdk diff` prints (colours are stripped) into one entry per stack. Lines outside
 * a stack's block (build progress, notices, the final count) are ignored.
 */
export function parseCdkDiff(output: string): StackDiff[] {
  const lines = stripAnsi(output).replace(/\r\n/g, '\n').split('\n');
  const stacks: StackDiff[] = [];
  let current: MutableStack | undefined;
  let section: string | undefined;
  let table: string[] = [];

  const flushTable = () => {
    if (!current || table.length === 0) return;
    const rows = parseTable(table, current.stack);
    if (section === 'IAM Statement Changes') current.iamStatementChanges.push(...rows);
    else if (section === 'IAM Policy Changes') current.iamPolicyChanges.push(...rows);
    else if (section === 'Security Group Changes') current.securityGroupChanges.push(...rows);
    table = [];
  };
  const finish = () => {
    flushTable();
    if (!current) return;
    stacks.push(freeze(current));
    current = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = STACK_HEADER.exec(line);
    if (header) {
      finish();
      const detail = header[2];
      current = {
        stack: header[1]!,
        stackName: detail && !detail.includes('://') ? detail : undefined,
        noDifferences: false,
        resources: [],
        iamStatementChanges: [],
        iamPolicyChanges: [],
        securityGroupChanges: [],
        otherSections: [],
        text: [line],
      };
      section = undefined;
      continue;
    }
    if (!current) continue;
    if (/^✨ {1,2}Number of stacks with differences/.test(line)) {
      finish();
      continue;
    }
    current.text.push(line);

    if (line.startsWith('There were no differences')) {
      current.noDifferences = true;
      continue;
    }
    // Security tables follow each other without a blank line; the next table's title switches section.
    if (SECTION_HEADERS.has(line.trim())) {
      flushTable();
      section = line.trim();
      if (
        !['Resources', 'IAM Statement Changes', 'IAM Policy Changes', 'Security Group Changes'].includes(
          section,
        )
      ) {
        current.otherSections.push(section);
      }
      continue;
    }
    if (/^[┌│├└]/.test(line) && section !== 'Resources') {
      table.push(line);
      continue;
    }
    if (table.length > 0) flushTable();

    if (section === 'Resources') {
      const resource = RESOURCE_LINE.exec(line);
      if (resource) {
        current.resources.push(parseResourceLine(resource[1]!, resource[2]!, resource[3]!));
        continue;
      }
      const last = current.resources.at(-1);
      if (!last) continue;
      const top = TOP_PROPERTY.exec(line);
      if (top) {
        last.properties.push({
          name: top[2]!,
          keys: [],
          replacement: top[3] === 'requires replacement' ? 'requires' : top[3] ? 'may' : 'none',
        });
        continue;
      }
      const nested = NESTED_KEY.exec(line);
      const property = last.properties.at(-1);
      if (nested && property) property.keys.push(nested[1]!);
    }
  }
  finish();
  return stacks;
}

interface MutableStack {
  stack: string;
  stackName?: string;
  noDifferences: boolean;
  resources: MutableResource[];
  iamStatementChanges: TableRow[];
  iamPolicyChanges: TableRow[];
  securityGroupChanges: TableRow[];
  otherSections: string[];
  text: string[];
}

interface MutableResource {
  action: ResourceAction;
  type: string;
  logicalId: string;
  path?: string;
  impact: ResourceImpact;
  properties: { name: string; keys: string[]; replacement: PropertyChange['replacement'] }[];
}

function freeze(stack: MutableStack): StackDiff {
  const hasChanges =
    stack.resources.length > 0 ||
    stack.iamStatementChanges.length > 0 ||
    stack.iamPolicyChanges.length > 0 ||
    stack.securityGroupChanges.length > 0 ||
    stack.otherSections.length > 0;
  while (stack.text.length > 1 && stack.text.at(-1)!.trim() === '') stack.text.pop();
  return {
    stack: stack.stack,
    stackName: stack.stackName,
    status: hasChanges && !stack.noDifferences ? 'changed' : 'unchanged',
    resources: stack.resources,
    iamStatementChanges: stack.iamStatementChanges,
    iamPolicyChanges: stack.iamPolicyChanges,
    securityGroupChanges: stack.securityGroupChanges,
    otherSections: stack.otherSections,
    text: stack.text.join('\n'),
  };
}

function parseResourceLine(marker: string, type: string, rest: string): MutableResource {
  let remainder = rest.replace(/ \(OR move .*\)$/, '').trimEnd();
  let impact: ResourceImpact = 'none';
  for (const [suffix, value] of IMPACT_SUFFIXES) {
    if (remainder.endsWith(suffix)) {
      impact = value;
      remainder = remainder.slice(0, -suffix.length);
      break;
    }
  }
  const parts = remainder.split(' ').filter((p) => p.length > 0);
  const logicalId = parts.pop() ?? '';
  const path = parts.length > 0 ? parts.join(' ') : undefined;
  return { action: ACTIONS[marker] ?? 'update', type, logicalId, path, impact, properties: [] };
}

/** Reads a box-drawn table into rows; a row spans several lines when a cell holds several values. */
function parseTable(lines: readonly string[], stack: string): TableRow[] {
  const split = (line: string) =>
    line
      .slice(1, -1)
      .split('│')
      .map((cell) => cell.trim());
  const contentLines = lines.filter((l) => l.startsWith('│'));
  const headerLine = contentLines[0];
  if (!headerLine) return [];
  const headers = split(headerLine);
  if (headers[0] !== '') {
    throw new DiffParseError(
      `Stack ${stack}: unexpected security table header "${headerLine}" in cdk diff output.`,
    );
  }
  const rows: { change: '+' | '-'; cells: Record<string, string[]> }[] = [];
  for (const line of contentLines.slice(1)) {
    const cells = split(line);
    const marker = cells[0];
    if (marker === '+' || marker === '-') {
      rows.push({ change: marker, cells: {} });
    }
    const row = rows.at(-1);
    if (!row) continue;
    headers.forEach((header, i) => {
      if (i === 0 || !cells[i]) return;
      (row.cells[header] ??= []).push(cells[i]!);
    });
  }
  return rows.map((row) => ({
    change: row.change,
    cells: Object.fromEntries(Object.entries(row.cells).map(([k, v]) => [k, v.join('\n')])),
  }));
}

/** A CloudFormation template, as far as the comparison needs it. */
export interface Template {
  readonly Resources?: Readonly<
    Record<
      string,
      {
        readonly Type: string;
        readonly Properties?: unknown;
        readonly DeletionPolicy?: string;
        readonly Metadata?: Record<string, unknown>;
      }
    >
  >;
}

/**
 * Compares two synthesized templates of one stack and reports, exactly, what happens to its
 * stateful resources: a logical ID that disappears (removed, or orphaned when retained), a type that
 * changes (a new resource replaces the old one) and a naming property that changes. Replacements
 * caused by other properties come from the `cdk diff` text, which knows the resource specification.
 * `before` undefined: the stack is new. `after` undefined: the stack was removed from the app.
 */
export function compareTemplates(
  stack: string,
  before: Template | undefined,
  after: Template | undefined,
): DestructiveChange[] {
  const changes: DestructiveChange[] = [];
  const oldResources = before?.Resources ?? {};
  const newResources = after?.Resources ?? {};
  for (const [logicalId, old] of Object.entries(oldResources)) {
    if (!STATEFUL_TYPES.has(old.Type)) continue;
    const path = constructPath(old.Metadata, stack);
    const next = newResources[logicalId];
    const what = STATEFUL_TYPES.get(old.Type)!;
    if (!after) {
      changes.push({
        stack,
        logicalId,
        path,
        type: old.Type,
        kind: 'orphan',
        reason: `its stack is no longer in the app: deploying leaves it in place, deleting the stack would delete ${what}`,
      });
      continue;
    }
    if (!next) {
      const retained = old.DeletionPolicy === 'Retain' || old.DeletionPolicy === 'RetainExceptOnCreate';
      changes.push({
        stack,
        logicalId,
        path,
        type: old.Type,
        kind: retained ? 'orphan' : 'remove',
        reason: retained
          ? `removed from the stack; kept in the account but no longer managed (${what})`
          : `removed from the stack: CloudFormation deletes ${what}`,
      });
      continue;
    }
    if (next.Type !== old.Type) {
      changes.push({
        stack,
        logicalId,
        path,
        type: old.Type,
        kind: 'type-change',
        reason: `type changes from ${old.Type} to ${next.Type}: CloudFormation replaces ${what}`,
      });
      continue;
    }
    for (const property of IDENTITY_PROPERTIES.get(old.Type) ?? []) {
      const was = valueAt(old.Properties, property);
      const will = valueAt(next.Properties, property);
      if (JSON.stringify(was) !== JSON.stringify(will)) {
        changes.push({
          stack,
          logicalId,
          path,
          type: old.Type,
          kind: 'rename',
          reason: `${property} changes from ${JSON.stringify(was) ?? '(generated)'} to ${JSON.stringify(will) ?? '(generated)'}: ${what} gets a new name`,
        });
        break;
      }
    }
  }
  return changes;
}

function constructPath(metadata: Record<string, unknown> | undefined, stack: string): string | undefined {
  const path = metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return undefined;
  return path.startsWith(`${stack}/`) ? path.slice(stack.length + 1) : path;
}

function valueAt(properties: unknown, dotted: string): unknown {
  let value: unknown = properties;
  for (const key of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The diff of a stack that exists in the base but not in the new app, in `cdk diff`'s format:
 * every resource is removed (orphaned when its deletion policy retains it).
 */
export function removedStackDiff(stack: string, template: Template): StackDiff {
  const resources: ResourceChange[] = Object.entries(template.Resources ?? {}).map(([logicalId, r]) => ({
    action: 'remove',
    type: r.Type,
    logicalId,
    path: constructPath(r.Metadata, stack),
    impact:
      r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate' ? 'orphan' : 'destroy',
    properties: [],
  }));
  const text = [
    `Stack ${stack}`,
    'The stack is no longer in the app. It stays deployed until it is deleted (cdk destroy); then:',
    'Resources',
    ...resources.map((r) => `[-] ${r.type} ${r.path ? `${r.path} ` : ''}${r.logicalId} ${r.impact}`),
  ].join('\n');
  return {
    stack,
    status: 'removed',
    resources,
    iamStatementChanges: [],
    iamPolicyChanges: [],
    securityGroupChanges: [],
    otherSections: [],
    text,
  };
}

/** Destructive changes `cdk diff` reports for stateful resources: replacements, removals, renames. */
export function destructiveFromDiff(stack: StackDiff): DestructiveChange[] {
  const changes: DestructiveChange[] = [];
  // A stack missing from the app is not deleted by a deploy; compareTemplates reports its resources.
  if (stack.status === 'removed') return changes;
  for (const resource of stack.resources) {
    const what = STATEFUL_TYPES.get(resource.type);
    if (!what) continue;
    const base = {
      stack: stack.stack,
      logicalId: resource.logicalId,
      path: resource.path,
      type: resource.type,
    };
    if (resource.action === 'remove') {
      changes.push(
        resource.impact === 'orphan'
          ? {
              ...base,
              kind: 'orphan',
              reason: `removed from the stack; kept in the account but no longer managed (${what})`,
            }
          : { ...base, kind: 'remove', reason: `removed from the stack: CloudFormation deletes ${what}` },
      );
      continue;
    }
    if (resource.action !== 'update') continue;
    const forcing = (certainty: PropertyChange['replacement']) =>
      resource.properties.filter((p) => p.replacement === certainty).map((p) => p.name);
    if (resource.impact === 'replace') {
      const props = forcing('requires');
      changes.push({
        ...base,
        kind: 'replace',
        reason: `will be replaced${props.length ? ` (${props.join(', ')} requires replacement)` : ''}: ${what}`,
      });
      continue;
    }
    if (resource.impact === 'may-replace') {
      const props = forcing('may');
      changes.push({
        ...base,
        kind: 'may-replace',
        reason: `may be replaced${props.length ? ` (${props.join(', ')} may cause replacement)` : ''}: ${what}`,
      });
      continue;
    }
    const identity = IDENTITY_PROPERTIES.get(resource.type) ?? [];
    const renamed = resource.properties
      .flatMap((p) => [p.name, ...p.keys.map((k) => `${p.name}.${k}`)])
      .find((name) => identity.includes(name));
    if (renamed) {
      changes.push({ ...base, kind: 'rename', reason: `${renamed} changes: ${what} gets a new name` });
    }
  }
  return changes;
}

const SEVERITY: Record<DestructiveKind, number> = {
  remove: 0,
  'type-change': 1,
  replace: 2,
  rename: 3,
  orphan: 4,
  'may-replace': 5,
};

/**
 * Builds the summary from parsed `cdk diff` output and, when two synths were compared, the exact
 * template findings. One finding per resource is kept: the most severe.
 */
export function summarize(
  stacks: readonly StackDiff[],
  options: { comparedWith: string; templateFindings?: readonly DestructiveChange[] },
): DiffSummary {
  // Findings and stacks are keyed by stack ID; people know stacks by their CloudFormation name.
  const names = new Map(stacks.map((s) => [s.stack, s.stackName ?? s.stack]));
  const display = (id: string) => names.get(id) ?? id;
  const byResource = new Map<string, DestructiveChange>();
  for (const change of [...(options.templateFindings ?? []), ...stacks.flatMap(destructiveFromDiff)]) {
    const key = `${change.stack}/${change.logicalId}`;
    const known = byResource.get(key);
    if (!known || SEVERITY[change.kind] < SEVERITY[known.kind]) byResource.set(key, change);
  }
  const destructive = [...byResource.values()]
    .map((change) => ({ ...change, stack: display(change.stack) }))
    .sort(
      (a, b) =>
        SEVERITY[a.kind] - SEVERITY[b.kind] ||
        a.stack.localeCompare(b.stack) ||
        a.logicalId.localeCompare(b.logicalId),
    );

  const summaries = stacks.map((stack): StackSummary => {
    const count = (fn: (r: ResourceChange) => boolean) => stack.resources.filter(fn).length;
    return {
      stack: display(stack.stack),
      status: stack.status,
      added: count((r) => r.action === 'add' || r.action === 'import'),
      changed: count((r) => r.action === 'update' && r.impact !== 'replace' && r.impact !== 'may-replace'),
      replaced: count((r) => r.action === 'update' && (r.impact === 'replace' || r.impact === 'may-replace')),
      removed: count((r) => r.action === 'remove'),
      iamChanges: stack.iamStatementChanges.length + stack.iamPolicyChanges.length,
      securityGroupChanges: stack.securityGroupChanges.length,
    };
  });
  const security = stacks.flatMap((stack) => securityChanges(stack, display(stack.stack)));
  const sum = (key: keyof Omit<StackSummary, 'stack' | 'status'>) =>
    summaries.reduce((n, s) => n + s[key], 0);
  return {
    comparedWith: options.comparedWith,
    stacks: summaries,
    security,
    destructive,
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

const cell = (row: TableRow, column: string) => (row.cells[column] ?? '').split('\n').join(', ');

function securityChanges(stack: StackDiff, name: string): SecurityChange[] {
  const iam = stack.iamStatementChanges.map((row) => ({
    stack: name,
    change: row.change,
    text:
      `${cell(row, 'Effect')} ${cell(row, 'Action')} on ${cell(row, 'Resource')} for ${cell(row, 'Principal')}` +
      (row.cells['Condition'] ? ` when ${row.cells['Condition'].replace(/\s+/g, ' ')}` : ''),
    openToInternet: false,
  }));
  const policies = stack.iamPolicyChanges.map((row) => ({
    stack: name,
    change: row.change,
    text: `managed policy ${cell(row, 'Managed Policy ARN')} on ${cell(row, 'Resource')}`,
    openToInternet: false,
  }));
  const groups = stack.securityGroupChanges.map((row) => {
    const peer = cell(row, 'Peer');
    const direction = cell(row, 'Dir') === 'In' ? 'from' : 'to';
    return {
      stack: name,
      change: row.change,
      text: `${cell(row, 'Dir')} ${cell(row, 'Protocol')} ${direction} ${peer} (${cell(row, 'Group')})`,
      openToInternet:
        row.change === '+' && /(^|, )(0\.0\.0\.0\/0|::\/0|Everyone \(IPv[46]\))($|, )/.test(peer),
    };
  });
  return [...iam, ...policies, ...groups];
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

const KIND_LABEL: Record<DestructiveKind, string> = {
  remove: 'DELETED',
  'type-change': 'REPLACED',
  replace: 'REPLACED',
  rename: 'RENAMED',
  orphan: 'ORPHANED',
  'may-replace': 'MAY BE REPLACED',
};

function resourceName(change: DestructiveChange): string {
  return change.path && change.path !== change.logicalId
    ? `${change.path} (${change.logicalId})`
    : change.logicalId;
}

/** The summary as terminal text: destructive changes first, then one line per changed stack. */
export function formatSummaryText(
  summary: DiffSummary,
  options: { allowDestructive?: boolean } = {},
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
  const open = summary.security.filter((c) => c.openToInternet);
  if (open.length > 0) {
    out.push(`OPEN TO THE INTERNET (${open.length}):`);
    for (const c of open) out.push(`  ${c.stack}: ${c.text}`);
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
  out.push(checkDestructive(summary, options.allowDestructive ?? false).message);
  return out.join('\n');
}

export interface CommentOptions {
  /** The full `cdk diff` text, shown folded; shortened when the comment would be too long. */
  readonly fullDiff: string;
  /** Whether the pull request carries the allow label. */
  readonly allowDestructive: boolean;
  /** Where the full diff is kept when shortened, e.g. the workflow run URL. */
  readonly fullDiffLocation?: string;
  /** Extra line under the title, e.g. the commit compared. */
  readonly note?: string;
  /** @default MAX_COMMENT_CHARS */
  readonly maxChars?: number;
}

/** The pull-request comment body (GitHub Markdown), starting with the marker that finds it again. */
export function formatSummaryMarkdown(summary: DiffSummary, options: CommentOptions): string {
  const t = summary.totals;
  const head: string[] = [COMMENT_MARKER];
  head.push(
    `### cdk diff: ${t.stacksChanged === 0 ? 'no changes' : `${t.stacksChanged} of ${summary.stacks.length} stack${summary.stacks.length > 1 ? 's' : ''} changed`}`,
  );
  head.push('');
  head.push(
    `Compared with ${escapeMarkdown(summary.comparedWith)}.${options.note ? ` ${options.note}` : ''}`,
  );
  head.push('');

  const verdict = checkDestructive(summary, options.allowDestructive);
  if (summary.destructive.length > 0) {
    head.push(options.allowDestructive ? '> [!WARNING]' : '> [!CAUTION]');
    head.push(`> **Destructive changes to stateful resources (${summary.destructive.length})**`);
    head.push('>');
    for (const change of summary.destructive) {
      head.push(
        `> - **${KIND_LABEL[change.kind]}** \`${change.stack}\` \`${resourceName(change)}\` (${change.type}): ${escapeMarkdown(change.reason)}`,
      );
    }
    head.push('>');
    head.push(`> ${verdict.message}`);
    head.push('');
  }

  if (summary.stacks.length > 0) {
    head.push('| Stack | Added | Changed | Replaced | Removed | IAM changes | Security group changes |');
    head.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const s of summary.stacks) {
      const label =
        s.status === 'added'
          ? `\`${s.stack}\` (new stack)`
          : s.status === 'removed'
            ? `\`${s.stack}\` (stack removed)`
            : `\`${s.stack}\``;
      if (s.status === 'unchanged') {
        head.push(`| \`${s.stack}\` | no changes | | | | | |`);
      } else {
        head.push(
          `| ${label} | ${s.added} | ${s.changed} | ${s.replaced} | ${s.removed} | ${s.iamChanges} | ${s.securityGroupChanges} |`,
        );
      }
    }
    head.push('');
  }

  if (summary.security.length > 0) {
    const open = summary.security.filter((c) => c.openToInternet);
    if (open.length > 0) {
      head.push('> [!WARNING]');
      head.push(
        `> **${open.length} security group rule${open.length > 1 ? 's' : ''} open to the whole internet:**`,
      );
      for (const c of open) head.push(`> - \`${c.stack}\` ${codeSpan(c.text)}`);
      head.push('');
    }
    const shown = summary.security.slice(0, MAX_SECURITY_LINES);
    head.push(`<details><summary>IAM and security group changes (${summary.security.length})</summary>`);
    head.push('');
    for (const c of shown) head.push(`- \`${c.change}\` \`${c.stack}\` ${codeSpan(c.text)}`);
    if (summary.security.length > shown.length) {
      head.push(`- ... ${summary.security.length - shown.length} more in the full diff`);
    }
    head.push('');
    head.push('</details>');
    head.push('');
  }

  const maxChars = options.maxChars ?? MAX_COMMENT_CHARS;
  const fence = codeFence(options.fullDiff);
  const open = `<details><summary>Full <code>cdk diff</code> output</summary>\n\n${fence}\n`;
  const close = `\n${fence}\n\n</details>\n`;
  const headText = head.join('\n') + '\n';
  const budget = maxChars - headText.length - open.length - close.length;
  const diff = options.fullDiff.trimEnd();
  if (diff.length <= budget) return headText + open + diff + close;

  const where = options.fullDiffLocation
    ? ` The full diff is kept as an artifact of ${options.fullDiffLocation}.`
    : '';
  const note = `> [!NOTE]\n> The diff is too long for a comment and is shortened below.${where}\n\n`;
  const room = budget - note.length - 80;
  if (room <= 0) return headText + note;
  const kept = truncateLines(diff, room);
  const omitted = diff.split('\n').length - kept.split('\n').length;
  return headText + note + open + kept + `\n... (${omitted} more lines)` + close;
}

function truncateLines(text: string, maxChars: number): string {
  const cut = text.slice(0, maxChars);
  const lastNewline = cut.lastIndexOf('\n');
  return lastNewline > 0 ? cut.slice(0, lastNewline) : cut;
}

/** A backtick fence longer than any backtick run inside the text, so the text cannot close it. */
function codeFence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function escapeMarkdown(text: string): string {
  return text.replace(/([<>|*])/g, '\\$1');
}

/** Text shown verbatim (ARNs and actions hold `*` and `${...}`), in a code span it cannot close. */
function codeSpan(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
