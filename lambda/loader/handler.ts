import { databaseFromEnv } from '../../db/data-api';
import { structuredLogger } from '../shared/log';
import { createS3Client, s3ObjectReader } from '../shared/s3';
import { MAX_RECEIVE_COUNT_ENV } from './contract';
import { DEFAULT_BATCH_SIZE } from './load-object';
import { processMessages, type QueueMessage } from './process-batch';
import { routingFromEnv } from './route';
import { accessLogRulesFromEnv } from './s3-access-log/rules';

/** The parts of the Lambda SQS event the loader reads. */
export interface SqsEvent {
  readonly Records: readonly QueueMessage[];
}

/** Partial batch response: only the listed messages return to the queue. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

const reader = s3ObjectReader(createS3Client());
const db = databaseFromEnv();
const routing = routingFromEnv();
// Read once at cold start: a bad setting fails the function at once, not every access-log object.
const accessLogRules = accessLogRulesFromEnv();
const batchSize = Number(process.env.LOADER_BATCH_SIZE ?? DEFAULT_BATCH_SIZE);
const maxReceiveCount = process.env[MAX_RECEIVE_COUNT_ENV]
  ? Number(process.env[MAX_RECEIVE_COUNT_ENV])
  : undefined;
const log = structuredLogger();

/** SQS handler: loads the object of each message, reporting failures per message. */
export async function handler(event: SqsEvent): Promise<SqsBatchResponse> {
  const { failed } = await processMessages(
    { reader, db, routing, accessLogRules, batchSize },
    event.Records ?? [],
    log,
    { maxReceiveCount },
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
