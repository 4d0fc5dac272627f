import type { Dataset } from '../../datasets/types';
import { toSqlParams } from '../../datasets/sql';
import type { SqlParams, SqlValue } from '../shared/database';
import type { ParsedRow } from './types';

/**
 * One multi-row `INSERT ... ON CONFLICT (<key>) DO NOTHING` for a batch of rows, so one Data API
 * call inserts the batch and reports how many rows were new.
 */
export function multiRowInsert(
  dataset: Dataset,
  rows: readonly ParsedRow[],
): { sql: string; params: SqlParams } {
  if (rows.length === 0) throw new Error('multiRowInsert needs at least one row.');
  const columns = dataset.columns.map((c) => c.name);
  const params: Record<string, SqlValue> = {};
  const tuples = rows.map((row, i) => {
    const values = toSqlParams(dataset, row);
    return `(${columns
      .map((column) => {
        const name = `r${i}_${column}`;
        params[name] = values[column];
        return `:${name}`;
      })
      .join(', ')})`;
  });
  const sql =
    `INSERT INTO ${dataset.name} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ` +
    `ON CONFLICT (${dataset.key.join(', ')}) DO NOTHING`;
  return { sql, params };
}
