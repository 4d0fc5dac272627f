import { createTableSql } from '../datasets/sql';
import { samples } from '../datasets/samples';
import { s3AccessLogs } from '../datasets/s3-access-logs';
import { trades } from '../datasets/trades';
import { usage } from '../datasets/usage';
import type { Migration } from './index';

/**
 * The tables of the built-in datasets, derived from their definitions. The list is fixed: a dataset
 * added later gets its own migration (`datasetsMigration('00NN_<name>', ...)`), and a change to one
 * of these definitions needs a new migration that alters the table (the runner refuses a migration
 * whose statements changed after it was applied).
 */
export const datasets: Migration = datasetsMigration(
  '0001_datasets',
  'Dataset tables: usage, trades, samples, s3_access_logs',
  [usage, trades, samples, s3AccessLogs],
);

/** A migration creating the tables of `list`, derived from their definitions. */
export function datasetsMigration(
  id: string,
  description: string,
  list: readonly Parameters<typeof createTableSql>[0][],
): Migration {
  return { id, description, statements: list.flatMap(createTableSql) };
}
