import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type { SessionOwner } from '../connection';
import { badRequest, databaseFault, type DataApiFault } from './errors';

/**
 * Data API transactions over PGlite's one session: a transaction holds the session from
 * BeginTransaction until it is committed, rolled back, or idle for `timeoutMs` (then rolled back,
 * as by the Data API); a statement outside a transaction holds it for itself. Others wait in order.
 */

interface OpenTransaction {
  readonly id: string;
  timer: NodeJS.Timeout;
}

export class Transactions {
  private readonly open = new Map<string, OpenTransaction>();
  private readonly ended = new Set<string>();
  private statementCounter = 0;

  constructor(
    private readonly pg: PGlite,
    private readonly owner: SessionOwner,
    private readonly timeoutMs: number,
  ) {}

  /** Runs `work` holding the session: inside the named transaction, or as a statement of its own. */
  async withSession<T>(transactionId: unknown, work: (inTransaction: boolean) => Promise<T>): Promise<T> {
    if (transactionId !== undefined && transactionId !== null) {
      const tx = this.transaction(transactionId);
      await this.acquire(tx);
      this.touch(tx);
      try {
        return await work(true);
      } finally {
        if (this.open.has(tx.id)) this.touch(tx);
      }
    }
    const owner = `statement-${++this.statementCounter}`;
    await this.owner.acquire(owner);
    try {
      return await work(false);
    } finally {
      try {
        // A statement such as BEGIN must not leave the shared session inside a transaction.
        if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
      } finally {
        this.owner.release(owner);
      }
    }
  }

  /** Opens a transaction and returns its id. */
  async begin(): Promise<string> {
    const id = randomBytes(96).toString('base64');
    await this.owner.acquire(id);
    try {
      await this.pg.exec('BEGIN');
    } catch (err) {
      this.owner.release(id);
      throw databaseFault(err);
    }
    const tx: OpenTransaction = { id, timer: setTimeout(() => undefined, 0) };
    this.open.set(id, tx);
    this.touch(tx);
    return id;
  }

  /** Commits or rolls back the transaction `id`. */
  async end(id: unknown, command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const tx = this.transaction(id);
    await this.acquire(tx);
    await this.finish(tx, command);
  }

  /** Rolls back every open transaction. */
  async close(): Promise<void> {
    for (const tx of [...this.open.values()]) {
      await this.owner.acquire(tx.id);
      if (this.open.has(tx.id)) await this.finish(tx, 'ROLLBACK').catch(() => undefined);
      else this.owner.release(tx.id);
    }
  }

  private async finish(tx: OpenTransaction, command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    clearTimeout(tx.timer);
    this.open.delete(tx.id);
    this.ended.add(tx.id);
    try {
      await this.pg.exec(command);
    } catch (err) {
      if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
      throw databaseFault(err);
    } finally {
      this.owner.release(tx.id);
    }
  }

  /** Waits for the session on behalf of `tx`; fails (holding nothing) if it ended meanwhile. */
  private async acquire(tx: OpenTransaction): Promise<void> {
    await this.owner.acquire(tx.id);
    if (!this.open.has(tx.id)) {
      this.owner.release(tx.id);
      throw this.notFound(tx.id);
    }
  }

  private transaction(id: unknown): OpenTransaction {
    if (typeof id !== 'string' || id === '') throw badRequest('transactionId is required.');
    const tx = this.open.get(id);
    if (!tx) throw this.notFound(id);
    return tx;
  }

  private notFound(id: string): DataApiFault {
    const short = id.length > 24 ? `${id.slice(0, 24)}...` : id;
    return badRequest(
      this.ended.has(id)
        ? `Transaction ${short} is not found: it was committed, rolled back, or expired after being idle.`
        : `Transaction ${short} is not found.`,
    );
  }

  private touch(tx: OpenTransaction): void {
    clearTimeout(tx.timer);
    tx.timer = setTimeout(() => {
      // Expiry waits for the session like any request, then rolls the transaction back.
      void this.owner.acquire(tx.id).then(async () => {
        if (!this.open.has(tx.id)) {
          this.owner.release(tx.id);
          return;
        }
        await this.finish(tx, 'ROLLBACK').catch(() => undefined);
      });
    }, this.timeoutMs);
    tx.timer.unref();
  }
}
