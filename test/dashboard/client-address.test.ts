/**
 * Which address the login rate limit keys on: the socket's (local, and the Lambda adapter, which
 * sets it from the Function URL's source IP) or the rightmost X-Forwarded-For entry (behind App
 * Runner or an Application Load Balancer, which append the address they saw to the right).
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientAddress } from '../../dashboard-app/src/client-address';
import { startDashboardServer } from '../../dashboard-app/src/server';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

const PASSWORD = 'client-address-password-1';

function request(socket: string | undefined, forwarded?: string | string[]): IncomingMessage {
  return {
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
    socket: { remoteAddress: socket },
  } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  test('socket: the socket address, whatever X-Forwarded-For says', () => {
    expect(clientAddress(request('203.0.113.5', '198.51.100.1'), 'socket')).toBe('203.0.113.5');
    expect(clientAddress(request('::ffff:203.0.113.5'), 'socket')).toBe('203.0.113.5');
    expect(clientAddress(request(undefined), 'socket')).toBe('unknown');
  });

  test('x-forwarded-for-rightmost: the last entry, over several headers, without a port', () => {
    const mode = 'x-forwarded-for-rightmost';
    expect(clientAddress(request('10.0.0.1', '1.1.1.1, 198.51.100.7'), mode)).toBe('198.51.100.7');
    expect(clientAddress(request('10.0.0.1', ['1.1.1.1', '2.2.2.2, 198.51.100.8 ']), mode)).toBe(
      '198.51.100.8',
    );
    expect(clientAddress(request('10.0.0.1', '198.51.100.9:51234'), mode)).toBe('198.51.100.9');
    expect(clientAddress(request('10.0.0.1', '2001:db8::1'), mode)).toBe('2001:db8::1');
    expect(clientAddress(request('10.0.0.1', '[2001:db8::2]:443'), mode)).toBe('2001:db8::2');
  });

  test('x-forwarded-for-rightmost without a usable entry falls back to the socket', () => {
    const mode = 'x-forwarded-for-rightmost';
    expect(clientAddress(request('10.0.0.1'), mode)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1', ' , '), mode)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1', '1.1.1.1, not-an-address'), mode)).toBe('10.0.0.1');
  });
});

describe('the login rate limit over HTTP', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await startTestDatabase({ migrations: [] });
  });
  afterAll(() => t?.close());

  const login = (url: string, forwarded: string) =>
    fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        origin: url,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': forwarded,
      },
      body: 'password=wrong',
    });

  // x-forwarded-for-rightmost over HTTP: test/dashboard/routes.test.ts.
  test('socket (the default): a forged X-Forwarded-For does not make a new client', async () => {
    const d = await startDashboardServer({
      db: t.db,
      password: PASSWORD,
      athena: { unavailable: 'x' },
      log: () => {},
    });
    try {
      for (let i = 0; i < 5; i++) expect((await login(d.url, `10.0.0.${i}`)).status).toBe(401);
      expect((await login(d.url, '10.0.0.99')).status).toBe(429);
    } finally {
      await d.close();
    }
  });
});
