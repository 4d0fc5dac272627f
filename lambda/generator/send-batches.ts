import { canonicalNdjson } from '../shared/ndjson';
import { GENERATORS, type GenerateOptions } from './generators';
import { Random } from './random';
import type { Poster } from './sigv4';

export interface GeneratorRun {
  /** Base URL of the ingest endpoint; batches go to `<url>/<dataset>`. */
  readonly ingestUrl: string;
  /** Records per dataset. */
  readonly count: number;
  readonly post: Poster;
  /** @default every dataset with a generator */
  readonly datasets?: readonly string[];
  readonly now?: Date;
  readonly random?: Random;
}

export interface DatasetSent {
  readonly dataset: string;
  readonly status: number;
  readonly accepted?: number;
  readonly rejected?: number;
  readonly error?: string;
}

/** Joins a base URL and a dataset name into the ingest URL for that dataset. */
export function datasetUrl(base: string, dataset: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(dataset)}`;
}

/**
 * Generates one batch per dataset and POSTs it as NDJSON to the ingest endpoint, like any
 * producer would. A failed dataset is reported and does not stop the others.
 */
export async function sendGeneratedBatches(run: GeneratorRun): Promise<DatasetSent[]> {
  const random = run.random ?? new Random();
  const now = run.now ?? new Date();
  const results: DatasetSent[] = [];
  for (const dataset of run.datasets ?? Object.keys(GENERATORS)) {
    const generate = GENERATORS[dataset];
    if (!generate)
      throw new Error(
        `No generator for dataset "${dataset}". Generators: ${Object.keys(GENERATORS).join(', ')}.`,
      );
    const options: GenerateOptions = { count: run.count, now, random };
    const body = Buffer.from(canonicalNdjson(generate(options)));
    try {
      const response = await run.post(datasetUrl(run.ingestUrl, dataset), body, {
        'content-type': 'application/x-ndjson',
      });
      let parsed: { accepted?: number; rejected?: number; message?: string } = {};
      try {
        parsed = JSON.parse(response.body) as typeof parsed;
      } catch {
        parsed = { message: response.body.slice(0, 300) };
      }
      results.push({
        dataset,
        status: response.status,
        accepted: parsed.accepted,
        rejected: parsed.rejected,
        error: response.status >= 300 ? (parsed.message ?? response.body.slice(0, 300)) : undefined,
      });
    } catch (err) {
      results.push({ dataset, status: 0, error: (err as Error).message });
    }
  }
  return results;
}
