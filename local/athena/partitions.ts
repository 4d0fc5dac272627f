/**
 * Which partitions a table reference reads, and the files in them. Partition values come from
 * the table's projection, narrowed by the reference's conditions on partition columns (evaluated
 * by DuckDB over the projected values); `injected` columns take their values from the query's
 * static equality conditions, or the query fails as it does in Athena.
 */
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryError, type AstNode } from './dialect';
import { filterStatement, isStatic, renderStatement, valueStatement, type TableScan } from './plan';
import { partitionPath, projectedValues, readProjection, type ProjectedColumn } from './projection';

/** A file the scan reads, with its partition values. */
export interface ScanFile {
  readonly path: string;
  readonly size: number;
  readonly partition: Readonly<Record<string, string>>;
}

const constraintViolation = (column: string) =>
  new QueryError(
    'CONSTRAINT_VIOLATION',
    `For the injected projected partition column ${column}, the WHERE clause must contain only static equality conditions, and at least one such condition must be present.`,
  );

/** The column names a condition reads. */
function columnNames(condition: AstNode): Set<string> {
  const names = new Set<string>();
  const visit = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      const node = n as AstNode;
      if (node.class === 'COLUMN_REF') {
        const parts = node.column_names as string[];
        names.add(parts[parts.length - 1]!.toLowerCase());
      }
      Object.values(node).forEach(visit);
    }
  };
  visit(condition);
  return names;
}

/** The static values an equality (`c = v`, `v = c`) or `c IN (v, ...)` condition gives column `c`. */
function staticValues(condition: AstNode, column: string): AstNode[] | undefined {
  const isColumn = (n: unknown) =>
    !!n &&
    (n as AstNode).class === 'COLUMN_REF' &&
    ((n as AstNode).column_names as string[]).at(-1)!.toLowerCase() === column;
  if (condition.class === 'COMPARISON' && condition.type === 'COMPARE_EQUAL') {
    const left = condition.left as AstNode;
    const right = condition.right as AstNode;
    if (isColumn(left) && isStatic(right)) return [right];
    if (isColumn(right) && isStatic(left)) return [left];
    return undefined;
  }
  if (condition.class === 'OPERATOR' && condition.type === 'COMPARE_IN') {
    const [first, ...rest] = condition.children as AstNode[];
    return isColumn(first) && rest.every(isStatic) ? rest : undefined;
  }
  return undefined;
}

async function evaluate(conn: DuckDBConnection, expression: AstNode): Promise<string | null> {
  const sql = await renderStatement(conn, await valueStatement(conn, expression));
  const value = (await conn.runAndReadAll(sql)).getRows()[0]?.[0];
  return value === null || value === undefined ? null : String(value);
}

/** The values of an injected column: the intersection of its static equality conditions. */
async function injectedValues(conn: DuckDBConnection, scan: TableScan, column: string): Promise<string[]> {
  const mentions = [...scan.partitionConditions, ...scan.otherPartitionMentions].filter((c) =>
    columnNames(c).has(column),
  );
  if (mentions.length === 0) throw constraintViolation(column);
  let values: Set<string> | undefined;
  for (const condition of mentions) {
    const expressions = staticValues(condition, column);
    if (!expressions || columnNames(condition).size !== 1) throw constraintViolation(column);
    const these = new Set<string>();
    for (const e of expressions) {
      const v = await evaluate(conn, e);
      if (v !== null) these.add(v);
    }
    values = values ? new Set([...values].filter((v) => these.has(v))) : these;
  }
  return [...(values ?? [])];
}

/** Every combination of the columns' values, in key order. */
function combinations(
  columns: readonly { name: string; values: readonly string[] }[],
): Record<string, string>[] {
  return columns.reduce<Record<string, string>[]>(
    (rows, c) => rows.flatMap((row) => c.values.map((v) => ({ ...row, [c.name]: v }))),
    [{}],
  );
}

/** The partitions (values of every partition column) a scan reads, as projection computes them. */
export async function scanPartitions(
  conn: DuckDBConnection,
  scan: TableScan,
  now: Date,
): Promise<Record<string, string>[]> {
  const projection = readProjection(scan.table.spec, now);
  if (projection.columns.length === 0) return [{}];
  const columns: { name: string; values: readonly string[] }[] = [];
  for (const column of projection.columns) {
    columns.push({
      name: column.name,
      values:
        column.kind === 'injected'
          ? await injectedValues(conn, scan, column.name)
          : projectedValues(column as Exclude<ProjectedColumn, { kind: 'injected' }>),
    });
  }
  const candidates = combinations(columns);
  if (scan.partitionConditions.length === 0 || candidates.length === 0) return candidates;

  // The conditions run over a table of the candidate values, one VARCHAR column per partition key.
  const table = `${scan.view}_partitions`;
  const names = columns.map((c) => c.name);
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE "${table}" (${names.map((n) => `"${n}" VARCHAR`).join(', ')})`,
  );
  const appender = await conn.createAppender(table, 'main', 'temp');
  for (const row of candidates) {
    for (const n of names) appender.appendVarchar(row[n]!);
    appender.endRow();
  }
  appender.closeSync();
  const sql = await renderStatement(conn, await filterStatement(conn, table, scan.partitionConditions));
  const rows = (await conn.runAndReadAll(sql)).getRowObjects();
  await conn.run(`DROP TABLE "${table}"`);
  return rows.map((r) => Object.fromEntries(names.map((n) => [n, String(r[n])])));
}

/**
 * The files a scan reads: those directly in each partition's folder (not in sub-folders), except
 * names starting with `_` or `.`, which Hive-style readers treat as hidden, and the stand-in's
 * own temporary files of an upload in progress.
 */
export async function scanFiles(
  scan: TableScan,
  partitions: readonly Record<string, string>[],
): Promise<ScanFile[]> {
  const root = path.resolve(scan.table.root);
  const files: ScanFile[] = [];
  for (const partition of partitions) {
    const folder = path.resolve(root, partitionPath(scan.table.spec.partitionTemplate, partition));
    if (folder !== root && !folder.startsWith(root + path.sep)) continue; // a value like "../x" reads nothing
    let entries: Dirent[];
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch {
      continue; // no objects under this partition
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isFile() || /^[_.]/.test(entry.name) || /\.\d+\.\d+\.tmp$/.test(entry.name)) continue;
      const file = path.join(folder, entry.name);
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat) files.push({ path: file, size: stat.size, partition });
    }
  }
  return files;
}
