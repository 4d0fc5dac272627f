import { glueColumns, type GlueColumn } from './glue';
import type { Dataset } from './types';

/**
 * The Glue tables over the lake and the log bucket, and the saved Athena queries over them, as plain
 * data. The Analytics stack renders these specs as CloudFormation (`lib/constructs/dataset-table.ts`,
 * `lib/constructs/s3-access-log-table.ts`); the local Athena reads the same specs to build its
 * tables. A column added to a dataset therefore appears in both.
 */

/** A Glue table: what the stack writes into `AWS::Glue::Table`, apart from the bucket's URL. */
export interface GlueTableSpec {
  readonly name: string;
  readonly description: string;
  /** The bucket holding the table's objects. */
  readonly bucket: 'lake' | 'logs';
  /** Key prefix of the table's location in that bucket (ends with `/`; may hold tokens in a stack). */
  readonly locationKey: string;
  /**
   * The partition part of `storage.location.template`, after the location
   * (`dt=${dt}/`): each `${column}` is a partition value.
   */
  readonly partitionTemplate: string;
  readonly partitionKeys: readonly GlueColumn[];
  /** Table parameters (projection, classification); `storage.location.template` is added by whoever knows the bucket. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly columns: readonly GlueColumn[];
  readonly inputFormat: string;
  readonly outputFormat: string;
  /** The storage descriptor's `Compressed` flag. @default unset */
  readonly compressed?: boolean;
  readonly serde: { readonly library: string; readonly parameters: Readonly<Record<string, string>> };
}

/** A saved (named) Athena query. */
export interface SavedQuerySpec {
  /** The construct ID of the `AWS::Athena::NamedQuery` (stable: it is the logical ID). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** The table parameter that holds the full partition location template. */
export const STORAGE_LOCATION_TEMPLATE = 'storage.location.template';

const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/** First day covered by the lake tables' partition projection by default (format yyyy-MM-dd). */
export const PROJECTION_FIRST_DAY = '2020-01-01';

/**
 * The table over a dataset's raw batches: JSON SerDe over gzip NDJSON, columns from the dataset
 * definition, partitioned by `dt` with partition projection from `firstDay` (yyyy-MM-dd) to today.
 */
export function datasetTableSpec(dataset: Dataset, firstDay: string = PROJECTION_FIRST_DAY): GlueTableSpec {
  return {
    name: dataset.name,
    description: dataset.description,
    bucket: 'lake',
    locationKey: `raw/${dataset.name}/`,
    partitionTemplate: 'dt=${dt}/',
    partitionKeys: [
      { name: 'dt', type: 'string', comment: 'Day of the earliest record of the batch (UTC), YYYY-MM-DD' },
    ],
    parameters: {
      EXTERNAL: 'TRUE',
      classification: 'json',
      compressionType: 'gzip',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': `${firstDay},NOW`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
    },
    columns: glueColumns(dataset.columns),
    inputFormat: TEXT_INPUT_FORMAT,
    outputFormat: TEXT_OUTPUT_FORMAT,
    compressed: true,
    serde: {
      library: 'org.openx.data.jsonserde.JsonSerDe',
      parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' },
    },
  };
}

/** The date partition filter every saved query uses, so no saved query scans all history. */
const lastDays = (days: number) => `dt >= date_format(current_date - interval '${days}' day, '%Y-%m-%d')`;

/** The saved queries over a dataset's table: latest records, a daily summary, and the top entities. */
export function datasetSavedQueries(dataset: Dataset, database: string): SavedQuerySpec[] {
  const table = `"${database}"."${dataset.name}"`;
  const time = dataset.columns.find((c) => c.role === 'time');
  const measures = dataset.columns.filter((c) => c.role === 'measure' && c.type !== 'json');
  const queries: SavedQuerySpec[] = [
    {
      id: 'LatestQuery',
      name: `${dataset.name}: latest records`,
      description: `The 100 most recent ${dataset.label} records of the last 7 days.`,
      sql: `SELECT *\nFROM ${table}\nWHERE ${lastDays(7)}\nORDER BY ${time ? time.name : 'dt'} DESC\nLIMIT 100;`,
    },
    {
      id: 'DailyQuery',
      name: `${dataset.name}: daily summary`,
      description: `Records per day over the last 30 days${measures.length ? ', with the average of each measure' : ''}.`,
      sql:
        `SELECT dt, count(*) AS records${measures.map((m) => `,\n  avg(${m.name}) AS avg_${m.name}`).join('')}\n` +
        `FROM ${table}\nWHERE ${lastDays(30)}\nGROUP BY dt\nORDER BY dt;`,
    },
  ];
  if (dataset.entityColumn) {
    const measure = measures[0];
    queries.push({
      id: 'TopQuery',
      name: `${dataset.name}: top ${dataset.entityColumn}`,
      description: `The 20 ${dataset.entityColumn} values with the most records${measure ? ` and their total ${measure.name}` : ''} over the last 30 days.`,
      sql:
        `SELECT ${dataset.entityColumn}, count(*) AS records${measure ? `, sum(${measure.name}) AS total_${measure.name}` : ''}\n` +
        `FROM ${table}\nWHERE ${lastDays(30)}\nGROUP BY ${dataset.entityColumn}\nORDER BY records DESC\nLIMIT 20;`,
    });
  }
  return queries;
}

/**
 * The columns of the Athena table for S3 server access logs, exactly as in the AWS documentation
 * ("Querying access logs for requests by using Amazon Athena", Amazon S3 User Guide).
 */
export const S3_ACCESS_LOG_GLUE_COLUMNS: readonly GlueColumn[] = [
  { name: 'bucketowner', type: 'string', comment: 'Canonical user ID of the owner of the source bucket' },
  { name: 'bucket_name', type: 'string', comment: 'Bucket the request was made to' },
  {
    name: 'requestdatetime',
    type: 'string',
    comment: 'Time the request was received, dd/MMM/yyyy:HH:mm:ss Z',
  },
  { name: 'remoteip', type: 'string', comment: 'Apparent IP address of the requester' },
  {
    name: 'requester',
    type: 'string',
    comment: 'Canonical user ID or IAM ARN of the requester, - if anonymous',
  },
  { name: 'requestid', type: 'string', comment: 'Request ID generated by Amazon S3' },
  { name: 'operation', type: 'string', comment: 'e.g. REST.GET.OBJECT' },
  { name: 'key', type: 'string', comment: 'Key of the request, URL-encoded' },
  { name: 'request_uri', type: 'string', comment: 'Request-URI of the HTTP request, quoted' },
  { name: 'httpstatus', type: 'string', comment: 'HTTP status code of the response' },
  { name: 'errorcode', type: 'string', comment: 'Amazon S3 error code, - if none' },
  { name: 'bytessent', type: 'bigint', comment: 'Response bytes sent, excluding HTTP overhead' },
  { name: 'objectsize', type: 'bigint', comment: 'Total size of the object' },
  { name: 'totaltime', type: 'string', comment: 'Milliseconds the request was in flight' },
  { name: 'turnaroundtime', type: 'string', comment: 'Milliseconds Amazon S3 spent processing the request' },
  { name: 'referrer', type: 'string', comment: 'HTTP Referer header, quoted' },
  { name: 'useragent', type: 'string', comment: 'HTTP User-Agent header, quoted' },
  { name: 'versionid', type: 'string', comment: 'Version ID in the request' },
  { name: 'hostid', type: 'string', comment: 'x-amz-id-2 request ID' },
  { name: 'sigv', type: 'string', comment: 'SigV2 or SigV4' },
  { name: 'ciphersuite', type: 'string', comment: 'TLS cipher suite of an HTTPS request' },
  { name: 'authtype', type: 'string', comment: 'AuthHeader or QueryString' },
  { name: 'endpoint', type: 'string', comment: 'Host header: endpoint used to connect to Amazon S3' },
  { name: 'tlsversion', type: 'string', comment: 'TLS version negotiated by the client' },
  { name: 'accesspointarn', type: 'string', comment: 'Access point ARN of the request' },
  { name: 'aclrequired', type: 'string', comment: 'Yes if an ACL was required for authorization' },
];

/**
 * The `input.regex` of the AWS-documented table: one group per column. A record that does not match
 * reads as a row of nulls; fields added after aclRequired are matched by the final `.*` and ignored.
 */
export const S3_ACCESS_LOG_REGEX = String.raw`([^ ]*) ([^ ]*) \[(.*?)\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$`;

/** Date-based partitioning of server access logs was introduced in November 2023. */
export const ACCESS_LOG_PROJECTION_FIRST_DAY = '2023/11/01';

/** Where the access-log table looks, and from which day. */
export interface AccessLogTableOptions {
  /** Target prefix the logged buckets deliver under (`s3-access-logs/`). */
  readonly prefix: string;
  /** Account and Region of the log bucket: S3 delivers logs only to a bucket of the same account and Region. */
  readonly account: string;
  readonly region: string;
  /** First day (yyyy/MM/dd) partition projection covers. @default ACCESS_LOG_PROJECTION_FIRST_DAY */
  readonly firstDay?: string;
  /** @default 's3_access_logs' */
  readonly tableName?: string;
}

/**
 * The table over S3 server access logs in the log bucket, with the AWS-documented columns and
 * RegexSerDe, partitioned the way date-based partitioning delivers
 * (`<prefix><account>/<region>/<source bucket>/YYYY/MM/DD/`): `source_bucket` is injected (queries
 * name the bucket) and `timestamp` is a projected date.
 */
export function accessLogTableSpec(options: AccessLogTableOptions): GlueTableSpec {
  return {
    name: options.tableName ?? 's3_access_logs',
    description: 'Amazon S3 server access logs delivered to the log bucket (date-based partitioning).',
    bucket: 'logs',
    locationKey: `${options.prefix}${options.account}/${options.region}/`,
    partitionTemplate: '${source_bucket}/${timestamp}/',
    partitionKeys: [
      { name: 'source_bucket', type: 'string', comment: 'Logged bucket (injected: filter on it with =)' },
      { name: 'timestamp', type: 'string', comment: 'Day of the records, yyyy/MM/dd (UTC)' },
    ],
    parameters: {
      EXTERNAL: 'TRUE',
      'projection.enabled': 'true',
      'projection.source_bucket.type': 'injected',
      'projection.timestamp.type': 'date',
      'projection.timestamp.format': 'yyyy/MM/dd',
      'projection.timestamp.range': `${options.firstDay ?? ACCESS_LOG_PROJECTION_FIRST_DAY},NOW`,
      'projection.timestamp.interval': '1',
      'projection.timestamp.interval.unit': 'DAYS',
    },
    columns: S3_ACCESS_LOG_GLUE_COLUMNS,
    inputFormat: TEXT_INPUT_FORMAT,
    outputFormat: TEXT_OUTPUT_FORMAT,
    serde: {
      library: 'org.apache.hadoop.hive.serde2.RegexSerDe',
      parameters: { 'input.regex': S3_ACCESS_LOG_REGEX },
    },
  };
}

/** Where the access-log saved queries look. */
export interface AccessLogQueryOptions {
  readonly database: string;
  /** @default 's3_access_logs' */
  readonly table?: string;
  /** The logged bucket the queries look at (Athena needs one value of the injected `source_bucket`). */
  readonly sourceBucket: string;
}

/** The saved queries over the access logs: top keys, top requesters, errors by day, bytes by day. */
export function accessLogSavedQueries(options: AccessLogQueryOptions): SavedQuerySpec[] {
  const table = `"${options.database}"."${options.table ?? 's3_access_logs'}"`;
  const lastDays = (days: number) =>
    `source_bucket = '${options.sourceBucket}'\n  AND "timestamp" >= date_format(current_date - interval '${days}' day, '%Y/%m/%d')`;
  return [
    {
      id: 'TopKeysQuery',
      name: 'S3 access logs: Top keys',
      description:
        'Most requested keys over the last 7 days (change source_bucket to look at another bucket)',
      sql: `SELECT url_decode(key) AS key, count(*) AS requests, sum(coalesce(bytessent, 0)) AS bytes_sent\nFROM ${table}\nWHERE ${lastDays(7)}\n  AND key <> '-'\nGROUP BY 1\nORDER BY requests DESC\nLIMIT 50`,
    },
    {
      id: 'TopRequestersQuery',
      name: 'S3 access logs: Top requesters',
      description: 'Requesters and IP addresses with the most requests over the last 7 days',
      sql: `SELECT requester, remoteip, count(*) AS requests, count_if(regexp_like(httpstatus, '^[45]')) AS errors\nFROM ${table}\nWHERE ${lastDays(7)}\nGROUP BY 1, 2\nORDER BY requests DESC\nLIMIT 50`,
    },
    {
      id: 'ErrorsByDayQuery',
      name: 'S3 access logs: Errors by day',
      description: 'Requests answered with 4xx or 5xx, per day, status and error code, over the last 30 days',
      sql: `SELECT "timestamp" AS day, httpstatus, errorcode, count(*) AS requests\nFROM ${table}\nWHERE ${lastDays(30)}\n  AND regexp_like(httpstatus, '^[45][0-9][0-9]$')\nGROUP BY 1, 2, 3\nORDER BY 1 DESC, requests DESC`,
    },
    {
      id: 'BytesByDayQuery',
      name: 'S3 access logs: Bytes by day',
      description: 'Requests and bytes sent per day over the last 30 days',
      sql: `SELECT "timestamp" AS day, count(*) AS requests, sum(coalesce(bytessent, 0)) AS bytes_sent\nFROM ${table}\nWHERE ${lastDays(30)}\nGROUP BY 1\nORDER BY 1 DESC`,
    },
  ];
}
