import type { Dataset } from './types';

/**
 * Structural checks of dataset definitions, the ones every derived artefact (tables, Glue tables,
 * validators, charts) relies on. Returns one message per problem, naming the dataset and the field.
 */

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const MAX_IDENTIFIER = 63; // Postgres truncates longer identifiers.
// Words Postgres reserves outright; a column with such a name would need quoting everywhere.
const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'current_catalog',
  'current_date',
  'current_role',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'initially',
  'intersect',
  'into',
  'lateral',
  'leading',
  'limit',
  'localtime',
  'localtimestamp',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'placing',
  'primary',
  'references',
  'returning',
  'select',
  'session_user',
  'some',
  'symmetric',
  'system_user',
  'table',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'when',
  'where',
  'window',
  'with',
]);

function identifierProblem(what: string, name: unknown): string | undefined {
  if (typeof name !== 'string') return `${what} must be a string, got ${JSON.stringify(name)}.`;
  if (!SNAKE_CASE.test(name)) {
    return `${what} "${name}" is not snake_case: use lower-case letters, digits and single underscores, starting with a letter.`;
  }
  if (name.length > MAX_IDENTIFIER) return `${what} "${name}" is longer than ${MAX_IDENTIFIER} characters.`;
  if (RESERVED.has(name)) return `${what} "${name}" is a reserved SQL word; choose another name.`;
  return undefined;
}

/** Problems with one dataset definition; empty when it is valid. */
export function checkDataset(dataset: Dataset): string[] {
  const problems: string[] = [];
  const where = `Dataset "${String(dataset.name)}"`;
  const nameProblem = identifierProblem('name', dataset.name);
  if (nameProblem) problems.push(`${where}: ${nameProblem}`);
  if (!Array.isArray(dataset.columns) || dataset.columns.length === 0) {
    problems.push(`${where}: it has no columns.`);
    return problems;
  }
  const seen = new Set<string>();
  for (const [i, column] of dataset.columns.entries()) {
    const problem = identifierProblem(`column ${i} name`, column.name);
    if (problem) problems.push(`${where}: ${problem}`);
    if (seen.has(column.name)) problems.push(`${where}: column "${column.name}" is defined twice.`);
    seen.add(column.name);
  }
  const timeColumns = dataset.columns.filter((c) => c.role === 'time');
  if (timeColumns.length !== 1) {
    problems.push(
      `${where}: needs exactly one column with role "time", has ${timeColumns.length}` +
        `${timeColumns.length ? ` (${timeColumns.map((c) => c.name).join(', ')})` : ''}.`,
    );
  } else if (!['timestamptz', 'date'].includes(timeColumns[0].type)) {
    problems.push(`${where}: time column "${timeColumns[0].name}" must be of type timestamptz or date.`);
  }
  if (!Array.isArray(dataset.key) || dataset.key.length === 0) {
    problems.push(`${where}: key must list at least one column.`);
  } else {
    for (const name of dataset.key) {
      const column = dataset.columns.find((c) => c.name === name);
      if (!column) problems.push(`${where}: key column "${name}" is not a column of the dataset.`);
      else if (column.nullable)
        problems.push(`${where}: key column "${name}" is nullable; key columns must not be.`);
    }
    if (new Set(dataset.key).size !== dataset.key.length)
      problems.push(`${where}: key lists a column twice.`);
  }
  if (dataset.entityColumn !== undefined && !seen.has(dataset.entityColumn)) {
    problems.push(`${where}: entityColumn "${dataset.entityColumn}" is not a column of the dataset.`);
  }
  problems.push(...chartFieldProblems(dataset, where));
  return problems;
}

/** The fields that choose what the dashboard's scatter and pie show must name fitting columns. */
function chartFieldProblems(dataset: Dataset, where: string): string[] {
  const problems: string[] = [];
  const measures = dataset.columns.filter((c) => c.role === 'measure').map((c) => c.name);
  const reference = dataset.referenceMeasure;
  if (reference !== undefined && !measures.includes(reference)) {
    problems.push(
      `${where}: referenceMeasure "${reference}" is not a measure of the dataset (its measures: ${measures.join(', ') || 'none'}).`,
    );
  }
  const share = dataset.shareColumn;
  if (share !== undefined) {
    const column = dataset.columns.find((c) => c.name === share);
    if (!column) problems.push(`${where}: shareColumn "${share}" is not a column of the dataset.`);
    else if (column.role === 'measure' || column.role === 'time') {
      problems.push(
        `${where}: shareColumn "${share}" is a ${column.role}; name a dimension, or a date column for age groups.`,
      );
    }
  }
  return problems;
}

/** Checks every dataset, and that names are unique; throws one error listing every problem. */
export function assertValidDatasets(datasets: readonly Dataset[]): void {
  const problems = datasets.flatMap(checkDataset);
  const names = datasets.map((d) => d.name);
  for (const name of new Set(names)) {
    if (names.filter((n) => n === name).length > 1) problems.push(`Dataset name "${name}" is used twice.`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid dataset definitions:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
