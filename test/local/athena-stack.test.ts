/**
 * The local Athena serves the Analytics stack's own definitions: its Glue tables equal the ones the
 * stack synthesizes (columns, partition keys, projection, SerDe, location), and every saved query
 * the stack creates runs on it over data written as the ingest function and S3 write it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../datasets';
import type { GlueColumn } from '../../datasets/glue';
import { STORAGE_LOCATION_TEMPLATE } from '../../datasets/glue-tables';
import { GENERATORS } from '../../lambda/generator/generators';
import { localCatalog, type LocalTable } from '../../local/athena/catalog';
import { Random } from '../../lambda/generator/random';
import { LOCAL_ACCOUNT_ID } from '../../local/athena/service';
import { LOCAL_LAKE_BUCKET, LOCAL_LOG_BUCKET } from '../../local/ingestion';
import { synthApp } from '../support/synth';
import {
  DATABASE,
  accessLogKey,
  runQuery,
  startTestAthena,
  writeBatch,
  writeObject,
  type TestAthena,
} from './athena-fixtures';

type Json = Record<string, unknown>;

let t: TestAthena;
let resources: [string, { Type: string; Properties: Json }][];

/**
 * A CloudFormation string value with its intrinsics resolved as in the local platform: the stack's
 * account and Region, and any bucket reference as `bucket`.
 */
function resolve(value: unknown, bucket: string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => resolve(part, bucket)).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref === 'AWS::AccountId') return LOCAL_ACCOUNT_ID;
  if (ref === 'AWS::Region') return 'us-east-1';
  if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
  return bucket;
}

beforeAll(async () => {
  const { json } = synthApp({}, { nag: false });
  resources = Object.entries(
    (json.Analytics!.Resources ?? {}) as Record<string, { Type: string; Properties: Json }>,
  );
  t = await startTestAthena();
  const now = new Date();
  for (const dataset of DATASETS.filter((d) => d.format === 'ndjson')) {
    writeBatch(t.s3Root, dataset.name, GENERATORS[dataset.name]!({ count: 40, now, random: new Random(11) }));
  }
  const day = now.toISOString().slice(0, 10);
  const [d, m, y] = [
    day.slice(8, 10),
    now.toLocaleString('en', { month: 'short', timeZone: 'UTC' }),
    day.slice(0, 4),
  ];
  const line = (key: string, status: string) =>
    `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be ${LOCAL_LAKE_BUCKET} [${d}/${m}/${y}:10:00:00 +0000] 192.0.2.3 ` +
    `- 3E57427F3EXAMPLE REST.GET.OBJECT ${key} "GET /${LOCAL_LAKE_BUCKET}/${key} HTTP/1.1" ${status} - 512 512 3 2 "-" "curl/8" - ` +
    `hostid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader ${LOCAL_LAKE_BUCKET}.s3.amazonaws.com TLSv1.3 - -`;
  writeObject(
    t.s3Root,
    LOCAL_LOG_BUCKET,
    accessLogKey(LOCAL_LAKE_BUCKET, day, 'log-1'),
    `${line('raw/usage/a.ndjson.gz', '200')}\n${line('missing', '404')}\n`,
  );
}, 180_000);
afterAll(() => t?.close());

describe('the local catalog is the Analytics stack catalog', () => {
  it('has every Glue table the stack synthesizes, with the same columns, partitions, projection, SerDe and location', () => {
    const tables = resources.filter(([, r]) => r.Type === 'AWS::Glue::Table');
    expect(tables.length).toBe(DATASETS.filter((d) => d.format === 'ndjson').length + 1);
    for (const [, resource] of tables) {
      expect(resource.Properties.DatabaseName).toBe(DATABASE);
      const input = resource.Properties.TableInput as Json;
      const local = localTables().get(input.Name as string);
      expect(local, String(input.Name)).toBeDefined();
      const { spec } = local!;
      const storage = input.StorageDescriptor as Json;
      const cfn = (columns: readonly GlueColumn[]) =>
        columns.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment }));
      expect(storage.Columns).toEqual(cfn(spec.columns));
      expect(input.PartitionKeys).toEqual(cfn(spec.partitionKeys));
      const parameters = { ...(input.Parameters as Record<string, unknown>) };
      const template = parameters[STORAGE_LOCATION_TEMPLATE];
      delete parameters[STORAGE_LOCATION_TEMPLATE];
      expect(parameters).toEqual(spec.parameters);
      expect(storage.SerdeInfo).toEqual({
        SerializationLibrary: spec.serde.library,
        Parameters: spec.serde.parameters,
      });
      const bucket = spec.bucket === 'lake' ? LOCAL_LAKE_BUCKET : LOCAL_LOG_BUCKET;
      expect(resolve(storage.Location, bucket)).toBe(local!.location);
      expect(resolve(template, bucket)).toBe(`${local!.location}${spec.partitionTemplate}`);
    }
  });

  it('runs every saved query the stack creates, each answering rows', async () => {
    const named = resources.filter(([, r]) => r.Type === 'AWS::Athena::NamedQuery');
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const [id, resource] of named) {
      const p = resource.Properties;
      // The access-log queries name the lake bucket as the logged bucket: here, the local lake.
      const sql = resolve(p.QueryString, LOCAL_LAKE_BUCKET);
      const answer = await runQuery(t.client, sql, {
        database: p.Database as string,
        workgroup: p.WorkGroup as string,
      });
      expect(
        answer.execution.Status?.State,
        `${id} (${String(p.Name)}): ${answer.execution.Status?.StateChangeReason}`,
      ).toBe('SUCCEEDED');
      expect(answer.rows.length, `${id} (${String(p.Name)})`).toBeGreaterThan(0);
      expect(answer.execution.Statistics?.DataScannedInBytes, id).toBeGreaterThan(0);
    }
  });
});

/** The local catalog's tables, as the local Athena builds them for `npm start`. */
function localTables(): ReadonlyMap<string, LocalTable> {
  return localCatalog({
    database: DATABASE,
    s3Root: t.s3Root,
    lakeBucket: LOCAL_LAKE_BUCKET,
    logBucket: LOCAL_LOG_BUCKET,
    accessLogs: { prefix: 's3-access-logs/', account: LOCAL_ACCOUNT_ID, region: 'us-east-1' },
  }).tables;
}
