import { randomUUID } from 'node:crypto';
import type { SqsBatchResponse, SqsEvent } from '../../lambda/loader/handler';

/**
 * The queue between the local S3 stand-in and the loader, in memory, with the behaviour of the SQS
 * queue in AWS: up to 10 messages per loader invocation, partial batch failures, a failed message
 * comes back after a delay and moves to a dead-letter list after `maxReceiveCount` deliveries (the
 * redrive policy). It keeps nothing across restarts: on start, the ingestion service enqueues every
 * lake object `loaded_objects` does not list (`recovery.ts`), so a crash loses no accepted batch.
 */

interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  notBefore: number;
}

export interface LoaderQueueOptions {
  /** The loader's handler, called with an SQS event. */
  readonly loader: (event: SqsEvent) => Promise<SqsBatchResponse>;
  /** Deliveries before a message goes to the dead-letter list. */
  readonly maxReceiveCount: number;
  /** Delay before a failed message is delivered again, times the attempt number. */
  readonly retryDelayMs: number;
  readonly log: (line: string) => void;
}

export class LoaderQueue {
  /** Messages that failed every delivery, with the number of deliveries. */
  readonly deadLetters: { body: string; receiveCount: number }[] = [];
  private readonly queue: QueuedMessage[] = [];
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LoaderQueueOptions) {}

  /** Adds a message (an S3 event notification body); returns its message id. */
  enqueue(body: string): string {
    const messageId = randomUUID();
    this.queue.push({ messageId, body, receiveCount: 0, notBefore: 0 });
    this.schedule(0);
    return messageId;
  }

  /** Resolves once every queued message has been processed (or dead-lettered). */
  drain(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.timer) this.schedule(0);
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.idleWaiters.forEach((w) => w());
    this.idleWaiters = [];
  }

  private notifyIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  private schedule(delay: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.deliver();
    }, delay);
  }

  private async deliver(): Promise<void> {
    if (this.inFlight > 0 || this.closed) return;
    const now = Date.now();
    const ready = this.queue.filter((m) => m.notBefore <= now).slice(0, 10);
    if (ready.length === 0) {
      if (this.queue.length > 0) {
        this.schedule(Math.max(10, Math.min(...this.queue.map((m) => m.notBefore)) - now));
      }
      this.notifyIdle();
      return;
    }
    for (const m of ready) this.queue.splice(this.queue.indexOf(m), 1);
    this.inFlight = ready.length;
    ready.forEach((m) => (m.receiveCount += 1));
    let failed = new Set<string>();
    try {
      const response = await this.options.loader({
        Records: ready.map((m) => ({ messageId: m.messageId, body: m.body })),
      });
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (err) {
      this.options.log(`loader: invocation failed: ${(err as Error).message}`);
      failed = new Set(ready.map((m) => m.messageId));
    }
    for (const m of ready.filter((r) => failed.has(r.messageId))) {
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.deadLetters.push({ body: m.body, receiveCount: m.receiveCount });
        this.options.log(
          `loader: message moved to the dead-letter list after ${m.receiveCount} attempts: ${m.body.slice(0, 300)}`,
        );
      } else {
        m.notBefore = Date.now() + this.options.retryDelayMs * m.receiveCount;
        this.queue.push(m);
      }
    }
    this.inFlight = 0;
    this.schedule(0);
  }
}
