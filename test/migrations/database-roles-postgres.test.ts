/**
 * The services' roles on a real PostgreSQL server with many sessions, signing in with passwords as
 * the Data API does on Aurora: the migrations create the roles NOLOGIN, the deploy step
 * (`setRolePasswords`, with Secrets Manager mocked by a map) gives each the password of its secret,
 * and then each service's own session can do its job and nothing more, while the others run beside it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRollupLocks } from '../../lambda/loader/rollup-lock';
import { setRolePasswords, type SecretStore } from '../../lambda/role-passwords/role-passwords';
import { LOGIN_PASSWORD_KEY } from '../../db/login-password';
import { DATABASE_ROLES } from '../../migrations/roles';
import { runMigrations } from '../../migrations/runner';
import {
  postgresBinaries,
  startPostgres,
  type PostgresServer,
  type PostgresSession,
} from '../support/postgres-server';

const bin = postgresBinaries();

/** Secrets Manager, mocked: secret values by ARN. */
function memoryStore(values: Record<string, string>): SecretStore & { values: Record<string, string> } {
  return {
    values,
    async read(arn) {
      const value = values[arn];
      if (value === undefined) throw new Error(`no secret ${arn}`);
      return value;
    },
    async write(arn, value) {
      values[arn] = value;
    },
  };
}

const password = () => randomBytes(24).toString('base64url');
const DASHBOARD_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:dashboard-AbCdEf';
const LOADER_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:loader-AbCdEf';
const ROLES = [
  { role: DATABASE_ROLES.dashboard, secretArn: DASHBOARD_ARN, loginPassword: true },
  { role: DATABASE_ROLES.loader, secretArn: LOADER_ARN },
];

async function permissionDenied(work: Promise<unknown>): Promise<string> {
  const err = (await work.then(
    () => undefined,
    (e: unknown) => e,
  )) as { sqlState?: string; message: string } | undefined;
  expect(err, 'refused').toBeDefined();
  expect(err!.sqlState, err!.message).toBe('42501');
  return err!.message;
}

// Needs PostgreSQL server binaries (apt package postgresql; present on GitHub's Ubuntu runners).
describe.skipIf(!bin)(
  'service roles on a real PostgreSQL server, signed in with passwords (mocked Secrets Manager)',
  () => {
    let server: PostgresServer;
    let admin: PostgresSession;
    let store: ReturnType<typeof memoryStore>;
    const secret = (arn: string) => JSON.parse(store.values[arn]!) as Record<string, string>;

    beforeAll(async () => {
      server = await startPostgres(bin!, { passwordLogins: true });
      admin = await server.connect();
      await runMigrations(admin);
      store = memoryStore({
        [DASHBOARD_ARN]: JSON.stringify({ username: DATABASE_ROLES.dashboard, password: password() }),
        [LOADER_ARN]: JSON.stringify({ username: DATABASE_ROLES.loader, password: password() }),
      });
    }, 300_000);
    afterAll(() => server?.stop());

    it('the roles cannot sign in until the deploy step gives them their passwords', async () => {
      const { username, password: pw } = secret(LOADER_ARN);
      // NOLOGIN and no password yet: the server refuses the sign-in.
      await expect(server.connect({ user: username!, password: pw })).rejects.toThrow(
        /password authentication failed|not permitted to log in/,
      );
      const canLogin = () =>
        admin.query(
          "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'analytics\\_%' ORDER BY rolname",
        );
      expect(await canLogin()).toEqual([
        { rolname: DATABASE_ROLES.dashboard, rolcanlogin: false },
        { rolname: DATABASE_ROLES.loader, rolcanlogin: false },
      ]);
      expect(await setRolePasswords(admin, store, ROLES)).toEqual([
        DATABASE_ROLES.dashboard,
        DATABASE_ROLES.loader,
      ]);
      expect((await canLogin()).map((r) => r.rolcanlogin)).toEqual([true, true]);
      const generated = secret(DASHBOARD_ARN)[LOGIN_PASSWORD_KEY];
      expect(generated).toMatch(/^[A-Za-z0-9]{32}$/);
      // Run again (every deploy that changes the roles does): same secrets, same login password.
      await setRolePasswords(admin, store, ROLES);
      expect(secret(DASHBOARD_ARN)[LOGIN_PASSWORD_KEY]).toBe(generated);
    });

    it('each service signs in with its own secret, and a wrong password is refused', async () => {
      await expect(
        server.connect({ user: DATABASE_ROLES.dashboard, password: secret(LOADER_ARN).password }),
      ).rejects.toThrow(/password authentication failed/);
      const dashboard = await server.connect({
        user: DATABASE_ROLES.dashboard,
        password: secret(DASHBOARD_ARN).password,
      });
      const [who] = await dashboard.query('SELECT current_user AS u, session_user AS s');
      expect(who).toEqual({ u: DATABASE_ROLES.dashboard, s: DATABASE_ROLES.dashboard });
      dashboard.close();
    });

    it('the grants hold in concurrent sessions: the loader loads and keeps rollups while the dashboard reads', async () => {
      const loader = await server.connect({
        user: DATABASE_ROLES.loader,
        password: secret(LOADER_ARN).password,
      });
      const dashboard = await server.connect({
        user: DATABASE_ROLES.dashboard,
        password: secret(DASHBOARD_ARN).password,
      });
      try {
        // The loader holds a rollup lock in an open transaction while the dashboard reads and logs out.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const recompute = withRollupLocks(
          loader,
          's3_access_log_hourly',
          ['b\n2024-01-01T10:00:00Z'],
          async (tx) => {
            await tx.execute(
              `INSERT INTO s3_access_logs (record_id, bucket, request_time, request_id, operation)
           VALUES ('r1', 'b', TIMESTAMPTZ '2024-01-01 10:05:00Z', 'q1', 'REST.GET.OBJECT')
           ON CONFLICT (record_id) DO UPDATE SET operation = EXCLUDED.operation`,
            );
            await tx.execute(
              `INSERT INTO s3_access_log_hourly (bucket, hour, requests, bytes_sent, errors, server_errors, distinct_keys, distinct_requesters, distinct_remote_ips)
           VALUES ('b', TIMESTAMPTZ '2024-01-01 10:00:00Z', 1, 0, 0, 0, 0, 0, 0)
           ON CONFLICT (bucket, hour) DO UPDATE SET requests = EXCLUDED.requests`,
            );
            await held;
          },
        );
        expect(await dashboard.query('SELECT count(*) AS n FROM s3_access_log_hourly')).toEqual([{ n: 0 }]);
        await dashboard.execute(
          "INSERT INTO revoked_sessions (id, expires_at) VALUES ('s', now() + interval '1 hour')",
        );
        release();
        await recompute;
        expect(await dashboard.query('SELECT requests FROM s3_access_log_hourly')).toEqual([{ requests: 1 }]);
        await dashboard.execute('DELETE FROM revoked_sessions WHERE expires_at < now()');

        // What each may not do, in its own session.
        await permissionDenied(dashboard.execute("DELETE FROM s3_access_logs WHERE record_id = 'r1'"));
        await permissionDenied(dashboard.execute('CREATE TABLE stolen (x text)'));
        await permissionDenied(dashboard.query('SELECT * FROM schema_migrations'));
        await permissionDenied(dashboard.query('SELECT raw_line FROM rejected_rows'));
        await permissionDenied(loader.execute('CREATE TABLE stolen (x text)'));
        await permissionDenied(loader.execute('DROP TABLE s3_access_log_hourly'));
        await permissionDenied(loader.query('SELECT id FROM revoked_sessions'));
        await permissionDenied(
          loader.execute("INSERT INTO revoked_sessions (id, expires_at) VALUES ('x', now())"),
        );
        // A role holds no other role: it cannot take the loader's, nor the master's.
        await permissionDenied(dashboard.execute(`SET ROLE ${DATABASE_ROLES.loader}`));
        await permissionDenied(dashboard.execute('SET ROLE postgres'));
        await permissionDenied(dashboard.execute('SET SESSION AUTHORIZATION postgres'));
        // RESET ROLE keeps the role the session signed in as.
        await dashboard.execute('RESET ROLE');
        await permissionDenied(dashboard.execute("DELETE FROM s3_access_logs WHERE record_id = 'r1'"));
      } finally {
        loader.close();
        dashboard.close();
      }
    });

    it('a rotated secret reaches its role on the next run: the old password stops working', async () => {
      const old = secret(LOADER_ARN).password!;
      store.values[LOADER_ARN] = JSON.stringify({ username: DATABASE_ROLES.loader, password: password() });
      await setRolePasswords(admin, store, ROLES);
      await expect(server.connect({ user: DATABASE_ROLES.loader, password: old })).rejects.toThrow(
        /password authentication failed/,
      );
      const loader = await server.connect({
        user: DATABASE_ROLES.loader,
        password: secret(LOADER_ARN).password,
      });
      expect(await loader.query('SELECT current_user AS u')).toEqual([{ u: DATABASE_ROLES.loader }]);
      loader.close();
    });
  },
);
