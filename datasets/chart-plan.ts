import { timeColumn } from './sql';
import type { Column, Dataset } from './types';

/**
 * Which columns feed the dashboard's charts, derived from a dataset definition. The dashboard draws
 * the charts from it, and the loader keeps the rollups those charts read from the same plan, so
 * both always agree on the entity, the reference measure and the pie of a dataset.
 */
export interface ChartPlan {
  readonly time: Column;
  /** The column that names a person or entity in the top-N charts. */
  readonly entity: Column;
  /** How titles name several entities ("people"). */
  readonly entityPlural: string;
  /** The scatter's x axis and the ranking of its top records. */
  readonly reference: Column;
  /** The pie: age groups from a date column, or the share of rows per value of a column. */
  readonly share:
    | { readonly kind: 'age'; readonly column: Column }
    | { readonly kind: 'dimension'; readonly column: Column }
    | { readonly kind: 'none' };
}

/**
 * Number of records (scatter) or entities (bar chart) in the top-N charts; also the length of the
 * lists the loader's rollups keep for them.
 */
export const TOP_N = 10;

export function measuresOf(dataset: Dataset): Column[] {
  return dataset.columns.filter((c) => c.role === 'measure');
}

/**
 * Which columns feed the charts, from the dataset definition (`datasets/types.ts`):
 * - the scatter plots the selected measure against `referenceMeasure` (default: the first measure,
 *   or the next one when the first is selected), for the records with the highest reference value;
 * - the entities of the top-N charts are the values of `entityColumn` (default: the first key
 *   column), called `entityPlural` in titles;
 * - the pie groups by `shareColumn` (default: the first dimension): age groups per entity for a
 *   `date` column, otherwise the share of rows per value.
 */
export function chartPlan(dataset: Dataset, measure: Column): ChartPlan {
  const measures = measuresOf(dataset);
  const column = (name: string) => dataset.columns.find((c) => c.name === name);
  const entity = column(dataset.entityColumn ?? dataset.key[0]);
  if (!entity) throw new Error(`Dataset "${dataset.name}" names an entity column that it does not define.`);
  const named = dataset.referenceMeasure === undefined ? undefined : column(dataset.referenceMeasure);
  const reference = named ?? (measures[0].name === measure.name ? (measures[1] ?? measures[0]) : measures[0]);
  const shareColumn =
    dataset.shareColumn === undefined
      ? dataset.columns.find((c) => c.role === 'dimension')
      : column(dataset.shareColumn);
  return {
    time: timeColumn(dataset),
    entity,
    entityPlural: dataset.entityPlural ?? `${entity.label.toLowerCase()} values`,
    reference,
    share: !shareColumn
      ? { kind: 'none' }
      : shareColumn.type === 'date'
        ? { kind: 'age', column: shareColumn }
        : { kind: 'dimension', column: shareColumn },
  };
}
