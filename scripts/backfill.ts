/**
 * Enqueues existing objects for loading, through the same queue S3 events use.
 *
 *   npm run backfill -- s3://<bucket>/<prefix> [--queue-url <loader queue url>] [--data-dir <dir>] [--dry-run]
 *
 * With --queue-url (the LoaderQueueUrl output of the ingestion stack) it lists the objects in AWS
 * and sends one S3 event notification per object to the loader queue. Without it, it works against
 * the local platform `npm start` runs (its S3 stand-in and its loader queue), found through the
 * state file of its data folder (`--data-dir`, else `LOCAL_DATA_DIR`, else `.local-data`). Objects
 * already loaded (same key and ETag) are skipped quickly by the loader, so a backfill can be repeated.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { s3NotificationBody } from '../lambda/loader/messages';
import { clientDataDir, findLocalEndpoint } from '../local/state';
import { takeFlag } from './take-flag';

const USAGE =
  'Usage: npm run backfill -- s3://<bucket>/<prefix> [--queue-url <loader queue url>] [--data-dir <dir>] [--dry-run]';

/** Parses `s3://bucket/prefix`. */
export function parseS3Url(text: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (!match)
    throw new Error(
      `"${text}" is not an S3 URL: use s3://<bucket>/<prefix>, e.g. s3://my-lake/raw/usage/. ${USAGE}`,
    );
  return { bucket: match[1], prefix: match[2] ?? '' };
}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  const dryRun = args.includes('--dry-run');
  if (dryRun) args.splice(args.indexOf('--dry-run'), 1);
  let queueUrl = takeFlag(args, '--queue-url', USAGE);
  const dataDir = takeFlag(args, '--data-dir', USAGE);
  if (args.length !== 1) throw new Error(USAGE);
  const { bucket, prefix } = parseS3Url(args[0]);

  if (!queueUrl) {
    const folder = clientDataDir(dataDir);
    const s3Url = await findLocalEndpoint(folder, 's3');
    queueUrl = await findLocalEndpoint(folder, 'queue');
    process.env.AWS_ENDPOINT_URL_S3 = s3Url;
    process.env.AWS_ENDPOINT_URL_SQS = new URL(queueUrl).origin;
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    console.log(`local platform: ${s3Url}, queue ${queueUrl}`);
  }
  const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });
  const sqs = new SQSClient({});

  let listed = 0;
  let sent = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    const objects = (page.Contents ?? []).filter((o) => o.Key && !o.Key.endsWith('/'));
    listed += objects.length;
    for (let i = 0; i < objects.length && !dryRun; i += 10) {
      const entries = objects.slice(i, i + 10).map((o, j) => ({
        Id: String(j),
        MessageBody: s3NotificationBody({
          bucket,
          key: o.Key!,
          etag: o.ETag?.replace(/"/g, ''),
          size: o.Size,
        }),
      }));
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (result.Failed?.length) {
        throw new Error(
          `The queue refused ${result.Failed.length} message(s): ${JSON.stringify(result.Failed)}`,
        );
      }
      sent += entries.length;
    }
  } while (token);
  console.log(`objects listed: ${listed}`);
  console.log(dryRun ? 'messages sent: 0 (dry run)' : `messages sent: ${sent}`);
}

if (process.argv[1]?.endsWith('backfill.ts')) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
