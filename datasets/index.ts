import type { Dataset } from './types';
import { assertValidDatasets } from './check';
import { usage } from './usage';
import { trades } from './trades';
import { samples } from './samples';
import { s3AccessLogs } from './s3-access-logs';

export type { Column, ColumnRole, ColumnType, Dataset, RawFormat } from './types';

/** Every dataset the platform knows, in a stable order. Adding a dataset means adding it here. */
export const DATASETS: readonly Dataset[] = [usage, trades, samples, s3AccessLogs];
// A broken definition fails at load, naming the dataset and field, before any table or parser is derived.
assertValidDatasets(DATASETS);

export function datasetNames(): string[] {
  return DATASETS.map((d) => d.name);
}

/** The dataset called `name`, or undefined. */
export function findDataset(name: string): Dataset | undefined {
  return DATASETS.find((d) => d.name === name);
}

/** The dataset called `name`; throws an error listing the known datasets otherwise. */
export function getDataset(name: string): Dataset {
  const dataset = findDataset(name);
  if (!dataset) {
    throw new Error(`Unknown dataset "${name}". Known datasets: ${datasetNames().join(', ')}.`);
  }
  return dataset;
}
