import type { AccessLogRules } from './s3-access-log/rules';
import type { Database } from '../../db/database';
import type { Dataset } from '../../datasets/types';

/**
 * The contract between the loader and the parser of each raw format. Kept stable: parsers for
 * other formats (e.g. S3 server access logs) implement exactly this.
 */

/** A parsed row: one key per column of the dataset, values as `toSqlParams` accepts them. */
export type ParsedRow = Record<string, unknown>;

/** What a parser makes of one line of a raw object. */
export type ParseResult =
  /** A row to load, with its line number and the line (kept with the row if the database refuses it). */
  | { readonly kind: 'row'; readonly row: ParsedRow; readonly lineNumber: number; readonly raw: string }
  /** A line that could not be parsed; kept in `rejected_rows` with its reason, never dropped. */
  | { readonly kind: 'rejected'; readonly lineNumber: number; readonly reason: string; readonly raw: string }
  /** A line deliberately not loaded (blank line, filtered-out operation). Counted, not stored. */
  | { readonly kind: 'skipped' };

export interface ObjectParser {
  /** Turns the lines of one object (without line terminators, in order) into results. */
  parse(lines: AsyncIterable<string>): AsyncIterable<ParseResult>;
  /**
   * Called after each batch of rows is loaded, with the rows of that batch (including rows the table
   * already held, and rows it refused). Must be idempotent, e.g. recompute the affected rollup
   * buckets from the table.
   */
  afterLoad?(db: Database, rows: readonly ParsedRow[]): Promise<void>;
}

/** Builds the parser of a dataset. */
export type ParserFactory = (dataset: Dataset, rules: AccessLogRules) => ObjectParser;
