/**
 * Where a view's records lie in time: the oldest and the newest. "All time" answers from the oldest
 * record to the newest (so the time-series bucket follows the span of the data, not of the
 * calendar), and an empty period says where the records are instead of only "nothing here".
 *
 * On Postgres the two ends come off the time column's index (`min`/`max` of an indexed column read
 * one index entry each); on Athena they cost one scan of the table, so they are asked only for
 * "All time" and for a period that turned out empty.
 */
import type { Dataset } from '../../datasets';
import { timeColumn } from '../../datasets/sql';
import type { Row, SqlParams } from '../../db/database';
import type { AthenaStatement } from './athena';
import { num } from './charts';
import type { DataExtent, PeriodAnswer } from './contract';
import type { Period } from './params';
import { DEFAULT_SPAN_DAYS } from './params';
import { ident } from './queries';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A Postgres statement with its named parameters. */
export interface PostgresStatement {
  readonly sql: string;
  readonly params: SqlParams;
}

/** The extent of a result row with `oldest` and `newest` in ms since the epoch; null when there are no rows. */
export function extentOf(rows: readonly Row[]): DataExtent | null {
  const oldest = num(rows[0]?.oldest);
  const newest = num(rows[0]?.newest);
  return oldest === null || newest === null ? null : { oldest, newest };
}

/** The oldest and newest record of a dataset's table, on Postgres. */
export function postgresDatasetExtent(dataset: Dataset): PostgresStatement {
  const t = ident(timeColumn(dataset).name);
  return {
    sql: `SELECT date_part('epoch', min(${t})) * 1000 AS oldest, date_part('epoch', max(${t})) * 1000 AS newest FROM ${ident(dataset.name)}`,
    params: {},
  };
}

/** The oldest and newest record of a dataset's table over the lake, on Athena (a scan of every partition). */
export function athenaDatasetExtent(dataset: Dataset): AthenaStatement {
  const t = ident(timeColumn(dataset).name);
  return {
    chart: 'oldest and newest record',
    sql: `SELECT CAST(to_unixtime(min(${t})) * 1000 AS double) AS oldest, CAST(to_unixtime(max(${t})) * 1000 AS double) AS newest FROM ${ident(dataset.name)}`,
    executionParameters: [],
  };
}

/**
 * The range "All time" answers: the whole hours from the oldest record's to the newest's (`to`
 * is exclusive). Whole hours, because the access logs' totals come from hourly rollups: an hour
 * counts when it starts inside the range. Without any record, the default period ending now,
 * which answers "nothing yet".
 */
export function allTimeRange(extent: DataExtent | null, now: Date): { from: Date; to: Date } {
  if (!extent) return { from: new Date(now.getTime() - DEFAULT_SPAN_DAYS * DAY_MS), to: now };
  const hour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
  return { from: new Date(hour(extent.oldest)), to: new Date(hour(extent.newest) + HOUR_MS) };
}

export interface PeriodQuestion<T> {
  readonly period: Period;
  /** Where the records are; asked at most once per answer. */
  readonly extent: () => Promise<DataExtent | null>;
  /** The answer over a resolved range. */
  readonly answer: (range: { from: Date; to: Date }) => Promise<T>;
  /** Whether the answer found no records. */
  readonly empty: (answer: T) => boolean;
  /** @default the clock */
  readonly now?: Date;
}

/**
 * Answers over a period: resolves "All time" to the records' extent, and adds where the records
 * are when the period holds none.
 */
export async function answerOverPeriod<T>(
  q: PeriodQuestion<T>,
): Promise<T & Pick<PeriodAnswer, 'period' | 'dataExtent'>> {
  let known: DataExtent | null | undefined;
  const extent = async () => (known === undefined ? (known = await q.extent()) : known);
  const range = q.period.all ? allTimeRange(await extent(), q.now ?? new Date()) : q.period;
  const answer = await q.answer({ from: range.from, to: range.to });
  const period = q.period.all ? ('all' as const) : ('range' as const);
  return q.empty(answer) ? { ...answer, period, dataExtent: await extent() } : { ...answer, period };
}
