import type { PGlite } from '@electric-sql/pglite';
import { DataApiFault } from './errors';

/**
 * Signing in as a service's database role on PGlite's one session. In AWS each secret holds the
 * credentials of one role, and the Data API signs in with them; locally every secret reaches the same
 * session, whose user is a superuser. So a request made with a service's secret runs inside a
 * transaction that first takes the secret's role (`SET LOCAL ROLE`): its statements have exactly that
 * role's privileges, and the role ends with the transaction, so the session is its own user again for
 * the next client (the master secret, `psql` on the wire endpoint).
 *
 * A superuser session can always leave a role it took, so the SQL of a service's secret must not:
 * statements that change the role (`SET ROLE`, `RESET ROLE`, `SET SESSION AUTHORIZATION`,
 * `set_config('role', ...)`) are refused before they run, and after every statement the session must
 * still be the role inside its transaction; otherwise the transaction is rolled back, whatever the
 * statement did (a `DO` block that runs `RESET ROLE` through `EXECUTE`, a `COMMIT` sent as SQL).
 * On Aurora such statements are refused or change nothing, since the role holds no other role.
 */

/** The statements a service's secret may not send: they would leave its role on the local session. */
const ROLE_CHANGE =
  /\b(?:re)?set\s+(?:(?:session|local)\s+)?(?:role|session\s+authorization)\b|\bset_config\s*\(\s*'(?:role|session_authorization)'/i;

/** The error a statement gets for leaving its role: a permission error, as Postgres reports one. */
export const permissionDenied = (message: string) =>
  new DataApiFault('DatabaseErrorException', 400, `ERROR: permission denied: ${message}; SQLState: 42501`);

/** Refuses SQL that would change the role a service's secret signs in as. */
export function refuseRoleChange(sql: string, role: string): void {
  if (ROLE_CHANGE.test(sql)) {
    throw permissionDenied(
      `this secret signs in as role ${role}, and the local Data API refuses statements that change the role ` +
        `(SET ROLE, RESET ROLE, SET SESSION AUTHORIZATION, set_config('role', ...))`,
    );
  }
}

/** Takes `role` until the end of the transaction the session is in. */
export async function takeRole(pg: PGlite, role: string): Promise<void> {
  await pg.exec(`SET LOCAL ROLE "${role.replaceAll('"', '""')}"`);
}

/**
 * Why the session no longer runs as `role` inside its transaction (the last statement changed the
 * role or ended the transaction), or undefined while it still does.
 */
export async function roleProblem(
  pg: PGlite,
  role: string,
  sessionUser: string,
): Promise<string | undefined> {
  if (!pg.isInTransaction()) return `the statement ended the transaction of role ${role}`;
  const { rows } = await pg.query<{ current: string; session: string }>(
    'SELECT current_user AS current, session_user AS session',
  );
  const who = rows[0];
  if (who?.current !== role || who.session !== sessionUser) {
    return `the statement changed the role this secret signs in as (${role}); its transaction was rolled back`;
  }
  return undefined;
}

/**
 * Runs `work` as `role` in a transaction of its own: committed if `work` succeeds and left the role in
 * place, rolled back otherwise. The caller holds the session.
 */
export async function inRole<T>(
  pg: PGlite,
  role: string,
  sessionUser: string,
  work: () => Promise<T>,
): Promise<T> {
  await pg.exec('BEGIN');
  try {
    await takeRole(pg, role);
    const result = await work();
    const problem = await roleProblem(pg, role, sessionUser);
    if (problem) throw permissionDenied(problem);
    await pg.exec('COMMIT');
    return result;
  } catch (err) {
    if (pg.isInTransaction()) await pg.exec('ROLLBACK');
    throw err;
  }
}
