import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { glueColumns } from '../../datasets/glue';
import type { Dataset } from '../../datasets/types';

export interface DatasetTableProps {
  /** The dataset (format `ndjson`) whose raw batches the table reads. */
  readonly dataset: Dataset;
  /** The lake bucket holding `raw/<dataset>/dt=YYYY-MM-DD/*.ndjson.gz`. */
  readonly lakeBucket: s3.IBucket;
  /** Glue database the table belongs to. */
  readonly glueDatabaseName: string;
  /** Athena workgroup the saved queries belong to. */
  readonly workgroupName: string;
  /** First day partition projection covers. @default '2020-01-01' */
  readonly firstDay?: string;
}

/** First day covered by partition projection by default. */
export const PROJECTION_FIRST_DAY = '2020-01-01';

/** The date partition filter every saved query uses, so no saved query scans all history. */
const lastDays = (days: number) => `dt >= date_format(current_date - interval '${days}' day, '%Y-%m-%d')`;

/**
 * A Glue table over a dataset's raw batches: JSON SerDe over gzip NDJSON, columns derived from
 * the dataset definition, partitioned by `dt` with partition projection (no crawler and no
 * `MSCK REPAIR`: new days are queryable at once), plus a few saved Athena queries.
 */
export class DatasetTable extends Construct {
  public readonly table: glue.CfnTable;
  public readonly tableName: string;
  public readonly namedQueries: athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: DatasetTableProps) {
    super(scope, id);
    const { dataset } = props;
    if (dataset.format !== 'ndjson') {
      throw new Error(
        `${id}: dataset "${dataset.name}" has format "${dataset.format}"; DatasetTable reads NDJSON batches only.`,
      );
    }
    const firstDay = props.firstDay ?? PROJECTION_FIRST_DAY;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(firstDay)) {
      throw new Error(`${id}: firstDay "${firstDay}" must be a date YYYY-MM-DD.`);
    }
    this.tableName = dataset.name;
    const location = props.lakeBucket.s3UrlForObject(`raw/${dataset.name}/`);

    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Stack.of(this).account,
      databaseName: props.glueDatabaseName,
      tableInput: {
        name: dataset.name,
        description: dataset.description,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          {
            name: 'dt',
            type: 'string',
            comment: 'Day of the earliest record of the batch (UTC), YYYY-MM-DD',
          },
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
          'storage.location.template': `${location}dt=\${dt}/`,
        },
        storageDescriptor: {
          location,
          columns: glueColumns(dataset.columns),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          compressed: true,
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' },
          },
        },
      },
    });

    const table = `"${props.glueDatabaseName}"."${dataset.name}"`;
    const time = dataset.columns.find((c) => c.role === 'time');
    const measures = dataset.columns.filter((c) => c.role === 'measure' && c.type !== 'json');
    const queries: { id: string; name: string; description: string; sql: string }[] = [
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
    this.namedQueries = queries.map((q) => {
      const named = new athena.CfnNamedQuery(this, q.id, {
        name: q.name,
        description: q.description,
        database: props.glueDatabaseName,
        workGroup: props.workgroupName,
        queryString: q.sql,
      });
      named.addResourceDependency(this.table);
      return named;
    });
  }
}
