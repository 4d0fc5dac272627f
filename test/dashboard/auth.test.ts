import { describe, expect, test } from 'vitest';
import { LoginRateLimiter, SessionSigner, readCookie, sessionCookie } from '../../dashboard-app/src/auth';
import { readDashboardConfig } from '../../dashboard-app/src/config';

describe('session signer', () => {
  const signer = new SessionSigner('correct horse battery staple');

  test('checks the password', () => {
    expect(signer.checkPassword('correct horse battery staple')).toBe(true);
    expect(signer.checkPassword('correct horse battery stapl')).toBe(false);
    expect(signer.checkPassword('')).toBe(false);
  });

  test('a token it issued verifies until it expires, 12 hours later', () => {
    const now = Date.UTC(2025, 0, 1);
    const { token, expires } = signer.issue(now);
    expect(expires.getTime() - now).toBe(12 * 3_600_000);
    expect(signer.verify(token, now + 1000)).toBe(true);
    expect(signer.verify(token, expires.getTime())).toBe(false);
  });

  test('a changed expiry, id or signature, or a malformed token, does not verify', () => {
    const { token } = signer.issue();
    const [expires, id, sig] = token.split('.');
    expect(signer.verify(`${Number(expires) + 1}.${id}.${sig}`)).toBe(false);
    expect(signer.verify(`${expires}.${id}x.${sig}`)).toBe(false);
    expect(signer.verify(`${expires}.${id}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    for (const bad of [undefined, '', 'a.b', 'a.b.c', `${expires}.${id}`])
      expect(signer.verify(bad)).toBe(false);
  });

  test('refuses a password shorter than 12 characters', () => {
    expect(() => new SessionSigner('short')).toThrow(/at least 12 characters/);
  });
});

describe('cookies', () => {
  test('the session cookie is HttpOnly, Secure, SameSite=Strict, whole site', () => {
    const text = sessionCookie('t', new Date(Date.now() + 60_000));
    expect(text).toMatch(/^dashboard_session=t; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=60$/);
  });

  test('reads one cookie among several', () => {
    expect(readCookie('a=1; dashboard_session=xyz; b=2', 'dashboard_session')).toBe('xyz');
    expect(readCookie('a=1', 'dashboard_session')).toBeUndefined();
    expect(readCookie(undefined, 'dashboard_session')).toBeUndefined();
  });
});

describe('login rate limiter', () => {
  test('5 attempts per client per minute, then the seconds to wait; other clients are unaffected', () => {
    const limiter = new LoginRateLimiter(5, 60_000);
    for (let i = 0; i < 5; i++) expect(limiter.attempt('a', 1000 + i)).toBe(0);
    expect(limiter.attempt('a', 2000)).toBe(59);
    expect(limiter.attempt('b', 2000)).toBe(0);
    expect(limiter.attempt('a', 61_001)).toBe(0);
  });

  test('remembers at most maxClients clients: expired ones go first, then the least recently seen', () => {
    const limiter = new LoginRateLimiter(5, 60_000, 3);
    limiter.attempt('old', 0);
    for (const c of ['a', 'b', 'c']) limiter.attempt(c, 70_000);
    // "old" has expired: it makes room without touching the others.
    expect(limiter.size).toBe(3);
    for (let i = 0; i < 3; i++) limiter.attempt('a', 70_001 + i);
    limiter.attempt('d', 70_010);
    expect(limiter.size).toBe(3);
    // "b" was the least recently seen; "a" keeps its count and is still limited after one more try.
    expect(limiter.attempt('a', 70_011)).toBe(0);
    expect(limiter.attempt('a', 70_012)).toBeGreaterThan(0);
  });

  test('a flood of distinct clients within one window stays within the default bound', () => {
    const limiter = new LoginRateLimiter();
    for (let i = 0; i < 25_000; i++) limiter.attempt(`198.51.${i >> 8}.${i & 255}`, 1000 + i);
    expect(limiter.size).toBeLessThanOrEqual(10_000);
    expect(limiter.size).toBeGreaterThan(0);
  });
});

describe('dashboard settings from the environment', () => {
  test('defaults: port 8080, all interfaces, no Athena, refresh every 5 s', () => {
    expect(readDashboardConfig({ DASHBOARD_PASSWORD: 'x' })).toEqual({
      port: 8080,
      host: '0.0.0.0',
      password: 'x',
      passwordSecretArn: undefined,
      athena: undefined,
      clientAddress: 'socket',
      refreshSeconds: 5,
    });
  });

  test('App Runner settings: PORT, the password secret, Athena, the client address behind a proxy', () => {
    const config = readDashboardConfig({
      PORT: '9000',
      DASHBOARD_PASSWORD_SECRET_ARN: 'arn:secret',
      ATHENA_WORKGROUP: 'analytics',
      GLUE_DATABASE: 'analytics_lake',
      DASHBOARD_CLIENT_ADDRESS: 'x-forwarded-for-rightmost',
    });
    expect(config).toMatchObject({
      port: 9000,
      passwordSecretArn: 'arn:secret',
      athena: { workgroup: 'analytics', database: 'analytics_lake' },
      clientAddress: 'x-forwarded-for-rightmost',
    });
  });

  test('DASHBOARD_TRUST_PROXY=true still means the rightmost X-Forwarded-For address; false the socket', () => {
    const env = { DASHBOARD_PASSWORD: 'x' };
    expect(readDashboardConfig({ ...env, DASHBOARD_TRUST_PROXY: 'true' }).clientAddress).toBe(
      'x-forwarded-for-rightmost',
    );
    expect(readDashboardConfig({ ...env, DASHBOARD_TRUST_PROXY: '1' }).clientAddress).toBe(
      'x-forwarded-for-rightmost',
    );
    expect(readDashboardConfig({ ...env, DASHBOARD_TRUST_PROXY: 'false' }).clientAddress).toBe('socket');
    expect(
      readDashboardConfig({
        ...env,
        DASHBOARD_TRUST_PROXY: 'true',
        DASHBOARD_CLIENT_ADDRESS: 'x-forwarded-for-rightmost',
      }).clientAddress,
    ).toBe('x-forwarded-for-rightmost');
    expect(readDashboardConfig({ ...env, DASHBOARD_CLIENT_ADDRESS: 'socket' }).clientAddress).toBe('socket');
  });

  test.each([
    [{}, /No dashboard password: set DASHBOARD_PASSWORD_SECRET_ARN/],
    [
      { DASHBOARD_PASSWORD: 'x', DASHBOARD_PORT: 'http' },
      /DASHBOARD_PORT is "http"; set a whole number from 0 to 65535/,
    ],
    [{ DASHBOARD_PASSWORD: 'x', ATHENA_WORKGROUP: 'w' }, /Set both ATHENA_WORKGROUP and GLUE_DATABASE/],
    [
      { DASHBOARD_PASSWORD: 'x', DASHBOARD_TRUST_PROXY: 'yes' },
      /DASHBOARD_TRUST_PROXY is "yes"; set true or false/,
    ],
    [{ DASHBOARD_PASSWORD: 'x', DASHBOARD_REFRESH_SECONDS: '0' }, /DASHBOARD_REFRESH_SECONDS is "0"/],
    [
      { DASHBOARD_PASSWORD: 'x', DASHBOARD_CLIENT_ADDRESS: 'x-forwarded-for' },
      /DASHBOARD_CLIENT_ADDRESS is "x-forwarded-for"; set socket \(the default\) or x-forwarded-for-rightmost/,
    ],
    [
      { DASHBOARD_PASSWORD: 'x', DASHBOARD_CLIENT_ADDRESS: 'socket', DASHBOARD_TRUST_PROXY: 'true' },
      /DASHBOARD_TRUST_PROXY=true .* DASHBOARD_CLIENT_ADDRESS=socket/,
    ],
  ])('fails on %j', (env, message) => {
    expect(() => readDashboardConfig(env)).toThrow(message);
  });
});
