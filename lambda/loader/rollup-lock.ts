import { createHash } from 'node:crypto';
import type { Database } from '../../db/database';

/**
 * Serialises the recomputes of a rollup's buckets across loaders, so concurrent loaders leave every
 * bucket exact. Any rollup kept by recomputing its touched buckets from the base table (the S3
 * access-log hours, per-dataset metrics) runs its recompute through `withRollupLocks`.
 *
 * The race it closes: loader 1's recompute of an hour reads the base table, loader 2 commits new
 * rows of that hour and writes its own (complete) recompute, then loader 1 writes its older result
 * over it: the hour stays one load behind. With the lock, the recomputes of a bucket run one after
 * another, each in a transaction that first takes the bucket's lock and only then reads the base
 * table. Every insert into a bucket is committed before its loader's recompute of the bucket, so the
 * last recompute to take the lock sees every row, and no older result can follow it.
 *
 * The locks are transaction-scoped advisory locks (`pg_advisory_xact_lock(namespace, key)`): they
 * wait for another session holding the same key, are released at commit or rollback (also when a
 * Data API transaction is rolled back for being idle), and live in a key space of their own (the
 * two-integer form). The reading statement must take its snapshot after the lock is granted, which
 * READ COMMITTED (the Postgres default, used by Data API transactions) does for every statement.
 * Keys are taken in ascending order, so two loaders locking overlapping buckets cannot deadlock; a
 * hash collision between two buckets only serialises them.
 * https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 *
 * Locally the Data API serves one PGlite session: a transaction holds that session, so the recomputes
 * are serialised anyway and the locks are granted at once; the same code is correct on Aurora with
 * any number of loader sessions.
 */

/** A signed 32-bit integer derived from `text`, stable across processes and versions. */
function lockKey(text: string): number {
  return createHash('sha256').update(text).digest().readInt32BE(0);
}

/** The lock statement: one advisory lock per key, taken in the order of the array. */
const LOCK_SQL =
  'SELECT count(*) AS locked FROM (SELECT pg_advisory_xact_lock(CAST(:namespace AS integer), k) ' +
  'FROM unnest(CAST(:keys AS integer[])) AS k) AS l';

/**
 * Runs `work` in a transaction holding the locks of `buckets` of `rollup` (a name, e.g. the rollup
 * table). `work` must read the base table and write the rollup rows of those buckets only after this
 * call took the locks, inside the transaction it is given.
 */
export async function withRollupLocks<T>(
  db: Database,
  rollup: string,
  buckets: readonly string[],
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  const keys = [...new Set(buckets.map(lockKey))].sort((a, b) => a - b);
  return db.transaction(async (tx) => {
    await tx.query(LOCK_SQL, { namespace: lockKey(rollup), keys: `{${keys.join(',')}}` });
    return work(tx);
  });
}
