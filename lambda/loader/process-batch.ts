import { isRetryableDataApiError } from '../../db/data-api';
import { loadObject, type LoadDependencies, type LoadOutcome } from './load-object';
import { objectsFromMessage } from './messages';

/** The parts of an SQS record the loader uses. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
}

export interface BatchOutcome {
  /** Message IDs to hand back to SQS (`batchItemFailures`). */
  readonly failed: string[];
  readonly outcomes: LoadOutcome[];
}

/**
 * Loads the objects of each message in turn. A failing message is reported on its own, so one
 * bad object does not hold back the others. When the database is resuming or throttling, the
 * remaining messages are handed back untouched: they come back after the visibility timeout.
 */
export async function processMessages(
  deps: LoadDependencies,
  messages: readonly QueueMessage[],
  log: Pick<Console, 'info' | 'warn' | 'error'> = console,
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
        log.info(JSON.stringify({ message: 'object processed', messageId: message.messageId, ...outcome }));
      }
    } catch (err) {
      failed.push(message.messageId);
      if (isRetryableDataApiError(err)) {
        databaseUnavailable = true;
        log.warn(
          JSON.stringify({
            message: 'database unavailable (resuming or throttled); messages will be retried',
            messageId: message.messageId,
            error: (err as Error).message,
          }),
        );
      } else {
        log.error(
          JSON.stringify({
            message: 'message failed',
            messageId: message.messageId,
            error: (err as Error).message,
          }),
        );
      }
    }
  }
  return { failed, outcomes };
}
