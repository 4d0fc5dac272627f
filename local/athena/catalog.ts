/**
 * The local Glue Data Catalog: the same table specs the Analytics stack synthesizes
 * (`datasets/glue-tables.ts`), with their locations in the S3 stand-in's folders. The stand-in
 * keeps an object `s3://<bucket>/<key>` as the file `<s3 root>/<bucket>/<key>`.
 */
import * as path from 'node:path';
import { DATASETS } from '../../datasets';
import { accessLogTableSpec, datasetTableSpec, type GlueTableSpec } from '../../datasets/glue-tables';
import { QueryError } from './dialect';

export interface LocalTable {
  readonly spec: GlueTableSpec;
  /** The folder of the table's location (`s3://<bucket>/<locationKey>`). */
  readonly root: string;
  /** The same location as an S3 URL, for messages. */
  readonly location: string;
}

export interface LocalCatalog {
  /** The one Glue database. */
  readonly database: string;
  readonly tables: ReadonlyMap<string, LocalTable>;
}

export interface LocalCatalogOptions {
  readonly database: string;
  /** The S3 stand-in's folder (holding one folder per bucket). */
  readonly s3Root: string;
  readonly lakeBucket: string;
  readonly logBucket: string;
  /** Where the log bucket receives server access logs: prefix, account and Region of the key layout. */
  readonly accessLogs: { readonly prefix: string; readonly account: string; readonly region: string };
}

/** The tables of the Analytics stack: one per NDJSON dataset, and the S3 access-log table. */
export function localCatalog(options: LocalCatalogOptions): LocalCatalog {
  const specs = [
    ...DATASETS.filter((d) => d.format === 'ndjson').map((d) => datasetTableSpec(d)),
    accessLogTableSpec(options.accessLogs),
  ];
  const tables = new Map<string, LocalTable>();
  for (const spec of specs) {
    const bucket = spec.bucket === 'lake' ? options.lakeBucket : options.logBucket;
    const template = spec.partitionTemplate;
    const missing = spec.partitionKeys.filter((k) => !template.includes(`\${${k.name}}`));
    if (missing.length > 0) {
      throw new Error(
        `Table ${spec.name}: its partition template "${template}" does not name ${missing.map((k) => k.name).join(', ')}.`,
      );
    }
    tables.set(spec.name, {
      spec,
      root: path.join(path.resolve(options.s3Root), bucket, ...spec.locationKey.split('/').filter(Boolean)),
      location: `s3://${bucket}/${spec.locationKey}`,
    });
  }
  return { database: options.database, tables };
}

/**
 * The table a query names: `table`, `database.table` or `awsdatacatalog.database.table`, case
 * insensitive as in Athena; the query's database is the default.
 */
export function resolveTable(
  catalog: LocalCatalog,
  name: { catalog: string; schema: string; table: string },
  contextDatabase: string,
): LocalTable {
  const catalogName = name.catalog.toLowerCase();
  const schema = (name.schema || contextDatabase).toLowerCase();
  const table = name.table.toLowerCase();
  const qualified = `awsdatacatalog.${schema}.${table}`;
  if (catalogName && catalogName !== 'awsdatacatalog') {
    throw new QueryError('CATALOG_NOT_FOUND', `Catalog '${catalogName}' does not exist`);
  }
  if (schema !== catalog.database.toLowerCase()) {
    throw new QueryError('SCHEMA_NOT_FOUND', `Schema '${schema}' does not exist`);
  }
  const found = catalog.tables.get(table);
  if (!found) throw new QueryError('TABLE_NOT_FOUND', `Table '${qualified}' does not exist`);
  return found;
}
