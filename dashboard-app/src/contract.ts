/**
 * The contract between the dashboard's server and its page: the API paths, the query parameters
 * each accepts and the shape of each answer. The server's handlers and the page's views both import
 * it, so a renamed chart, parameter or field fails the type check on whichever side did not follow.
 * Types and constants only (no Node.js, no DOM): the page's bundle includes this file.
 */

export type Engine = 'postgres' | 'athena';
export const ENGINES: readonly Engine[] = ['postgres', 'athena'];

/** The six charts of the metrics view, in page order; the page's chart elements are `chart-<name>`. */
export const CHART_NAMES = ['scatter', 'top', 'series', 'box', 'histogram', 'share'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** Time bucket units of the line charts; `date_trunc` accepts each in both engines. */
export type BucketUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** The one period named instead of given by `from`/`to`: every record, from the oldest to the newest. */
export const PERIOD_ALL = 'all';

/** Where the records of a view lie: the oldest and the newest, in ms since the epoch. */
export interface DataExtent {
  readonly oldest: number;
  readonly newest: number;
}

/** What every answer over a period says about the period. */
export interface PeriodAnswer {
  /** The period answered, ISO 8601 UTC; `from` inclusive, `to` exclusive. */
  readonly from: string;
  readonly to: string;
  /** `all` for `period=all`: `from` and `to` are then the hours of the oldest and the newest record. */
  readonly period: 'all' | 'range';
  /**
   * Only when the period holds no records: where the records are, so the page can say so
   * ("Newest record: …"); `null` when there are none at all.
   */
  readonly dataExtent?: DataExtent | null;
}

/** What the pie shows: age groups from a date column, the share of rows per value, or nothing. */
export type ShareKind = 'age' | 'dimension' | 'none';

export interface AxisLabel {
  readonly name: string;
  readonly label: string;
  readonly unit?: string;
}

/** `GET /api/charts`: the six charts of one selection. */
export interface ChartsResponse {
  readonly dataset: string;
  readonly datasetLabel: string;
  readonly engine: Engine;
  readonly measure: AxisLabel;
  readonly time: AxisLabel;
  readonly from: string;
  readonly to: string;
  /** Rows of the selection that have a value for the measure. */
  readonly rows: number;
  readonly empty: boolean;
  readonly charts: {
    readonly scatter: {
      readonly title: string;
      readonly x: AxisLabel;
      readonly y: AxisLabel;
      readonly points: { entity: string; x: number; y: number; at: number }[];
    };
    readonly top: {
      readonly title: string;
      readonly x: AxisLabel;
      readonly y: AxisLabel;
      readonly bars: { entity: string; value: number }[];
    };
    readonly series: {
      readonly title: string;
      readonly bucket: BucketUnit;
      readonly y: AxisLabel;
      /** [bucket start (ms since epoch), average, rows]. */
      readonly points: [number, number, number][];
    };
    readonly box: {
      readonly title: string;
      readonly y: AxisLabel;
      /** Quartiles estimated (Athena's approx_percentile, or the rollups' fine bins on a wide range). */
      readonly approximate: boolean;
      readonly stats: {
        count: number;
        min: number;
        q1: number;
        median: number;
        q3: number;
        max: number;
      } | null;
    };
    readonly histogram: {
      readonly title: string;
      readonly x: AxisLabel;
      /** Counts estimated from fine bins (a wide range on Postgres): each within a few percent. */
      readonly approximate: boolean;
      readonly bins: { from: number; to: number; count: number }[];
    };
    readonly share: {
      readonly title: string;
      readonly kind: ShareKind;
      readonly slices: { label: string; value: number }[];
    };
  };
}

/** What the charts of one Athena request scanned and cost. */
export interface AthenaUsage {
  readonly bytesScanned: number;
  readonly costUsd: number;
  readonly queries: number;
  readonly cachedQueries: number;
  readonly queryExecutionIds: string[];
}

export interface ChartsApiResponse extends ChartsResponse, PeriodAnswer {
  /** Present when the charts ran on Athena. */
  readonly athena?: AthenaUsage;
  readonly updatedAt: string;
}

export type AthenaStatus =
  { readonly available: true } | { readonly available: false; readonly reason: string };

/** One chartable dataset, as the metrics view's controls need it. */
export interface DatasetSummary {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly time: { readonly name: string; readonly label: string };
  readonly measures: { readonly name: string; readonly label: string; readonly unit: string | null }[];
  readonly share: ShareKind;
  /** The column the pie groups by (a date column for age groups), if any. */
  readonly shareColumn: { readonly name: string; readonly label: string } | null;
  /** Whether the charts can run on Athena (the lake's NDJSON tables). */
  readonly athena: boolean;
}

/** `GET /api/datasets`. */
export interface DatasetsResponse {
  readonly refreshSeconds: number;
  readonly athena: AthenaStatus;
  readonly datasets: DatasetSummary[];
  /** Whether the S3 access logs view exists. */
  readonly accessLogs: boolean;
}

/** A row of a "top" list of the access logs: requests and bytes sent per value. */
export interface CountedRow {
  readonly label: string;
  readonly requests: number;
  readonly bytes: number;
}

export interface TrafficPoint {
  /** Bucket start, ms since the epoch. */
  readonly t: number;
  readonly requests: number;
  readonly bytes: number;
  readonly errors: number;
}

/** The access logs' buckets of time: hours at the finest (the rollups are hourly). */
export type TrafficUnit = Exclude<BucketUnit, 'minute'>;

interface AccessLogRange extends PeriodAnswer {
  readonly bucket: string | null;
  readonly unit: TrafficUnit;
  readonly series: TrafficPoint[];
  readonly engine: Engine;
  /** Present when the answer ran on Athena. */
  readonly athena?: AthenaUsage & {
    /** The logged buckets read: Athena's table needs them named (`source_bucket`). */
    readonly buckets: string[];
  };
  readonly updatedAt: string;
}

/** `GET /api/access-logs`. */
export interface AccessLogOverview extends AccessLogRange {
  readonly totals: { readonly requests: number; readonly bytes: number; readonly errors: number };
  readonly buckets: { readonly bucket: string; readonly requests: number }[];
  readonly topKeys: CountedRow[];
  readonly topRequesters: CountedRow[];
  readonly topIps: CountedRow[];
  readonly statuses: CountedRow[];
  readonly operations: CountedRow[];
  readonly downloads: { readonly full: number; readonly partial: number; readonly invalid: number };
  readonly errorCodes: CountedRow[];
}

/** `GET /api/access-logs/key`. */
export interface AccessLogKeyResponse extends AccessLogRange {
  readonly key: string;
  readonly statuses: CountedRow[];
  readonly requesters: CountedRow[];
  readonly recent: {
    readonly at: number;
    readonly bucket: string;
    readonly operation: string | null;
    readonly status: number | null;
    readonly bytes: number | null;
    readonly requester: string | null;
    readonly errorCode: string | null;
  }[];
}

/** `GET /api/database`. */
export interface DatabaseStatus {
  readonly tables: {
    readonly name: string;
    readonly rows: number;
    readonly exact: boolean;
    readonly totalBytes: number;
    readonly tableBytes: number;
  }[];
  readonly loaderInstalled: boolean;
  readonly ingestion: {
    readonly dataset: string;
    readonly objects: number;
    readonly rowsInserted: number;
    readonly rowsRejected: number;
    readonly rowsSkipped: number;
    readonly lastLoadedAt: number | null;
  }[];
  readonly recentRejections: {
    readonly bucket: string;
    readonly objectKey: string;
    readonly line: number | null;
    readonly reason: string;
    readonly at: number | null;
  }[];
  readonly activeQueries: {
    readonly pid: number | null;
    readonly state: string;
    readonly user: string;
    readonly runningMs: number | null;
    readonly query: string;
  }[];
  readonly updatedAt: string;
}

export const CHART_PARAMS = ['dataset', 'measure', 'time', 'from', 'to', 'period', 'engine'] as const;
export const ACCESS_LOG_PARAMS = ['from', 'to', 'period', 'bucket', 'engine'] as const;
export const ACCESS_LOG_KEY_PARAMS = ['from', 'to', 'period', 'bucket', 'key', 'engine'] as const;

/** Every API route: the query parameters it accepts and what it answers. */
export interface ApiRoutes {
  '/api/datasets': { readonly params: never; readonly response: DatasetsResponse };
  '/api/charts': { readonly params: (typeof CHART_PARAMS)[number]; readonly response: ChartsApiResponse };
  '/api/access-logs': {
    readonly params: (typeof ACCESS_LOG_PARAMS)[number];
    readonly response: AccessLogOverview;
  };
  '/api/access-logs/key': {
    readonly params: (typeof ACCESS_LOG_KEY_PARAMS)[number];
    readonly response: AccessLogKeyResponse;
  };
  '/api/database': { readonly params: never; readonly response: DatabaseStatus };
}
export type ApiPath = keyof ApiRoutes;
/** The query of a request to `P`: only the parameters it accepts. */
export type ApiQuery<P extends ApiPath> = Partial<Record<ApiRoutes[P]['params'], string>>;

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: string;
  /** Names the server's log line of this request. */
  readonly requestId: string;
}

/** The body of a 503 while the database resumes from zero capacity (with `Retry-After`). */
export interface ResumingBody extends ErrorBody {
  readonly state: 'resuming';
  readonly retryAfter: number;
}
