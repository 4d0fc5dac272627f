import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATASETS } from '../../datasets';
import type { AppConfig } from '../config';
import { acknowledgeControlTower } from '../control-tower';
import { DatasetTable } from '../constructs/dataset-table';
import { S3AccessLogTable } from '../constructs/s3-access-log-table';

export interface AnalyticsStackProps extends StackProps {
  readonly config: AppConfig;
  readonly lakeBucket: s3.IBucket;
  readonly logBucket: s3.IBucket;
  readonly athenaResultsBucket: s3.IBucket;
}

/**
 * The cold store: a Glue database over the lake and the log bucket, and an Athena workgroup that
 * enforces its own settings (engine v3, encrypted results in the results bucket, a per-query scan
 * cutoff), so no query can write elsewhere or scan without limit.
 */
export class AnalyticsStack extends Stack {
  public readonly glueDatabaseName: string;
  public readonly workgroupName: string;
  public readonly workgroup: athena.CfnWorkGroup;
  public readonly glueDatabase: glue.CfnDatabase;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.glueDatabaseName = `${config.projectName.replace(/-/g, '_')}_lake`;
    this.glueDatabase = new glue.CfnDatabase(this, 'GlueDatabase', {
      catalogId: this.account,
      databaseInput: {
        name: this.glueDatabaseName,
        description: 'Tables over the data lake and the S3 server access logs, with partition projection.',
      },
    });
    this.glueDatabase.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.workgroupName = config.projectName;
    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: this.workgroupName,
      description: `Queries over the ${config.projectName} lake; scans above ${config.athenaScanLimitMb} MB are cancelled.`,
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: config.athenaScanLimitMb * 1024 * 1024,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: props.athenaResultsBucket.s3UrlForObject('results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: this.account,
        },
      },
    });

    acknowledgeControlTower(
      this.workgroup,
      ['athena_workgroup_results_encrypted_at_rest_kms_check'],
      'Results are encrypted with SSE-S3 like every bucket of the platform (see the storage stack); a KMS key ' +
        'would add per-request key costs to every query and KMS permissions to every reader.',
    );

    // One table per NDJSON dataset; the ID derives from the dataset name, which never changes.
    for (const dataset of DATASETS.filter((d) => d.format === 'ndjson')) {
      const pascal = dataset.name.replace(/(^|_)([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
      const table = new DatasetTable(this, `${pascal}Table`, {
        dataset,
        lakeBucket: props.lakeBucket,
        glueDatabaseName: this.glueDatabaseName,
        workgroupName: this.workgroupName,
      });
      table.table.addResourceDependency(this.glueDatabase);
      table.namedQueries.forEach((query) => query.addResourceDependency(this.workgroup));
    }
    const accessLogs = new S3AccessLogTable(this, 'S3AccessLogTable', {
      logBucket: props.logBucket,
      glueDatabaseName: this.glueDatabaseName,
      workgroupName: this.workgroupName,
      exampleSourceBucketName: props.lakeBucket.bucketName,
    });
    accessLogs.table.addResourceDependency(this.glueDatabase);
    accessLogs.namedQueries.forEach((query) => query.addResourceDependency(this.workgroup));
    new CfnOutput(this, 'AthenaWorkgroup', { value: this.workgroupName });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.glueDatabaseName });
  }
}
