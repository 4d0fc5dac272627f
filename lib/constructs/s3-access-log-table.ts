import { Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ACCESS_LOG_PROJECTION_FIRST_DAY,
  S3_ACCESS_LOG_GLUE_COLUMNS,
  S3_ACCESS_LOG_REGEX,
  accessLogSavedQueries,
  accessLogTableSpec,
  type GlueTableSpec,
} from '../../datasets/glue-tables';
import { glueTableInput } from './dataset-table';
import { ACCESS_LOGS_PREFIX } from './secure-bucket';

export { ACCESS_LOG_PROJECTION_FIRST_DAY, S3_ACCESS_LOG_GLUE_COLUMNS, S3_ACCESS_LOG_REGEX };

export interface S3AccessLogTableProps {
  /** The bucket that receives the server access logs, in the date-partitioned key format. */
  readonly logBucket: s3.IBucket;
  /** Glue database the table belongs to. */
  readonly glueDatabaseName: string;
  /** Athena workgroup the saved queries belong to. */
  readonly workgroupName: string;
  /** Bucket the saved queries look at (Athena needs one value of the injected `source_bucket`). */
  readonly exampleSourceBucketName: string;
  /** Target prefix the logged buckets deliver under. @default 's3-access-logs/' */
  readonly prefix?: string;
  /** First day (yyyy/MM/dd) partition projection covers. @default '2023/11/01' */
  readonly firstDay?: string;
  /** Table name. @default 's3_access_logs' */
  readonly tableName?: string;
}

/**
 * A Glue table over the S3 server access logs in the log bucket, with the AWS-documented columns
 * and RegexSerDe, partitioned the way date-based partitioning delivers
 * (`<prefix><account>/<region>/<source bucket>/YYYY/MM/DD/`): `source_bucket` is injected (queries
 * name the bucket) and `timestamp` is a projected date, so no crawler or `MSCK REPAIR` is needed.
 * Account and Region are this stack's: S3 delivers logs only to a bucket of the same account and
 * Region. Adds saved queries: top keys, top requesters, errors by day, bytes by day. The table and
 * the queries are rendered from `datasets/glue-tables.ts`, which the local Athena reads too.
 */
export class S3AccessLogTable extends Construct {
  public readonly table: glue.CfnTable;
  public readonly tableName: string;
  public readonly namedQueries: athena.CfnNamedQuery[];
  /** The table as plain data, as the local Athena reads it. */
  public readonly spec: GlueTableSpec;

  constructor(scope: Construct, id: string, props: S3AccessLogTableProps) {
    super(scope, id);
    const prefix = props.prefix ?? ACCESS_LOGS_PREFIX;
    const firstDay = props.firstDay ?? ACCESS_LOG_PROJECTION_FIRST_DAY;
    this.tableName = props.tableName ?? 's3_access_logs';
    if (!Token.isUnresolved(prefix) && !/^([A-Za-z0-9!_.*'()-]+\/)*$/.test(prefix)) {
      throw new Error(
        `${id}: prefix "${prefix}" must be empty or end with "/" (e.g. "s3-access-logs/"), using only characters safe in S3 keys.`,
      );
    }
    if (!/^\d{4}\/\d{2}\/\d{2}$/.test(firstDay)) {
      throw new Error(
        `${id}: firstDay "${firstDay}" must be a date in the projection format yyyy/MM/dd, e.g. 2023/11/01.`,
      );
    }
    if (!/^[a-z_][a-z0-9_]{0,254}$/.test(this.tableName)) {
      throw new Error(
        `${id}: tableName "${this.tableName}" must be lower-case letters, digits and underscores.`,
      );
    }

    const stack = Stack.of(this);
    this.spec = accessLogTableSpec({
      prefix,
      account: stack.account,
      region: stack.region,
      firstDay,
      tableName: this.tableName,
    });
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: stack.account,
      databaseName: props.glueDatabaseName,
      tableInput: glueTableInput(this.spec, props.logBucket),
    });

    this.namedQueries = accessLogSavedQueries({
      database: props.glueDatabaseName,
      table: this.tableName,
      sourceBucket: props.exampleSourceBucketName,
    }).map(
      (q) =>
        new athena.CfnNamedQuery(this, q.id, {
          name: q.name,
          description: q.description,
          database: props.glueDatabaseName,
          workGroup: props.workgroupName,
          queryString: q.sql,
        }),
    );
    this.namedQueries.forEach((q) => q.addDependency(this.table));
  }
}
