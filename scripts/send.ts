/**
 * Sends a file of records to the ingest endpoint.
 *
 *   npm run send -- <dataset> <file> [--url <ingest url>] [--data-dir <dir>]
 *
 * The file holds a JSON array or NDJSON (optionally gzip, by the .gz suffix). Without --url (or
 * INGEST_URL) it goes to the local platform `npm start` runs, found through the state file of its
 * data folder (`--data-dir`, else `LOCAL_DATA_DIR`, else `.local-data`); a deployed Function URL
 * (https://<id>.lambda-url.<region>.on.aws/) is called with SigV4, using the usual AWS credentials.
 */
import * as fs from 'node:fs/promises';
import { datasetUrl } from '../lambda/generator/send-batches';
import { posterFor } from '../lambda/generator/sigv4';
import { clientDataDir, findLocalEndpoint, requireAnswer } from '../local/state';
import { takeFlag } from './take-flag';

const USAGE = 'Usage: npm run send -- <dataset> <file> [--url <ingest url>] [--data-dir <dir>]';

interface Report {
  accepted?: number;
  rejected?: number;
  objectKey?: string;
  message?: string;
  results?: { index: number; status: string; errors?: { message: string }[] }[];
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let url = takeFlag(args, '--url', USAGE) ?? process.env.INGEST_URL;
  const dataDir = takeFlag(args, '--data-dir', USAGE);
  const [dataset, file, ...extra] = args;
  if (!dataset || !file || extra.length > 0 || dataset.startsWith('--')) throw new Error(USAGE);
  if (!url) url = await findLocalEndpoint(clientDataDir(dataDir), 'ingest');
  else if (/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) await requireAnswer(url);
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const gzip = file.endsWith('.gz');
  const text = gzip ? '' : body.subarray(0, 1024).toString('utf8').trimStart();
  const headers: Record<string, string> = {
    'content-type': gzip || text.startsWith('[') ? 'application/json' : 'application/x-ndjson',
  };
  if (gzip) headers['content-encoding'] = 'gzip';
  const target = datasetUrl(url, dataset);
  const response = await posterFor(target)(target, body, headers);
  let report: Report = {};
  try {
    report = JSON.parse(response.body) as Report;
  } catch {
    report = { message: response.body };
  }
  if (response.status >= 300 && report.accepted === undefined) {
    console.error(`${response.status}: ${report.message ?? response.body}`);
    return 1;
  }
  console.log(`status: ${response.status}`);
  console.log(`accepted: ${report.accepted}`);
  console.log(`rejected: ${report.rejected}`);
  if (report.objectKey) console.log(`object: ${report.objectKey}`);
  const rejected = (report.results ?? []).filter((r) => r.status === 'rejected');
  for (const r of rejected.slice(0, 20))
    console.log(`  record ${r.index}: ${r.errors?.map((e) => e.message).join(' ')}`);
  if (rejected.length > 20) console.log(`  ... and ${rejected.length - 20} more rejected records`);
  return response.status >= 300 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  },
);
