import { randomInt } from 'node:crypto';
import type { Database } from '../../db/database';
import { LOGIN_PASSWORD_KEY } from '../../db/login-password';
import type { RoleSecret } from './contract';
import { scramVerifier } from './scram';

/**
 * Gives each service's database role the password of its secret, signed in as the master: the roles
 * are created NOLOGIN by the migrations (`0007_database_roles`), and only here, at deploy, get LOGIN
 * and a password, so no password is ever written in a migration. Idempotent: every run sets each
 * role's password to what its secret holds now, so it also applies a secret rotated by hand.
 *
 * The dashboard's secret also keeps the dashboard's login password (`loginPassword`), generated here
 * the first time (Secrets Manager generates one value per secret, the database password), then kept.
 */

/** Reads and writes secret values (Secrets Manager in AWS). */
export interface SecretStore {
  read(secretArn: string): Promise<string>;
  write(secretArn: string, value: string): Promise<void>;
}

export class RolePasswordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolePasswordError';
  }
}

/** The generated login password: 32 letters and digits, as Secrets Manager generates the others. */
const LOGIN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOGIN_PASSWORD_LENGTH = 32;

function generateLoginPassword(): string {
  let out = '';
  for (let i = 0; i < LOGIN_PASSWORD_LENGTH; i++) out += LOGIN_ALPHABET[randomInt(LOGIN_ALPHABET.length)];
  return out;
}

/** The role list of the function's environment (`ROLE_SECRETS`), checked. */
export function parseRoleSecrets(raw: string | undefined): RoleSecret[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new RolePasswordError(
      `ROLE_SECRETS is ${JSON.stringify(raw)}; it must be a JSON list of {"role", "secretArn"} (the stack sets it).`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new RolePasswordError('ROLE_SECRETS must be a non-empty JSON list of {"role", "secretArn"}.');
  }
  return parsed.map((entry: unknown, i) => {
    const e = entry as Partial<RoleSecret> | null;
    if (
      typeof e?.role !== 'string' ||
      !/^[a-z_][a-z0-9_]*$/.test(e.role) ||
      typeof e.secretArn !== 'string'
    ) {
      throw new RolePasswordError(
        `ROLE_SECRETS[${i}] is ${JSON.stringify(entry)}; each entry needs "role" (a lower-case identifier) and "secretArn".`,
      );
    }
    return { role: e.role, secretArn: e.secretArn, loginPassword: e.loginPassword === true };
  });
}

type Credentials = Record<string, unknown> & { username: string; password: string };

/** The secret's JSON, with the username `role` and a password Postgres can store as given. */
function credentials(text: string, { role, secretArn }: RoleSecret): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RolePasswordError(
      `Secret ${secretArn} is not JSON; it must hold {"username": "${role}", "password": "..."}.`,
    );
  }
  const secret = value as Partial<Credentials> | null;
  if (typeof secret !== 'object' || secret === null || secret.username !== role) {
    throw new RolePasswordError(
      `Secret ${secretArn} has username ${JSON.stringify(secret?.username)}; it signs in role ${role}, so its ` +
        `username must be "${role}".`,
    );
  }
  if (typeof secret.password !== 'string' || !/^[\x20-\x7e]{16,}$/.test(secret.password)) {
    throw new RolePasswordError(
      `Secret ${secretArn}: "password" must be at least 16 printable ASCII characters (letters, digits, ` +
        'punctuation); put a new one, e.g. from aws secretsmanager get-random-password.',
    );
  }
  return secret as Credentials;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Sets each role's password to its secret's (and LOGIN), in order; adds a generated login password
 * to a secret that asks for one and has none. Returns the roles set.
 */
export async function setRolePasswords(
  db: Database,
  store: SecretStore,
  roles: readonly RoleSecret[],
  log: (line: string) => void = () => undefined,
): Promise<string[]> {
  const done: string[] = [];
  for (const entry of roles) {
    const secret = credentials(await store.read(entry.secretArn), entry);
    if (entry.loginPassword) {
      const kept = secret[LOGIN_PASSWORD_KEY];
      if (kept === undefined) {
        await store.write(
          entry.secretArn,
          JSON.stringify({ ...secret, [LOGIN_PASSWORD_KEY]: generateLoginPassword() }),
        );
        log(JSON.stringify({ message: 'login password generated', secretArn: entry.secretArn }));
      } else if (typeof kept !== 'string' || kept.length < 12) {
        throw new RolePasswordError(
          `Secret ${entry.secretArn}: "${LOGIN_PASSWORD_KEY}" must be a string of at least 12 characters, or ` +
            'absent to have one generated.',
        );
      }
    }
    const exists = await db.query('SELECT 1 AS found FROM pg_roles WHERE rolname = :role', {
      role: entry.role,
    });
    if (exists.length === 0) {
      throw new RolePasswordError(
        `Role ${entry.role} does not exist: the schema migrations create it (0007_database_roles); they run ` +
          'before this in the database setup stack, so check that they succeeded.',
      );
    }
    await db.execute(
      `ALTER ROLE ${quoteIdentifier(entry.role)} WITH LOGIN PASSWORD ${quoteLiteral(scramVerifier(secret.password))}`,
    );
    log(JSON.stringify({ message: 'role password set', role: entry.role, secretArn: entry.secretArn }));
    done.push(entry.role);
  }
  return done;
}
