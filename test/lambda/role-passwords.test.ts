/**
 * The deploy step that gives each service role the password of its secret: what it refuses (with a
 * message that names the secret and says what to do), what it keeps, and that the password never
 * appears in the statement it sends. Secrets Manager is mocked by a map; the database is real (PGlite
 * behind the local Data API); signing in with the passwords is tested on a real server in
 * test/migrations/database-roles-postgres.test.ts.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../lambda/role-passwords/handler';
import {
  parseRoleSecrets,
  RolePasswordError,
  setRolePasswords,
  type SecretStore,
} from '../../lambda/role-passwords/role-passwords';
import { scramVerifier } from '../../lambda/role-passwords/scram';
import { LOGIN_PASSWORD_KEY } from '../../db/login-password';
import { DATABASE_ROLES } from '../../migrations/roles';
import { startTestDatabase, type TestDatabase } from '../support/local-database';
import { recording } from '../support/recording-database';

const ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:dashboard-AbCdEf';
const PASSWORD = 'Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk';

function store(values: Record<string, string>): SecretStore & { values: Record<string, string> } {
  return {
    values,
    read: async (arn) => values[arn] ?? Promise.reject(new Error(`no secret ${arn}`)),
    write: async (arn, value) => {
      values[arn] = value;
    },
  };
}

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());

describe('setRolePasswords (mocked Secrets Manager)', () => {
  const dashboard = { role: DATABASE_ROLES.dashboard, secretArn: ARN, loginPassword: true };

  it('sets LOGIN and a SCRAM verifier, never the password itself, and generates the login password once', async () => {
    const secrets = store({
      [ARN]: JSON.stringify({ username: DATABASE_ROLES.dashboard, password: PASSWORD }),
    });
    const db = recording(t.db);
    await setRolePasswords(db, secrets, [dashboard]);
    const alter = db.statements.find((s) => s.startsWith('ALTER ROLE'))!;
    expect(alter).toMatch(/^ALTER ROLE "analytics_dashboard" WITH LOGIN PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(alter).not.toContain(PASSWORD);
    const [role] = await t.db.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = :r', {
      r: DATABASE_ROLES.dashboard,
    });
    expect(role).toEqual({ rolcanlogin: true });
    const first = JSON.parse(secrets.values[ARN]!) as Record<string, string>;
    expect(first).toMatchObject({ username: DATABASE_ROLES.dashboard, password: PASSWORD });
    expect(first[LOGIN_PASSWORD_KEY]).toMatch(/^[A-Za-z0-9]{32}$/);
    await setRolePasswords(t.db, secrets, [dashboard]);
    expect(JSON.parse(secrets.values[ARN]!)).toEqual(first);
  });

  it('keeps a login password the user put, and refuses one too short to be a password', async () => {
    const mine = {
      username: DATABASE_ROLES.dashboard,
      password: PASSWORD,
      [LOGIN_PASSWORD_KEY]: 'my own long password',
    };
    const secrets = store({ [ARN]: JSON.stringify(mine) });
    await setRolePasswords(t.db, secrets, [dashboard]);
    expect(JSON.parse(secrets.values[ARN]!)).toEqual(mine);
    secrets.values[ARN] = JSON.stringify({ ...mine, [LOGIN_PASSWORD_KEY]: 'short' });
    await expect(setRolePasswords(t.db, secrets, [dashboard])).rejects.toThrow(
      new RegExp(`${ARN}: "${LOGIN_PASSWORD_KEY}" must be a string of at least 12 characters`),
    );
  });

  it.each([
    ['not JSON', 'hunter2', /is not JSON; it must hold \{"username": "analytics_dashboard"/],
    [
      'another username',
      JSON.stringify({ username: 'analytics_admin', password: PASSWORD }),
      /has username "analytics_admin"; it signs in role analytics_dashboard/,
    ],
    [
      'a short password',
      JSON.stringify({ username: DATABASE_ROLES.dashboard, password: 'short' }),
      /"password" must be at least 16 printable ASCII characters/,
    ],
    [
      'a non-ASCII password',
      JSON.stringify({ username: DATABASE_ROLES.dashboard, password: 'pässwörd-pässwörd-pässwörd' }),
      /"password" must be at least 16 printable ASCII characters/,
    ],
  ])('refuses a secret with %s, naming the secret', async (_what, value, message) => {
    const secrets = store({ [ARN]: value });
    const err = await setRolePasswords(t.db, secrets, [dashboard]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolePasswordError);
    expect((err as Error).message).toContain(ARN);
    expect((err as Error).message).toMatch(message);
    expect(secrets.values[ARN]).toBe(value);
  });

  it('says the migrations must run first when the role does not exist', async () => {
    const secrets = store({ [ARN]: JSON.stringify({ username: 'analytics_nobody', password: PASSWORD }) });
    await expect(
      setRolePasswords(t.db, secrets, [{ role: 'analytics_nobody', secretArn: ARN }]),
    ).rejects.toThrow(/Role analytics_nobody does not exist: the schema migrations create it/);
  });
});

describe('parseRoleSecrets', () => {
  it('reads the list the stack sets', () => {
    expect(
      parseRoleSecrets(
        JSON.stringify([
          { role: 'analytics_loader', secretArn: ARN },
          { ...{ role: 'a_b', secretArn: 'x' }, loginPassword: true },
        ]),
      ),
    ).toEqual([
      { role: 'analytics_loader', secretArn: ARN, loginPassword: false },
      { role: 'a_b', secretArn: 'x', loginPassword: true },
    ]);
  });

  it.each([
    [undefined, /ROLE_SECRETS is undefined/],
    ['[]', /non-empty JSON list/],
    ['[{"role":"Robert\\"); DROP","secretArn":"x"}]', /ROLE_SECRETS\[0\].*lower-case identifier/],
    ['[{"role":"a"}]', /ROLE_SECRETS\[0\].*"secretArn"/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseRoleSecrets(raw)).toThrow(message);
  });
});

describe('scramVerifier', () => {
  it('holds the keys of the RFC 7677 example exchange: its server signature and client proof check out', () => {
    // RFC 7677 section 3: password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const match = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([^:]+):(.+)$/.exec(verifier);
    expect(match, verifier).not.toBeNull();
    const [storedKey, serverKey] = [Buffer.from(match![1]!, 'base64'), Buffer.from(match![2]!, 'base64')];
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
    const hmac = (key: Buffer) => createHmac('sha256', key).update(authMessage).digest();
    expect(hmac(serverKey).toString('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const signature = hmac(storedKey);
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    expect(createHash('sha256').update(clientKey).digest()).toEqual(storedKey);
  });

  it('refuses a password that is not printable ASCII', () => {
    expect(() => scramVerifier('pässwörd')).toThrow(/printable ASCII/);
  });
});

describe('handler', () => {
  it('leaves the roles alone on Delete: the database outlives the stack', async () => {
    await expect(
      handler({ RequestType: 'Delete', PhysicalResourceId: 'database-role-passwords' }),
    ).resolves.toEqual({
      PhysicalResourceId: 'database-role-passwords',
    });
  });
});
