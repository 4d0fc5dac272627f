import type { Dataset } from '../../datasets/types';
import { isRetryableDataApiError } from '../../db/data-api';
import type { Database } from '../../db/database';
import {
  encodeRow,
  upsertStatement,
  upsertStatements,
  type EncodedRow,
  type ObjectVersion,
  type RowToLoad,
  type UpsertStatement,
} from './insert';

/**
 * Upserts a batch of rows so that one row the database cannot store never sinks its neighbours:
 * when a statement fails for a reason that lies in the data, its rows are split in halves and each
 * half sent again, until the rows the database refuses stand alone; those are returned with the
 * database's reason, every other row is stored. An error that means "try again" (a resuming or
 * throttled database, see `isRetryableDataApiError`) or that no row could cause (a missing table,
 * a permission) is thrown: the object is retried, nothing is taken for bad data.
 */

/** A line that could not be stored, with the reason. */
export interface RejectedLine {
  readonly lineNumber: number;
  readonly reason: string;
  readonly raw: string;
}

export interface UpsertOutcome {
  /** Rows new to the table. */
  readonly inserted: number;
  /** Stored rows replaced by a newer version. */
  readonly updated: number;
  /** Rows whose key the table already holds in the same or a newer version, or superseded by a later line of the batch. */
  readonly skipped: number;
  /** Rows that cannot be stored, with the reason. */
  readonly rejected: RejectedLine[];
}

/**
 * SQLSTATE classes of errors a row's values cause: 21 cardinality violation, 22 data exception
 * (invalid text, out of range, untranslatable character), 23 integrity constraint violation,
 * 54 program limit exceeded (a value too large or too deep).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const DATA_ERROR_CLASSES = new Set(['21', '22', '23', '54']);

/** Whether a failed statement failed because of the values it carried. */
function isDataError(err: unknown): boolean {
  if (isRetryableDataApiError(err)) return false;
  const state = (err as { sqlState?: unknown }).sqlState;
  return typeof state === 'string' && DATA_ERROR_CLASSES.has(state.slice(0, 2));
}

const MAX_REASON = 2000;

/** The database's reason for refusing a row, without the statement. */
function refusal(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : (err as Error).message;
  const reason = `The database refused the row: ${message}`;
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason;
}

/** The text of a row's key, to find rows of the same record within a batch. */
function keyText(dataset: Dataset, row: RowToLoad): string {
  if (dataset.key.length === 1) return String(row.row[dataset.key[0]]);
  return JSON.stringify(dataset.key.map((k) => row.row[k]));
}

export async function upsertRows(
  db: Database,
  dataset: Dataset,
  rows: readonly RowToLoad[],
  version: ObjectVersion,
  maxBytes?: number,
): Promise<UpsertOutcome> {
  const rejected: RejectedLine[] = [];
  // One statement may touch a key once: a later line of the same record supersedes an earlier one.
  const latest = new Map<string, RowToLoad>();
  for (const row of rows) latest.set(keyText(dataset, row), row);
  let skipped = rows.length - latest.size;
  const encoded: EncodedRow[] = [];
  for (const row of latest.values()) {
    try {
      encoded.push(encodeRow(dataset, row, maxBytes));
    } catch (err) {
      if (!(err instanceof TypeError || err instanceof RangeError)) throw err;
      rejected.push({ lineNumber: row.lineNumber, reason: err.message, raw: row.raw });
    }
  }
  let inserted = 0;
  let updated = 0;
  const run = async (statement: UpsertStatement): Promise<void> => {
    try {
      const [counts] = await db.query<{ inserted: number; updated: number }>(statement.sql, statement.params);
      inserted += counts.inserted;
      updated += counts.updated;
      skipped += statement.rows.length - counts.inserted - counts.updated;
    } catch (err) {
      if (!isDataError(err)) throw err;
      const [row] = statement.rows;
      if (statement.rows.length === 1) {
        rejected.push({ lineNumber: row.lineNumber, reason: refusal(err), raw: row.raw });
        return;
      }
      const half = Math.ceil(statement.rows.length / 2);
      await run(upsertStatement(dataset, statement.rows.slice(0, half), version));
      await run(upsertStatement(dataset, statement.rows.slice(half), version));
    }
  };
  for (const statement of upsertStatements(dataset, encoded, version, maxBytes)) await run(statement);
  return { inserted, updated, skipped, rejected };
}
