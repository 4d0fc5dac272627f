import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Database, ExecuteResult, Row, SqlParams, SqlValue } from '../../db/database';
import { isTypedValue } from '../../db/sql-values';
import { toPositional } from '../../local/data-api/named-params';

/**
 * A real PostgreSQL server with many sessions, for the tests that are about concurrency between
 * sessions (PGlite and the local Data API serve one session). It runs the server binaries installed
 * on the machine (`/usr/lib/postgresql/<version>/bin`, as on GitHub's Ubuntu runners) in a temporary
 * folder, listening on a Unix socket only, and talks to it with a minimal client of the PostgreSQL
 * wire protocol (trust authentication, extended query protocol, values as text).
 * https://www.postgresql.org/docs/current/protocol-flow.html
 */

/** The folder of the newest installed server binaries, or undefined. */
export function postgresBinaries(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(base, versions[0], 'bin') : undefined;
}

/** Who a session signs in as. @default the `postgres` superuser */
export interface PostgresLogin {
  readonly user: string;
  /** Asked for when the server was started with `passwordLogins`. */
  readonly password?: string;
}

export interface PostgresServer {
  /** A new session (its own connection), as `login` says. */
  connect(login?: PostgresLogin): Promise<PostgresSession>;
  stop(): Promise<void>;
}

/** One session: a `Database` whose statements and transactions run on one connection. */
export interface PostgresSession extends Database {
  /** The server process id of this session, to watch it in `pg_stat_activity`. */
  readonly pid: number;
  close(): void;
}

/** Runs `command` as the `postgres` user when this process is root (the server refuses to run as root). */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * A freshly initialised data folder, made once per machine and server version and copied for each
 * server: `initdb` takes seconds, a copy milliseconds.
 */
function templateDataDir(bin: string): string {
  const version = path.basename(path.dirname(bin));
  const template = path.join(os.tmpdir(), `pg-template-${version}`);
  if (fs.existsSync(path.join(template, 'data', 'PG_VERSION'))) return path.join(template, 'data');
  const building = fs.mkdtempSync(path.join(os.tmpdir(), `pg-template-${version}-`));
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres', building]);
  const [initCmd, initArgs] = asServerUser(path.join(bin, 'initdb'), [
    '-D',
    path.join(building, 'data'),
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  try {
    fs.renameSync(building, template);
  } catch {
    // Another test process made the template first: use that one.
    fs.rmSync(building, { recursive: true, force: true });
  }
  return path.join(template, 'data');
}

export interface PostgresOptions {
  /**
   * Sign-ins other than `postgres` must give their role's password (`password` authentication: the
   * server checks it against the stored SCRAM verifier). @default every role signs in without one (trust)
   */
  readonly passwordLogins?: boolean;
}

/** Starts a server in a temporary folder. */
export async function startPostgres(bin: string, options: PostgresOptions = {}): Promise<PostgresServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-'));
  const data = path.join(dir, 'data');
  const copy = spawnSync('cp', ['-a', templateDataDir(bin), data]);
  if (copy.status !== 0) throw new Error(`Copying the template data folder failed: ${String(copy.stderr)}`);
  if (options.passwordLogins) {
    // https://www.postgresql.org/docs/current/auth-pg-hba-conf.html
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'local all postgres trust\nlocal all all password\n');
  }
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres', dir]);
  const port = 5432;
  const [cmd, args] = asServerUser(path.join(bin, 'postgres'), [
    '-D',
    data,
    '-k',
    dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=20',
  ]);
  const server: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let serverLog = '';
  server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  const socket = path.join(dir, `.s.PGSQL.${port}`);
  for (let i = 0; i < 200 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!fs.existsSync(socket)) {
    server.kill('SIGKILL');
    throw new Error(`The PostgreSQL server did not start within 10 s: ${serverLog}`);
  }
  // The socket appears before the server accepts sessions ("the database system is starting up").
  for (let i = 0; ; i++) {
    try {
      (await Connection.open(socket)).close();
      break;
    } catch (err) {
      if ((err as { sqlState?: string }).sqlState !== '57P03' || i >= 200) {
        server.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const sessions: Connection[] = [];
  return {
    async connect(login) {
      const connection = await Connection.open(socket, login);
      sessions.push(connection);
      const [{ pid }] = await connection.run('SELECT pg_backend_pid() AS pid', []).then((r) => r.rows);
      return sessionDatabase(connection, Number(pid));
    },
    async stop() {
      for (const s of sessions) s.close();
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Result {
  rows: Row[];
  tag: string;
}

/** The type OIDs read back as numbers or booleans; everything else stays text. */
const NUMBER_TYPES = new Set([20, 21, 23, 700, 701]);
const BOOLEAN_TYPE = 16;

/** One connection speaking the extended query protocol, one statement at a time. */
class Connection {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
  }

  static async open(socketPath: string, login: PostgresLogin = { user: 'postgres' }): Promise<Connection> {
    const socket = net.createConnection(socketPath);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new Connection(socket);
    const params = Buffer.from(`user\0${login.user}\0database\0postgres\0\0`);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    try {
      await connection.authenticate(login);
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return connection;
  }

  /** Answers a cleartext password request (`password` authentication), then waits for ReadyForQuery. */
  private async authenticate(login: PostgresLogin): Promise<void> {
    for (;;) {
      const { type, body } = await this.message();
      if (type === 'E') throw serverError(body);
      if (type === 'Z') return;
      if (type !== 'R') continue;
      const code = body.readInt32BE(0);
      if (code === 0) continue;
      if (code !== 3 || login.password === undefined) {
        throw new Error(`The server asks ${login.user} for a password (authentication request ${code}).`);
      }
      this.socket.write(message('p', [cstring(login.password)]));
    }
  }

  close(): void {
    this.socket.end();
  }

  private async message(): Promise<{ type: string; body: Buffer }> {
    for (;;) {
      if (this.buffer.length >= 5) {
        const length = this.buffer.readInt32BE(1);
        if (this.buffer.length >= 1 + length) {
          const type = String.fromCharCode(this.buffer[0]);
          const body = this.buffer.subarray(5, 1 + length);
          this.buffer = this.buffer.subarray(1 + length);
          return { type, body };
        }
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  /** Reads messages up to ReadyForQuery; fails with the server's error, if one came. */
  private async until(end: string): Promise<Result> {
    const rows: Row[] = [];
    let fields: { name: string; type: number }[] = [];
    let tag = '';
    let error: Error | undefined;
    for (;;) {
      const { type, body } = await this.message();
      if (type === 'R' && body.readInt32BE(0) !== 0) error = new Error('The server asks for a password.');
      else if (type === 'T') fields = rowDescription(body);
      else if (type === 'D') rows.push(dataRow(body, fields));
      else if (type === 'C') tag = body.toString('utf8', 0, body.length - 1);
      else if (type === 'E') error = serverError(body);
      else if (type === end) break;
    }
    if (error) throw error;
    return { rows, tag };
  }

  /** Runs one statement with positional text parameters (`$1`...). */
  run(sql: string, values: (string | null)[]): Promise<Result> {
    const result = this.queue.then(() => this.send(sql, values));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async send(sql: string, values: (string | null)[]): Promise<Result> {
    const parse = message('P', [cstring(''), cstring(sql), int16(0)]);
    const parameters = values.map((v) => {
      if (v === null) return int32(-1);
      const bytes = Buffer.from(v);
      return Buffer.concat([int32(bytes.length), bytes]);
    });
    const bind = message('B', [
      cstring(''),
      cstring(''),
      int16(0),
      int16(values.length),
      ...parameters,
      int16(0),
    ]);
    const describe = message('D', [Buffer.from('P'), cstring('')]);
    const execute = message('E', [cstring(''), int32(0)]);
    const sync = message('S', []);
    this.socket.write(Buffer.concat([parse, bind, describe, execute, sync]));
    return this.until('Z');
  }
}

function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}
function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function message(type: string, parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

function rowDescription(body: Buffer): { name: string; type: number }[] {
  const count = body.readInt16BE(0);
  const fields: { name: string; type: number }[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    const name = body.toString('utf8', at, end);
    at = end + 1;
    const type = body.readInt32BE(at + 6);
    at += 18;
    fields.push({ name, type });
  }
  return fields;
}

function dataRow(body: Buffer, fields: { name: string; type: number }[]): Row {
  const row: Row = {};
  let at = 2;
  for (const field of fields) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length === -1) {
      row[field.name] = null;
      continue;
    }
    const text = body.toString('utf8', at, at + length);
    at += length;
    row[field.name] =
      field.type === BOOLEAN_TYPE ? text === 't' : NUMBER_TYPES.has(field.type) ? Number(text) : text;
  }
  return row;
}

function serverError(body: Buffer): Error {
  const parts: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]);
    const end = body.indexOf(0, at + 1);
    parts[code] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return Object.assign(new Error(`ERROR: ${parts.M}; SQLState: ${parts.C}`), { sqlState: parts.C });
}

function text(value: SqlValue): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (isTypedValue(value)) return value.value;
  if (value instanceof Uint8Array) throw new TypeError('Binary parameters are not supported here.');
  return String(value);
}

function sessionDatabase(connection: Connection, pid: number): PostgresSession {
  const execute = async <T extends Row = Row>(
    sql: string,
    params: SqlParams = {},
  ): Promise<ExecuteResult<T>> => {
    const { sql: positional, names } = toPositional(sql);
    const result = await connection.run(
      positional,
      names.map((name) => text(params[name])),
    );
    const count = /^(?:INSERT \d+|UPDATE|DELETE|MERGE) (\d+)$/.exec(result.tag);
    return { rows: result.rows as T[], numberOfRecordsUpdated: count ? Number(count[1]) : 0 };
  };
  const db: PostgresSession = {
    pid,
    close: () => connection.close(),
    execute,
    query: async (sql, params) => (await execute(sql, params)).rows as never,
    async batch(sql, sets) {
      for (const set of sets) await execute(sql, set);
      return { statements: sets.length, requests: sets.length };
    },
    async transaction(work) {
      await execute('BEGIN');
      try {
        const result = await work(db);
        await execute('COMMIT');
        return result;
      } catch (err) {
        await execute('ROLLBACK');
        throw err;
      }
    },
  };
  return db;
}

/**
 * Waits until session `pid` waits for a lock, or `done` (the work of that session) settles; true when
 * it waits. `observer` is another session, which reads `pg_stat_activity`.
 */
export async function waitsForLock(
  observer: Database,
  pid: number,
  done: Promise<unknown>,
): Promise<boolean> {
  let settled = false;
  void done.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 400 && !settled; i++) {
    const [state] = await observer.query<{ waiting: boolean }>(
      "SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = CAST(:pid AS integer)",
      { pid },
    );
    if (state?.waiting) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
