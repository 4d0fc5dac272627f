import type { Dataset } from '../../datasets/types';
import { insertJsonRowsSql, toJsonRow } from '../../db/dataset-sql';
import type { SqlParams } from '../../db/database';
import type { ParsedRow } from './types';

/**
 * Budget of the `:rows` parameter of one statement, counted as it travels in the request: the JSON
 * text written once more as a JSON string. Leaves room under the Data API's 4 MiB request limit for
 * the SQL and the rest of the request.
 */
export const MAX_ROWS_PARAMETER_BYTES = 3 * 1024 * 1024;

export interface InsertStatement {
  readonly sql: string;
  readonly params: SqlParams;
  /** Rows the statement carries. */
  readonly rows: number;
}

function occurrences(text: string, char: string): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) count += 1;
  return count;
}

/**
 * Bytes a JSON text (from `JSON.stringify`, so without raw control characters) takes inside a JSON
 * string of the request body, where each of its quotes and backslashes is escaped once more.
 */
function requestBytes(json: string): number {
  return Buffer.byteLength(json) + occurrences(json, '"') + occurrences(json, '\\');
}

/** The quotes around the parameter's string and the brackets of the array. */
const ARRAY_BYTES = 4;

/**
 * The statements inserting a batch of rows: `insertJsonRowsSql` with the rows as one JSON parameter,
 * split so each statement's rows stay within `maxBytes`. Throws, naming the row by its key, when
 * a value does not fit its column or one row alone exceeds the budget.
 */
export function insertStatements(
  dataset: Dataset,
  rows: readonly ParsedRow[],
  maxBytes = MAX_ROWS_PARAMETER_BYTES,
): InsertStatement[] {
  const sql = insertJsonRowsSql(dataset);
  const statements: InsertStatement[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const flush = () => {
    statements.push({
      sql,
      params: { rows: { kind: 'json', value: `[${parts.join(',')}]` } },
      rows: parts.length,
    });
    parts = [];
  };
  for (const row of rows) {
    const json = JSON.stringify(toJsonRow(dataset, row));
    const size = requestBytes(json);
    if (ARRAY_BYTES + size > maxBytes) {
      const key = dataset.key.map((k) => `${k}=${JSON.stringify(row[k])}`).join(', ');
      throw new RangeError(
        `Dataset "${dataset.name}": the row with ${key} takes ${size} bytes as JSON, more than one ` +
          `insert statement carries (${maxBytes} bytes; the Data API refuses requests above 4 MiB). ` +
          'Store large values in S3 and keep a reference in the row.',
      );
    }
    if (parts.length > 0 && bytes + 1 + size > maxBytes) flush();
    // The first row of a statement brings the array around it, each next one a comma.
    bytes = parts.length === 0 ? ARRAY_BYTES + size : bytes + 1 + size;
    parts.push(json);
  }
  if (parts.length > 0) flush();
  return statements;
}
