import { isRetryableDataApiError } from '../../db/data-api';
import { structuredLogger, type Logger } from '../shared/log';
import { loadObject, ObjectLoadError, type LoadDependencies, type LoadOutcome } from './load-object';
import { objectsFromMessage } from './messages';

/** The parts of an SQS record the loader uses. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  /** SQS attributes; `ApproximateReceiveCount` says how often the message was delivered. */
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

export interface BatchOutcome {
  /** Message IDs to hand back to SQS (`batchItemFailures`). */
  readonly failed: string[];
  readonly outcomes: LoadOutcome[];
}

export interface ProcessOptions {
  /**
   * Deliveries after which SQS moves a failing message to the dead-letter queue (the queue's
   * `maxReceiveCount`): the failure of such a delivery is logged as a dead-letter arrival.
   * @default undefined: arrivals are not told apart from other failures
   */
  readonly maxReceiveCount?: number;
}

/**
 * Loads the objects of each message in turn. A failing message is reported on its own, so one
 * bad object does not hold back the others; its failure leaves one structured log line with the
 * dataset and object key (`object failed`, or `object moved to the dead-letter queue` on its last
 * delivery). When the database is resuming or throttling, the remaining messages are handed back
 * untouched: they come back after the visibility timeout.
 */
export async function processMessages(
  deps: LoadDependencies,
  messages: readonly QueueMessage[],
  log: Logger = structuredLogger(),
  options: ProcessOptions = {},
): Promise<BatchOutcome> {
  const failed: string[] = [];
  const outcomes: LoadOutcome[] = [];
  let databaseUnavailable = false;
  for (const message of messages) {
    if (databaseUnavailable) {
      failed.push(message.messageId);
      continue;
    }
    try {
      for (const ref of objectsFromMessage(message.body)) {
        const outcome = await loadObject({ ...deps, log }, ref);
        outcomes.push(outcome);
        log.info({ message: 'object processed', messageId: message.messageId, ...outcome });
      }
    } catch (err) {
      failed.push(message.messageId);
      const receiveCount = Number(message.attributes?.ApproximateReceiveCount ?? 0) || undefined;
      const where =
        err instanceof ObjectLoadError ? { dataset: err.dataset, bucket: err.bucket, key: err.key } : {};
      const lastDelivery =
        options.maxReceiveCount !== undefined &&
        receiveCount !== undefined &&
        receiveCount >= options.maxReceiveCount;
      const retryable = isRetryableDataApiError(err);
      if (retryable) databaseUnavailable = true;
      if (retryable && !lastDelivery) {
        log.warn({
          message: 'database unavailable (resuming or throttled); messages will be retried',
          messageId: message.messageId,
          ...where,
          receiveCount,
          error: (err as Error).message,
        });
      } else {
        log.error({
          message: lastDelivery ? 'object moved to the dead-letter queue' : 'object failed',
          messageId: message.messageId,
          ...where,
          receiveCount,
          maxReceiveCount: options.maxReceiveCount,
          error: (err as Error).message,
        });
      }
    }
  }
  return { failed, outcomes };
}
