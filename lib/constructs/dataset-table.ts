import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  PROJECTION_FIRST_DAY,
  STORAGE_LOCATION_TEMPLATE,
  datasetSavedQueries,
  datasetTableSpec,
  type GlueTableSpec,
} from '../../datasets/glue-tables';
import type { Dataset } from '../../datasets/types';

export { PROJECTION_FIRST_DAY };

/**
 * The `TableInput` of an `AWS::Glue::Table` for a table spec over `bucket`: the spec's location key
 * becomes the bucket URL, and its partition template is appended for `storage.location.template`.
 */
export function glueTableInput(spec: GlueTableSpec, bucket: s3.IBucket): glue.CfnTable.TableInputProperty {
  const location = bucket.s3UrlForObject(spec.locationKey);
  return {
    name: spec.name,
    description: spec.description,
    tableType: 'EXTERNAL_TABLE',
    partitionKeys: spec.partitionKeys.map((c) => ({ ...c })),
    parameters: { ...spec.parameters, [STORAGE_LOCATION_TEMPLATE]: `${location}${spec.partitionTemplate}` },
    storageDescriptor: {
      location,
      columns: spec.columns.map((c) => ({ ...c })),
      inputFormat: spec.inputFormat,
      outputFormat: spec.outputFormat,
      ...(spec.compressed === undefined ? {} : { compressed: spec.compressed }),
      serdeInfo: { serializationLibrary: spec.serde.library, parameters: { ...spec.serde.parameters } },
    },
  };
}

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

/**
 * A Glue table over a dataset's raw batches: JSON SerDe over gzip NDJSON, columns derived from
 * the dataset definition, partitioned by `dt` with partition projection (no crawler and no
 * `MSCK REPAIR`: new days are queryable at once), plus a few saved Athena queries. The table and
 * the queries are rendered from `datasets/glue-tables.ts`, which the local Athena reads too.
 */
export class DatasetTable extends Construct {
  public readonly table: glue.CfnTable;
  public readonly tableName: string;
  public readonly namedQueries: athena.CfnNamedQuery[];
  /** The table as plain data, as the local Athena reads it. */
  public readonly spec: GlueTableSpec;

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
    this.spec = datasetTableSpec(dataset, firstDay);
    this.tableName = this.spec.name;

    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Stack.of(this).account,
      databaseName: props.glueDatabaseName,
      tableInput: glueTableInput(this.spec, props.lakeBucket),
    });

    this.namedQueries = datasetSavedQueries(dataset, props.glueDatabaseName).map((q) => {
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
