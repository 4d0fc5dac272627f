import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type { SessionOwner } from '../connection';
import { badRequest, databaseFault, type DataApiFault } from './errors';
import { inRole, permissionDenied, roleProblem, takeRole } from './roles';

/**
 * Data API transactions over PGlite's one session: a transaction holds the session from
 * BeginTransaction until it is committed, rolled back, or idle for `timeoutMs` (then rolled back,
 * as by the Data API); a statement outside a transaction holds it for itself. Others wait in order.
 * A request made with a service's secret runs as that secret's database role (`roles.ts`): a
 * transaction takes the role when it begins, a statement outside one in a transaction of its own.
 */

/** Who a request signs in as: its secret, and the database role of that secret (none: the session's own user). */
export interface SignIn {
  readonly secretArn: string;
  readonly role: string | undefined;
}

interface OpenTransaction {
  readonly id: string;
  readonly signIn: SignIn;
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
    /** The session's own user, which a role's transaction must leave unchanged. */
    private readonly sessionUser: string,
  ) {}

  /**
   * Runs `work` holding the session, as `signIn` says: inside the named transaction (begun with the
   * same secret), or as a statement of its own. `work` is told whether it runs inside a transaction.
   */
  async withSession<T>(
    transactionId: unknown,
    signIn: SignIn,
    work: (inTransaction: boolean) => Promise<T>,
  ): Promise<T> {
    if (transactionId !== undefined && transactionId !== null) {
      const tx = this.transaction(transactionId);
      this.checkSecret(tx, signIn);
      await this.acquire(tx);
      this.touch(tx);
      try {
        const result = await work(true);
        await this.keepRole(tx);
        return result;
      } finally {
        if (this.open.has(tx.id)) this.touch(tx);
      }
    }
    const owner = `statement-${++this.statementCounter}`;
    await this.owner.acquire(owner);
    try {
      const { role } = signIn;
      if (role) return await inRole(this.pg, role, this.sessionUser, () => work(true));
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

  /** Opens a transaction, as the role of `signIn` if it has one, and returns its id. */
  async begin(signIn: SignIn): Promise<string> {
    const id = randomBytes(96).toString('base64');
    await this.owner.acquire(id);
    try {
      await this.pg.exec('BEGIN');
      if (signIn.role) await takeRole(this.pg, signIn.role);
    } catch (err) {
      if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
      this.owner.release(id);
      throw databaseFault(err);
    }
    const tx: OpenTransaction = { id, signIn, timer: setTimeout(() => undefined, 0) };
    this.open.set(id, tx);
    this.touch(tx);
    return id;
  }

  /** Commits or rolls back the transaction `id`, begun with the secret of `signIn`. */
  async end(id: unknown, signIn: SignIn, command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const tx = this.transaction(id);
    this.checkSecret(tx, signIn);
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

  /** A transaction belongs to the secret that began it. */
  private checkSecret(tx: OpenTransaction, signIn: SignIn): void {
    if (tx.signIn.secretArn !== signIn.secretArn) {
      throw badRequest(
        `Transaction ${short(tx.id)} was begun with secret ${tx.signIn.secretArn}; ` +
          `send its statements with the same secretArn, not ${signIn.secretArn}.`,
      );
    }
  }

  /**
   * After a statement of a role's transaction: if it left the role (or ended the transaction), the
   * transaction is rolled back and the statement fails.
   */
  private async keepRole(tx: OpenTransaction): Promise<void> {
    const { role } = tx.signIn;
    if (!role) return;
    const problem = await roleProblem(this.pg, role, this.sessionUser);
    if (!problem) return;
    await this.finish(tx, 'ROLLBACK').catch(() => undefined);
    throw permissionDenied(problem);
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
    return badRequest(
      this.ended.has(id)
        ? `Transaction ${short(id)} is not found: it was committed, rolled back, or expired after being idle.`
        : `Transaction ${short(id)} is not found.`,
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

/** A transaction id short enough for a message. */
function short(id: string): string {
  return id.length > 24 ? `${id.slice(0, 24)}...` : id;
}
