/**
 * The services' database roles: each table grants exactly what `TABLE_ACCESS` lists (a new table
 * without its grants fails here), the dashboard's credentials can read what it charts and record
 * logouts but write, create or read nothing else, the loader's credentials can load and keep rollups
 * but not create, drop or touch the dashboard's sessions, and the real dashboard and loader code work
 * with exactly those grants. Everything goes through the real RDS Data API client against the local
 * endpoint, which signs each secret in as its role, as Aurora does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startDashboardServer } from '../../dashboard-app/src/server';
import { getDataset } from '../../datasets';
import { prepareBatch } from '../../lambda/ingest/ingest';
import { loadObject, type ObjectReader } from '../../lambda/loader/load-object';
import { withRollupLocks } from '../../lambda/loader/rollup-lock';
import { DATABASE_ROLES, TABLE_ACCESS, type ServiceRole, type TablePrivilege } from '../../migrations/roles';
import { loginCookie } from '../support/dashboard-login';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/s3-access-logs');
const PRIVILEGES: TablePrivilege[] = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
];
const COLUMN_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES'] as const;

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());

/** Fails unless `work` is refused with a permission error (SQLSTATE 42501, or 42501-like 42P01 never). */
async function refused(work: Promise<unknown>, what: string): Promise<void> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e as { sqlState?: string; message: string },
  );
  expect(err, `${what} should be refused`).toBeDefined();
  expect(err!.sqlState, `${what}: ${err!.message}`).toBe('42501');
}

async function countOf(table: string): Promise<number> {
  const [row] = await t.db.query<{ n: number }>(`SELECT CAST(count(*) AS integer) AS n FROM ${table}`);
  return row!.n;
}

describe('grants', () => {
  type Grants = { table: string[]; columnsOnly: Record<string, string[]> };

  /** What `role` may do to every table and view of the schema, as Postgres decides it. */
  async function grantsOf(role: string): Promise<Record<string, Grants>> {
    const tables = await t.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`,
    );
    const out: Record<string, Grants> = {};
    for (const { name } of tables) {
      const table: string[] = [];
      for (const privilege of PRIVILEGES) {
        const [row] = await t.db.query<{ ok: boolean }>(
          'SELECT has_table_privilege(:role, CAST(:table AS regclass), :privilege) AS ok',
          { role, table: name, privilege },
        );
        if (row!.ok) table.push(privilege);
      }
      const columnsOnly: Record<string, string[]> = {};
      for (const privilege of COLUMN_PRIVILEGES) {
        if (table.includes(privilege)) continue;
        const rows = await t.db.query<{ name: string }>(
          `SELECT a.attname AS name FROM pg_attribute a
           WHERE a.attrelid = CAST(:table AS regclass) AND a.attnum > 0 AND NOT a.attisdropped
             AND has_column_privilege(:role, a.attrelid, a.attnum, :privilege) ORDER BY a.attnum`,
          { role, table: name, privilege },
        );
        if (rows.length > 0) columnsOnly[privilege] = rows.map((r) => r.name);
      }
      out[name] = { table, columnsOnly };
    }
    return out;
  }

  test.each(Object.keys(DATABASE_ROLES) as ServiceRole[])(
    'every table grants the %s role exactly what TABLE_ACCESS lists',
    async (service) => {
      const actual = await grantsOf(DATABASE_ROLES[service]);
      const unlisted = Object.keys(actual).filter((table) => !(table in TABLE_ACCESS));
      expect(
        unlisted,
        'tables without an entry in TABLE_ACCESS (migrations/roles.ts): grant their readers and writers what ' +
          'they need in the migration that creates them, and list them there',
      ).toEqual([]);
      const expected = Object.fromEntries(
        Object.keys(actual).map((table) => {
          const access = TABLE_ACCESS[table]![service];
          const columnsOnly: Record<string, string[]> = access.selectColumns
            ? { SELECT: [...access.selectColumns] }
            : {};
          return [table, { table: [...access.table], columnsOnly }];
        }),
      );
      const sorted = (g: Record<string, Grants>) =>
        Object.fromEntries(
          Object.entries(g).map(([k, v]) => [
            k,
            {
              table: [...v.table].sort(),
              columnsOnly: Object.fromEntries(
                Object.entries(v.columnsOnly).map(([p, c]) => [p, [...c].sort()]),
              ),
            },
          ]),
        );
      expect(sorted(actual)).toEqual(sorted(expected));
    },
  );

  test('TABLE_ACCESS names no table the migrations do not create', async () => {
    const rows = await t.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    );
    const tables = new Set(rows.map((r) => r.name));
    expect(Object.keys(TABLE_ACCESS).filter((table) => !tables.has(table))).toEqual([]);
  });

  test.each(Object.values(DATABASE_ROLES))(
    '%s holds no other role, no attribute beyond a plain role, and may create nothing',
    async (role) => {
      const [attributes] = await t.db.query(
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit
         FROM pg_roles WHERE rolname = :role`,
        { role },
      );
      expect(attributes).toEqual({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolinherit: true,
      });
      const memberships = await t.db.query(
        `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
         JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :role`,
        { role },
      );
      expect(memberships).toEqual([]);
      const [create] = await t.db.query(
        `SELECT has_schema_privilege(:role, 'public', 'CREATE') AS in_schema,
                has_database_privilege(:role, current_database(), 'CREATE') AS in_database`,
        { role },
      );
      expect(create).toEqual({ in_schema: false, in_database: false });
    },
  );
});

describe("the dashboard's credentials", () => {
  beforeEach(async () => {
    await t.db.execute('TRUNCATE usage, revoked_sessions, rejected_rows, loaded_objects');
    await t.db.execute(
      `INSERT INTO rejected_rows (bucket, object_key, line_number, reason, raw_line)
       VALUES ('lake', 'raw/usage/x.ndjson.gz', 3, 'bad JSON', '{"secret": "from a producer"')`,
    );
  });

  test('read every table it charts and the ingestion status, and record, check and purge logouts', async () => {
    for (const table of [
      'usage',
      'trades',
      'samples',
      's3_access_logs',
      's3_access_log_hourly',
      'loaded_objects',
    ]) {
      await expect(t.dashboard.query(`SELECT count(*) AS n FROM ${table}`), table).resolves.toHaveLength(1);
    }
    const [rejected] = await t.dashboard.query(
      'SELECT bucket, object_key, line_number, reason, rejected_at FROM rejected_rows',
    );
    expect(rejected).toMatchObject({ bucket: 'lake', line_number: 3, reason: 'bad JSON' });
    await t.dashboard.execute(
      "INSERT INTO revoked_sessions (id, expires_at) VALUES ('s1', now() + interval '1 hour'), ('s0', now() - interval '1 hour')",
    );
    await t.dashboard.execute('DELETE FROM revoked_sessions WHERE expires_at < now()');
    expect(await t.dashboard.query('SELECT id FROM revoked_sessions')).toEqual([{ id: 's1' }]);
  });

  test('cannot INSERT, UPDATE, DELETE or TRUNCATE any data, bookkeeping or migration table', async () => {
    const row = { name: 'Mallory', at: '2024-01-01 00:00:00' };
    await refused(
      t.dashboard.execute(
        `INSERT INTO usage (person_name, birth_date, accessed_at, session_duration, download_speed, upload_speed, consumed_traffic)
         VALUES (:name, DATE '1990-01-01', CAST(:at AS timestamptz), 1, 1, 1, 1)`,
        row,
      ),
      'INSERT INTO usage',
    );
    await refused(t.dashboard.execute('UPDATE usage SET session_duration = 0'), 'UPDATE usage');
    await refused(t.dashboard.execute('DELETE FROM usage'), 'DELETE FROM usage');
    await refused(t.dashboard.execute('TRUNCATE usage'), 'TRUNCATE usage');
    await refused(t.dashboard.execute('DELETE FROM loaded_objects'), 'DELETE FROM loaded_objects');
    await refused(t.dashboard.execute('DELETE FROM rejected_rows'), 'DELETE FROM rejected_rows');
    await refused(t.dashboard.execute('UPDATE revoked_sessions SET id = id'), 'UPDATE revoked_sessions');
    await refused(
      t.dashboard.execute(
        "INSERT INTO schema_migrations (id, description, checksum) VALUES ('9999_x', 'x', 'x')",
      ),
      'INSERT INTO schema_migrations',
    );
    await refused(t.dashboard.execute('DELETE FROM schema_migrations'), 'DELETE FROM schema_migrations');
    // Inside a Data API transaction just the same.
    await refused(
      t.dashboard.transaction((tx) => tx.execute('DELETE FROM usage')),
      'DELETE FROM usage in a transaction',
    );
  });

  test('cannot CREATE, DROP, ALTER or GRANT anything', async () => {
    for (const sql of [
      'CREATE TABLE stolen (x text)',
      'CREATE VIEW v AS SELECT 1 AS x',
      'CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$',
      'CREATE SCHEMA mine',
      'DROP TABLE usage',
      'ALTER TABLE usage ADD COLUMN x text',
    ]) {
      await refused(t.dashboard.execute(sql), sql);
    }
    // A GRANT by a role without the grant option grants nothing (Postgres warns, it does not fail).
    await t.dashboard.execute('GRANT DELETE ON usage TO analytics_dashboard').catch(() => undefined);
    await refused(t.dashboard.execute('DELETE FROM usage'), 'DELETE after a GRANT of its own');
  });

  test('cannot read tables outside its grants: the migrations, the rejected input itself', async () => {
    await refused(t.dashboard.query('SELECT * FROM schema_migrations'), 'SELECT FROM schema_migrations');
    await refused(t.dashboard.query('SELECT raw_line FROM rejected_rows'), 'SELECT raw_line');
    await refused(t.dashboard.query('SELECT * FROM rejected_rows'), 'SELECT * FROM rejected_rows');
  });

  test('cannot leave its role: role changes are refused, and whatever escapes is rolled back', async () => {
    for (const sql of [
      'RESET ROLE',
      'SET ROLE NONE',
      'SET ROLE postgres',
      'set local role postgres',
      'SET SESSION AUTHORIZATION DEFAULT',
      'RESET SESSION AUTHORIZATION',
      "SELECT set_config('role', 'none', false)",
    ]) {
      await refused(t.dashboard.execute(sql), sql);
    }
    // Escapes the text check (EXECUTE builds the statement), then writes: the whole statement is undone.
    const escape =
      "DO $$ BEGIN EXECUTE 'RE' || 'SET ROLE'; INSERT INTO revoked_sessions VALUES ('escaped', now()); END $$";
    await refused(t.dashboard.execute(escape), 'a DO block that resets the role');
    await refused(
      t.dashboard.transaction((tx) => tx.execute(escape)),
      'the same inside a transaction',
    );
    await refused(
      t.dashboard.transaction(async (tx) => {
        await tx.execute('COMMIT');
        await tx.execute('DELETE FROM usage');
      }),
      'COMMIT sent as SQL inside a transaction',
    );
    expect(await t.db.query("SELECT id FROM revoked_sessions WHERE id = 'escaped'")).toEqual([]);
    // The session is its own user again for the master secret.
    expect(await t.db.query('SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
  });
});

describe("the loader's credentials", () => {
  beforeEach(async () => {
    await t.db.execute(
      'TRUNCATE usage, s3_access_logs, s3_access_log_hourly, loaded_objects, rejected_rows, revoked_sessions',
    );
  });

  test('insert and upsert rows, write the bookkeeping, take rollup locks and recompute rollups', async () => {
    await t.loader.execute(
      `INSERT INTO usage (person_name, birth_date, accessed_at, session_duration, download_speed, upload_speed, consumed_traffic)
       VALUES ('Ann', DATE '1990-01-01', TIMESTAMPTZ '2024-01-01 00:00:00Z', 1, 1, 1, 1)
       ON CONFLICT (person_name, accessed_at) DO UPDATE SET session_duration = EXCLUDED.session_duration + 1`,
    );
    await t.loader.execute(
      "INSERT INTO loaded_objects (bucket, object_key, etag, dataset, rows_inserted, rows_rejected, rows_skipped) VALUES ('b', 'k', 'e', 'usage', 1, 0, 0)",
    );
    await t.loader.execute(
      "INSERT INTO rejected_rows (bucket, object_key, line_number, reason, raw_line) VALUES ('b', 'k', 1, 'r', 'x') ON CONFLICT DO NOTHING",
    );
    const locked = await withRollupLocks(
      t.loader,
      's3_access_log_hourly',
      ['bucket\n2024-01-01T00:00:00Z'],
      (tx) =>
        tx.execute(
          `INSERT INTO s3_access_log_hourly (bucket, hour, requests, bytes_sent, errors, server_errors, distinct_keys, distinct_requesters, distinct_remote_ips)
         VALUES ('bucket', TIMESTAMPTZ '2024-01-01 00:00:00Z', 1, 1, 0, 0, 1, 1, 1)
         ON CONFLICT (bucket, hour) DO UPDATE SET requests = EXCLUDED.requests`,
        ),
    );
    expect(locked.numberOfRecordsUpdated).toBe(1);
    expect(await countOf('usage')).toBe(1);
  });

  test('cannot CREATE or DROP, delete data, or read or write the dashboard sessions', async () => {
    for (const sql of [
      'CREATE TABLE stolen (x text)',
      'CREATE SCHEMA mine',
      'DROP TABLE usage',
      'DROP TABLE s3_access_log_hourly',
      'DELETE FROM usage',
      'TRUNCATE s3_access_logs',
      "INSERT INTO revoked_sessions (id, expires_at) VALUES ('forged', now())",
      'DELETE FROM revoked_sessions',
      'SELECT * FROM revoked_sessions',
      'DELETE FROM schema_migrations',
      'SELECT * FROM schema_migrations',
      'RESET ROLE',
    ]) {
      await refused(t.loader.execute(sql), sql);
    }
  });
});

describe('the real services work with exactly these grants', () => {
  beforeEach(async () => {
    await t.db.execute(
      'TRUNCATE usage, s3_access_logs, s3_access_log_hourly, loaded_objects, rejected_rows, revoked_sessions',
    );
  });

  test('the loader loads a lake object and access logs (rows, rejected lines, rollups, bookkeeping)', async () => {
    const usage = getDataset('usage');
    const batch = prepareBatch(
      usage,
      [
        {
          person_name: 'Ann',
          birth_date: '1990-01-01',
          accessed_at: '2024-01-01T10:00:00Z',
          session_duration: 60,
          download_speed: 10,
          upload_speed: 1,
          consumed_traffic: 5,
        },
      ],
      new Date(),
    );
    const objects = new Map<string, Buffer>([
      [`lake/${batch.raw!.key}`, batch.raw!.body],
      ...['2019-02-06-00-00-00-current.log', '2024-03-08-09-00-00-mixed-crlf.log'].map(
        (file) =>
          [`logs/s3-access-logs/${file}`, fs.readFileSync(path.join(FIXTURES, file))] as [string, Buffer],
      ),
    ]);
    const reader: ObjectReader = {
      async getObjectStream(bucket, key) {
        const body = objects.get(`${bucket}/${key}`);
        if (!body) return undefined;
        return {
          etag: `"${body.length}"`,
          lastModified: new Date('2024-01-02T00:00:00Z'),
          body: (async function* () {
            yield body;
          })(),
        };
      },
    };
    const deps = {
      reader,
      db: t.loader,
      routing: { lakeBucket: 'lake', logBucket: 'logs', accessLogsPrefix: 's3-access-logs/' },
      log: { info: () => undefined, warn: () => undefined },
    };
    for (const key of objects.keys()) {
      const [bucket, ...rest] = key.split('/');
      const outcome = await loadObject(deps, { bucket: bucket!, key: rest.join('/') });
      expect(outcome.status, key).toBe('loaded');
      expect((await loadObject(deps, { bucket: bucket!, key: rest.join('/') })).status).toBe(
        'already-loaded',
      );
    }
    expect(await countOf('usage')).toBe(1);
    expect(await countOf('s3_access_logs')).toBeGreaterThan(0);
    expect(await countOf('s3_access_log_hourly')).toBeGreaterThan(0);
    expect(await countOf('rejected_rows')).toBeGreaterThan(0);
    expect(await countOf('loaded_objects')).toBe(3);
    // The loader recomputed the metric rollups of the past days it loaded (a failed recompute never
    // fails a load, so only the rollups and the empty pending list show that its grants suffice).
    const [pending] = await t.db.query<{ n: number }>(
      `SELECT CAST(count(*) AS integer) AS n FROM metric_rollup_pending WHERE dataset IN ('usage', 's3_access_logs')`,
    );
    expect(pending!.n).toBe(0);
    const rolled = await t.db.query<{ dataset: string }>(
      'SELECT DISTINCT dataset FROM metric_rollup_days ORDER BY dataset',
    );
    expect(rolled.map((r) => r.dataset)).toEqual(['s3_access_logs', 'usage']);
  });

  test('the dashboard serves every API and ends sessions on logout', async () => {
    await t.db.execute(
      "INSERT INTO rejected_rows (bucket, object_key, line_number, reason, raw_line) VALUES ('b', 'k', 1, 'r', 'x')",
    );
    const password = 'roles-test-password-123';
    const dashboard = await startDashboardServer({
      db: t.dashboard,
      password,
      athena: { unavailable: 'not here' },
      log: () => {},
    });
    try {
      const cookie = await loginCookie(dashboard.url, password);
      const get = (p: string) => fetch(`${dashboard.url}${p}`, { headers: { cookie }, redirect: 'manual' });
      for (const p of ['/api/datasets', '/api/charts', '/api/database', '/api/access-logs']) {
        const res = await get(p);
        expect(res.status, `${p}: ${await res.clone().text()}`).toBe(200);
      }
      const status = (await (await get('/api/database')).json()) as {
        tables: { name: string }[];
        recentRejections: unknown[];
      };
      expect(status.tables.map((table) => table.name)).not.toContain('schema_migrations');
      expect(status.recentRejections).toHaveLength(1);
      const logout = await fetch(`${dashboard.url}/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: dashboard.url, cookie },
      });
      expect(logout.status).toBe(303);
      expect((await get('/api/charts')).status).toBe(401);
      expect(await countOf('revoked_sessions')).toBe(1);
    } finally {
      await dashboard.close();
    }
  });
});
