import type { Dataset } from '../../datasets/types';
import { toJsonRow, upsertJsonRowsSql } from '../../db/dataset-sql';
import type { SqlParams } from '../../db/database';
import type { ParsedRow } from './types';

/**
 * Turns parsed rows into the statements that upsert them (`upsertJsonRowsSql`): each row encoded
 * once as JSON with its line number, rows packed into statements under the Data API's request size.
 */

/**
 * Budget of the `:rows` parameter of one statement, counted as it travels in the request: the JSON
 * text written once more as a JSON string. Leaves room under the Data API's 4 MiB request limit for
 * the SQL and the rest of the request.
 */
export const MAX_ROWS_PARAMETER_BYTES = 3 * 1024 * 1024;

/** The version of the object the rows come from (see `datasets/system-columns.ts`). */
export interface ObjectVersion {
  /** When the object was stored in the lake, ISO 8601; `-infinity` when the store does not say. */
  readonly ingestedAt: string;
  readonly objectKey: string;
}

/** A parsed row with where it came from. */
export interface RowToLoad {
  readonly row: ParsedRow;
  /** Line of the row in its object (1-based). */
  readonly lineNumber: number;
  /** The line as read, kept in `rejected_rows` if the database refuses the row. */
  readonly raw: string;
}

/** A row encoded for the `:rows` parameter. */
export interface EncodedRow extends RowToLoad {
  readonly json: string;
  /** Bytes the JSON takes in the request (see `requestBytes`). */
  readonly bytes: number;
}

export interface UpsertStatement {
  readonly sql: string;
  readonly params: SqlParams;
  /** The rows the statement carries. */
  readonly rows: readonly EncodedRow[];
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
 * Encodes one row. Throws a TypeError naming the dataset, column and value when a value does not fit
 * its column, or a RangeError naming the row by its key when it alone exceeds `maxBytes`.
 */
export function encodeRow(dataset: Dataset, row: RowToLoad, maxBytes = MAX_ROWS_PARAMETER_BYTES): EncodedRow {
  const values = toJsonRow(dataset, row.row);
  values._line_number = row.lineNumber;
  const json = JSON.stringify(values);
  const bytes = requestBytes(json);
  if (ARRAY_BYTES + bytes > maxBytes) {
    const key = dataset.key.map((k) => `${k}=${JSON.stringify(row.row[k])}`).join(', ');
    throw new RangeError(
      `Dataset "${dataset.name}": the row with ${key} takes ${bytes} bytes as JSON, more than one ` +
        `insert statement carries (${maxBytes} bytes; the Data API refuses requests above 4 MiB). ` +
        'Store large values in S3 and keep a reference in the row.',
    );
  }
  return { ...row, json, bytes };
}

/** One statement carrying exactly `rows`. */
export function upsertStatement(
  dataset: Dataset,
  rows: readonly EncodedRow[],
  version: ObjectVersion,
): UpsertStatement {
  return {
    sql: upsertJsonRowsSql(dataset),
    params: {
      rows: { kind: 'json', value: `[${rows.map((r) => r.json).join(',')}]` },
      ingested_at: version.ingestedAt,
      object_key: version.objectKey,
    },
    rows,
  };
}

/** The statements upserting `rows`, split so each statement's rows stay within `maxBytes`. */
export function upsertStatements(
  dataset: Dataset,
  rows: readonly EncodedRow[],
  version: ObjectVersion,
  maxBytes = MAX_ROWS_PARAMETER_BYTES,
): UpsertStatement[] {
  const statements: UpsertStatement[] = [];
  let start = 0;
  let bytes = 0;
  rows.forEach((row, i) => {
    // The first row of a statement brings the array around it, each next one a comma.
    if (i > start && bytes + 1 + row.bytes > maxBytes) {
      statements.push(upsertStatement(dataset, rows.slice(start, i), version));
      start = i;
    }
    bytes = i === start ? ARRAY_BYTES + row.bytes : bytes + 1 + row.bytes;
  });
  if (start < rows.length) statements.push(upsertStatement(dataset, rows.slice(start), version));
  return statements;
}
