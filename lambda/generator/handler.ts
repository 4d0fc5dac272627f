import { structuredLogger } from '../shared/log';
import { sendGeneratedBatches, type DatasetSent } from './send-batches';
import { posterFor } from './sigv4';

const log = structuredLogger();

const ingestUrl = process.env.INGEST_URL ?? '';
const count = Number(process.env.GENERATOR_BATCH_SIZE ?? 100);

/** Scheduled: sends one generated batch per dataset through the ingest endpoint. */
export async function handler(): Promise<{ results: DatasetSent[] }> {
  if (!ingestUrl) throw new Error('INGEST_URL is not set: the generator needs the ingest endpoint URL.');
  const results = await sendGeneratedBatches({ ingestUrl, count, post: posterFor(ingestUrl) });
  log.info({ message: 'generated batches sent', results });
  const failed = results.filter((r) => r.status < 200 || r.status >= 300);
  if (failed.length > 0) {
    // Failing the invocation makes the failure visible in the function's error metric.
    throw new Error(`Ingest refused ${failed.length} generated batch(es): ${JSON.stringify(failed)}`);
  }
  return { results };
}
