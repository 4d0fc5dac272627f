import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite is one Postgres session. The local Data API endpoint and the Postgres wire endpoint share
 * it, so whoever opens a transaction must own the session until it ends; otherwise a statement from
 * another client would run inside that transaction. `SessionOwner` hands the session to one owner at
 * a time (a Data API transaction, a single Data API statement, or the wire endpoint while one of its
 * clients is inside a transaction); the others wait in arrival order.
 */
export class SessionOwner {
  private owner: string | undefined;
  private readonly waiters: Array<{ owner: string; resolve: () => void }> = [];

  /** Waits until the session is free or already held by `owner`, then holds it for `owner`. */
  acquire(owner: string): Promise<void> {
    if (this.owner === undefined || this.owner === owner) {
      this.owner = owner;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ owner, resolve }));
  }

  /** Releases the session if `owner` holds it and hands it to the next waiter. */
  release(owner: string): void {
    if (this.owner !== owner) return;
    this.owner = undefined;
    this.wake();
  }

  get holder(): string | undefined {
    return this.owner;
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.owner === undefined) {
      const next = this.waiters.shift()!;
      this.owner = next.owner;
      next.resolve();
      // Waiters of the same owner (concurrent statements of one transaction) go together.
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i].owner === next.owner) this.waiters.splice(i, 1)[0].resolve();
      }
    }
  }
}

const owners = new WeakMap<PGlite, SessionOwner>();

/** The one `SessionOwner` of a PGlite instance, shared by every local endpoint serving it. */
export function sessionOwner(pg: PGlite): SessionOwner {
  let owner = owners.get(pg);
  if (!owner) {
    owner = new SessionOwner();
    owners.set(pg, owner);
  }
  return owner;
}

/** The owner name the Postgres wire endpoint uses. */
export const WIRE_OWNER = 'postgres-wire';

/**
 * A view of `pg` for the Postgres wire endpoint (pglite-socket): each protocol message waits for the
 * session, and the wire endpoint keeps the session while its client is inside a transaction.
 */
export function wireView(pg: PGlite): PGlite {
  const owner = sessionOwner(pg);
  const guarded =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await owner.acquire(WIRE_OWNER);
      try {
        return await fn(...args);
      } finally {
        if (!pg.isInTransaction()) owner.release(WIRE_OWNER);
      }
    };
  const overrides: Record<string, unknown> = {
    runExclusive: guarded(pg.runExclusive.bind(pg)),
    exec: guarded(pg.exec.bind(pg)),
    query: guarded(pg.query.bind(pg)),
    // The wire endpoint's queue keeps serving the client that opened a transaction; a Data API
    // transaction on the shared session is not one of its own.
    isInTransaction: () => owner.holder === WIRE_OWNER && pg.isInTransaction(),
  };
  return new Proxy(pg, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
