/**
 * Plans a query on DuckDB's parse tree (`json_serialize_sql`): finds every reference to a catalog
 * table, keeps the conditions of its query block that involve only the table's partition columns
 * (the ones partition projection can use), and points each reference at a scan of its own, so
 * each one reads only its partitions and its bytes are counted once per read, as Athena counts them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { resolveTable, type LocalCatalog, type LocalTable } from './catalog';
import { QueryError, nameUnnamedColumns, type AstNode } from './dialect';

/** One reference to a catalog table in the query, and what projection may use to prune it. */
export interface TableScan {
  /** The name the reference now reads (a temporary view built by `scan.ts`). */
  readonly view: string;
  readonly table: LocalTable;
  /** Top-level `AND` conditions of the reference's `WHERE` that name only its partition columns, unqualified. */
  readonly partitionConditions: readonly AstNode[];
  /** The other conditions naming a partition column (projection must not rely on them). */
  readonly otherPartitionMentions: readonly AstNode[];
}

export interface QueryPlan {
  /** The statement, with every catalog table reference replaced by its scan's view. */
  readonly statement: AstNode;
  readonly scans: readonly TableScan[];
}

// DuckDB writes "no position" as the largest uint64, which JSON.parse cannot keep exactly.
const NO_LOCATION = /"query_location":18446744073709551615/g;
const NO_LOCATION_MARK = '"query_location":"none"';

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Visits every node of a parse tree, depth first. */
function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (isNode(node)) {
    visit(node);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

/** Parses one SELECT statement; refuses several statements and anything but queries. */
export async function parseStatement(conn: DuckDBConnection, sql: string): Promise<AstNode> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR))', [sql]);
  const text = String(reader.getRows()[0]?.[0] ?? '');
  const parsed = JSON.parse(text.replace(NO_LOCATION, NO_LOCATION_MARK)) as {
    error: boolean;
    error_type?: string;
    error_message?: string;
    statements?: AstNode[];
  };
  if (parsed.error) {
    if (parsed.error_type === 'not implemented') {
      throw new QueryError(
        'NOT_SUPPORTED',
        'The local Athena runs queries (SELECT, WITH ... SELECT) only; DDL and INSERT run in AWS.',
      );
    }
    throw new QueryError('SYNTAX_ERROR', (parsed.error_message ?? 'the query does not parse').trim());
  }
  const statements = parsed.statements ?? [];
  if (statements.length !== 1) {
    throw new QueryError('SYNTAX_ERROR', `Only one sql statement is allowed. Got: ${statements.length}`);
  }
  return statements[0]!;
}

/** SQL text of a statement's parse tree. */
export async function renderStatement(conn: DuckDBConnection, statement: AstNode): Promise<string> {
  const json = JSON.stringify({ error: false, statements: [statement] }).replaceAll(
    NO_LOCATION_MARK,
    '"query_location":18446744073709551615',
  );
  const reader = await conn.runAndReadAll('SELECT json_deserialize_sql(CAST($1 AS JSON))', [json]);
  return String(reader.getRows()[0]?.[0] ?? '');
}

/** The `AND`-ed conditions of a `WHERE`. */
function conjuncts(expr: unknown): AstNode[] {
  if (!isNode(expr)) return [];
  if (expr.class === 'CONJUNCTION' && expr.type === 'CONJUNCTION_AND') {
    return (expr.children as unknown[]).flatMap(conjuncts);
  }
  return [expr];
}

/**
 * The tables directly in a FROM (through joins, not into subqueries), each marked `nullable` when
 * it is on the null-extended side of an outer join: a WHERE condition on such a table also sees the
 * rows without a match, so it must not decide which partitions the table reads.
 */
function fromTables(from: unknown, nullable = false): { node: AstNode; nullable: boolean }[] {
  if (!isNode(from)) return [];
  if (from.type === 'BASE_TABLE') return [{ node: from, nullable }];
  if (from.type !== 'JOIN') return [];
  const type = String(from.join_type);
  return [
    ...fromTables(from.left, nullable || type === 'RIGHT' || type === 'OUTER'),
    ...fromTables(from.right, nullable || type === 'LEFT' || type === 'OUTER'),
  ];
}

interface Reference {
  readonly node: AstNode;
  readonly table: LocalTable;
  /** The name columns are qualified with: the alias, or the table name. */
  readonly qualifier: string;
}

/** Which column of which reference a column reference names, or undefined if not one of `refs`. */
function columnOf(ref: AstNode, refs: readonly Reference[]): { ref: Reference; column: string } | undefined {
  const names = (ref.column_names as string[]).map((n) => n.toLowerCase());
  const column = names[names.length - 1]!;
  const has = (r: Reference) =>
    [...r.table.spec.columns, ...r.table.spec.partitionKeys].some((c) => c.name === column);
  if (names.length >= 2) {
    const found = refs.find((r) => r.qualifier === names[names.length - 2] && has(r));
    return found && { ref: found, column };
  }
  const candidates = refs.filter(has);
  return candidates.length === 1 ? { ref: candidates[0]!, column } : undefined;
}

/** What a condition names: its column references, and whether it reads anything but plain values. */
function inspect(expr: AstNode): { columns: AstNode[]; opaque: boolean } {
  const columns: AstNode[] = [];
  let opaque = false;
  walk(expr, (n) => {
    if (n.class === 'COLUMN_REF') columns.push(n);
    if (n.class === 'SUBQUERY' || n.class === 'WINDOW' || n.class === 'LAMBDA' || n.class === 'PARAMETER') {
      opaque = true;
    }
  });
  return { columns, opaque };
}

/**
 * Replaces every catalog table reference of `statement` by a scan view and collects, per reference,
 * the conditions partition projection can use. Names unnamed result columns as Trino does.
 */
export function planQuery(statement: AstNode, catalog: LocalCatalog, contextDatabase: string): QueryPlan {
  const cteNames = new Set<string>();
  walk(statement, (n) => {
    const map = (n.cte_map as { map?: { key: string }[] } | undefined)?.map;
    for (const entry of map ?? []) cteNames.add(entry.key.toLowerCase());
  });
  const isCatalogTable = (n: AstNode) =>
    n.type === 'BASE_TABLE' &&
    !(!n.schema_name && !n.catalog_name && cteNames.has(String(n.table_name).toLowerCase()));

  const references = new Map<AstNode, Reference>();
  const conditions = new Map<AstNode, { partition: AstNode[]; other: AstNode[] }>();
  const referenceOf = (node: AstNode): Reference => {
    let ref = references.get(node);
    if (!ref) {
      const table = resolveTable(
        catalog,
        {
          catalog: String(node.catalog_name ?? ''),
          schema: String(node.schema_name ?? ''),
          table: String(node.table_name),
        },
        contextDatabase,
      );
      ref = { node, table, qualifier: String(node.alias || node.table_name).toLowerCase() };
      references.set(node, ref);
      conditions.set(node, { partition: [], other: [] });
    }
    return ref;
  };

  walk(statement, (n) => {
    if (n.type === 'BASE_TABLE' && isCatalogTable(n)) referenceOf(n);
    if (n.type !== 'SELECT_NODE') return;
    const tables = fromTables(n.from_table).filter((t) => isCatalogTable(t.node));
    const refs = tables.map((t) => referenceOf(t.node));
    const nullable = new Set(tables.filter((t) => t.nullable).map((t) => t.node));
    if (refs.length === 0) return;
    for (const condition of conjuncts(n.where_clause)) {
      const { columns, opaque } = inspect(condition);
      const named = columns.map((c) => columnOf(c, refs));
      for (const ref of refs) {
        const partitionKeys = new Set(ref.table.spec.partitionKeys.map((k) => k.name));
        const mentions = named.some((c) => c?.ref === ref && partitionKeys.has(c.column));
        if (!mentions) continue;
        const onlyPartitions =
          !opaque &&
          !nullable.has(ref.node) &&
          named.every((c) => c !== undefined && c.ref === ref && partitionKeys.has(c.column));
        if (onlyPartitions) {
          const unqualified = structuredClone(condition);
          walk(unqualified, (c) => {
            if (c.class === 'COLUMN_REF') {
              const names = c.column_names as string[];
              c.column_names = [names[names.length - 1]!.toLowerCase()];
            }
          });
          conditions.get(ref.node)!.partition.push(unqualified);
        } else {
          conditions.get(ref.node)!.other.push(condition);
        }
      }
    }
  });

  const scans: TableScan[] = [];
  for (const [node, ref] of references) {
    const view = `__scan_${scans.length + 1}`;
    const found = conditions.get(node)!;
    scans.push({
      view,
      table: ref.table,
      partitionConditions: found.partition,
      otherPartitionMentions: found.other,
    });
    // Keep the name columns are qualified with, so `usage.dt` or `u.dt` still resolve.
    node.alias = node.alias || String(node.table_name);
    node.table_name = view;
    node.schema_name = '';
    node.catalog_name = '';
  }
  nameUnnamedColumns(statement);
  return { statement, scans };
}

/** A parse tree for `SELECT * FROM <table> WHERE <conditions AND-ed>`, built from a parsed template. */
export async function filterStatement(
  conn: DuckDBConnection,
  table: string,
  conditionList: readonly AstNode[],
): Promise<AstNode> {
  const statement = await parseStatement(conn, `SELECT * FROM "${table}"`);
  const node = statement.node as AstNode;
  node.where_clause =
    conditionList.length === 0
      ? null
      : conditionList.length === 1
        ? conditionList[0]
        : {
            class: 'CONJUNCTION',
            type: 'CONJUNCTION_AND',
            alias: '',
            query_location: 'none',
            children: [...conditionList],
          };
  return statement;
}

/** A parse tree for `SELECT CAST(<expression> AS VARCHAR)`. */
export async function valueStatement(conn: DuckDBConnection, expression: AstNode): Promise<AstNode> {
  const statement = await parseStatement(conn, 'SELECT CAST(NULL AS VARCHAR)');
  const cast = (statement.node as { select_list: AstNode[] }).select_list[0]!;
  cast.child = expression;
  return statement;
}

/** Whether an expression reads no column and no data (a literal, or a function of literals). */
export function isStatic(expr: AstNode): boolean {
  const { columns, opaque } = inspect(expr);
  return columns.length === 0 && !opaque;
}
