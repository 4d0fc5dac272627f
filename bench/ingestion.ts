/**
 * Ingestion benchmark: figures, not assertions.
 *
 * 1. Records/s through the ingest domain code (decode, parse, validate, canonical NDJSON, gzip).
 * 2. Rows/s through the loader into local Postgres (PGlite behind the local Data API endpoint,
 *    real SDK client), per INSERT batch size.
 * 3. Bundle size of each function, built with the settings of `AppFunction` (esbuild, minified,
 *    tree-shaken, ESM, node22).
 *
 * Run: `npm run bench` (all benchmarks) or `npx tsx bench/ingestion.ts`.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import * as esbuild from 'esbuild';
import { getDataset } from '../datasets';
import { generateUsage } from '../lambda/generator/generators';
import { Random } from '../lambda/generator/random';
import { ingest, prepareBatch } from '../lambda/ingest/ingest';
import { loadObject, type ObjectReader } from '../lambda/loader/load-object';
import { createDatabase } from '../db/data-api';
import { runMigrations } from '../migrations/runner';
import {
  LOCAL_CLUSTER_ARN,
  LOCAL_DATABASE,
  LOCAL_SECRET_ARN,
  startDataApiServer,
} from '../local/data-api-server';

const REPO = path.resolve(import.meta.dirname, '..');
const FUNCTIONS = ['lambda/ingest/handler.ts', 'lambda/loader/handler.ts', 'lambda/generator/handler.ts'];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function benchIngest(): Promise<void> {
  const records = generateUsage({ count: 50_000, now: new Date(), random: new Random(1) });
  const bodies = {
    'JSON array': Buffer.from(JSON.stringify(records)),
    'NDJSON, gzip': gzipSync(records.map((r) => JSON.stringify(r)).join('\n')),
  };
  const writer = { putObject: async () => undefined };
  for (const [label, body] of Object.entries(bodies)) {
    await ingest({ writer, bucket: 'b' }, { datasetName: 'usage', body }); // warm-up
    const runs = 3;
    const start = performance.now();
    for (let i = 0; i < runs; i++) await ingest({ writer, bucket: 'b' }, { datasetName: 'usage', body });
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `ingest (${label}, 50,000 records, ${(body.length / 1e6).toFixed(1)} MB): ${fmt((records.length * runs) / seconds)} records/s`,
    );
  }
}

async function benchLoader(): Promise<void> {
  const usage = getDataset('usage');
  const pg = await PGlite.create();
  const server = await startDataApiServer({ pg });
  try {
    const db = createDatabase({
      resourceArn: LOCAL_CLUSTER_ARN,
      secretArn: LOCAL_SECRET_ARN,
      database: LOCAL_DATABASE,
    });
    process.env.AWS_ENDPOINT_URL_RDS_DATA = server.url;
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    await runMigrations(db);
    const rows = 20_000;
    for (const batchSize of [100, 250, 1000]) {
      await db.execute('TRUNCATE usage, loaded_objects, rejected_rows');
      const records = generateUsage({
        count: rows,
        now: new Date(Date.UTC(2024, 0, 1)),
        windowMs: 86_400_000 * 30,
        random: new Random(batchSize),
      });
      const batch = prepareBatch(usage, records, new Date());
      const reader: ObjectReader = {
        getObjectStream: async () => ({
          etag: String(batchSize),
          body: (async function* () {
            yield batch.raw!.body;
          })(),
        }),
      };
      const start = performance.now();
      const outcome = await loadObject(
        {
          reader,
          db,
          routing: { lakeBucket: 'lake' },
          batchSize,
          log: { info: () => undefined, warn: () => undefined },
        },
        { bucket: 'lake', key: batch.raw!.key },
      );
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `loader (${fmt(outcome.rowsInserted)} new rows of ${fmt(batch.accepted.length)}, ${batchSize} rows per INSERT): ` +
          `${fmt(batch.accepted.length / seconds)} rows/s`,
      );
    }
  } finally {
    await server.close();
    await pg.close();
  }
}

async function benchBundles(): Promise<void> {
  for (const entry of FUNCTIONS) {
    const result = await esbuild.build({
      entryPoints: [path.join(REPO, entry)],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      treeShaking: true,
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].contents;
    console.log(
      `bundle ${entry}: ${(code.length / 1024).toFixed(0)} KiB (${(gzipSync(code).length / 1024).toFixed(0)} KiB zipped)`,
    );
  }
}

export async function run(): Promise<void> {
  console.log('--- ingestion ---');
  await benchIngest();
  await benchLoader();
  await benchBundles();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
