/**
 * Ended sessions. A session token is valid by its signature until it expires (12 hours); a logout
 * records the token's random id in the `revoked_sessions` table (migration 0005), which every
 * instance of the dashboard consults, so a logout holds whichever instance serves the next request.
 *
 * The check costs one primary-key lookup, and is made so that it never wakes a paused database:
 * - a request that queries Postgres anyway checks the table first;
 * - any other request (the page, the dataset list, charts on Athena) checks the table only while
 *   Postgres is known to be awake, that is when it answered a data query of this instance within
 *   the last minute. Aurora Serverless v2 pauses after at least 300 seconds without connections
 *   (`SecondsUntilAutoPause` is 300 to 86,400:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html),
 *   so such a lookup never resumes it; the lookups themselves do not count as data queries, so they
 *   keep it awake at most a minute past its last real use. Otherwise the request is checked against the ids this instance
 *   has seen revoked (its own logouts and those it found in the table).
 */
import type { Database, ExecuteResult, Row, SqlParams } from '../../db/database';
import type { Session } from './auth';

/** How long after a data query answered Postgres counts as awake (well under its 5-minute auto-pause). */
export const AWAKE_MS = 60_000;

export class SessionRevocations {
  /** Ids this instance knows to be revoked, with their expiry (ms), dropped once expired. */
  private readonly known = new Map<string, number>();
  private lastDataAnswer = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a logout, everywhere; also purges rows of sessions that have expired anyway. */
  async revoke(session: Session): Promise<void> {
    await this.db.execute(
      'INSERT INTO revoked_sessions (id, expires_at) VALUES (:id, :expires) ON CONFLICT (id) DO NOTHING',
      { id: session.id, expires: new Date(session.expires) },
    );
    await this.db.execute('DELETE FROM revoked_sessions WHERE expires_at < now()');
    this.remember(session);
  }

  /**
   * Whether a (validly signed) session was ended. `queriesDatabase`: the request will query
   * Postgres anyway, so asking the table cannot wake it.
   */
  async isRevoked(session: Session, queriesDatabase: boolean): Promise<boolean> {
    if (this.known.has(session.id)) return true;
    const awake = this.now() - this.lastDataAnswer < AWAKE_MS;
    if (!queriesDatabase && !awake) return false;
    const rows = await this.db.query('SELECT 1 AS revoked FROM revoked_sessions WHERE id = :id', {
      id: session.id,
    });
    if (rows.length > 0) this.remember(session);
    return rows.length > 0;
  }

  /** The database the request handlers use: each answer it gets shows that Postgres is awake. */
  observed(): Database {
    const answered = <T>(result: T): T => {
      this.lastDataAnswer = this.now();
      return result;
    };
    const wrap = (db: Database): Database => ({
      query: <T extends Row = Row>(sql: string, params?: SqlParams) =>
        db.query<T>(sql, params).then(answered),
      execute: <T extends Row = Row>(sql: string, params?: SqlParams): Promise<ExecuteResult<T>> =>
        db.execute<T>(sql, params).then(answered),
      batch: (sql, paramSets, options) => db.batch(sql, paramSets, options).then(answered),
      transaction: (work) => db.transaction((tx) => work(wrap(tx))).then(answered),
    });
    return wrap(this.db);
  }

  private remember(session: Session): void {
    const now = this.now();
    for (const [id, expires] of this.known) if (expires <= now) this.known.delete(id);
    this.known.set(session.id, session.expires);
  }
}
