/**
 * Login for the dashboard: one password (kept in Secrets Manager in AWS), a signed session
 * cookie, and a per-client limit on login attempts. Revoking sessions lives in `./sessions.ts`.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'dashboard_session';
/** How long a session lasts after login. */
export const SESSION_HOURS = 12;

/** A session whose token was signed by us and has not expired. */
export interface Session {
  /** The token's random id: what a logout revokes. */
  readonly id: string;
  /** When the token expires, in ms since the epoch. */
  readonly expires: number;
}

export class SessionSigner {
  private readonly key: Buffer;
  private readonly passwordDigest: Buffer;

  /**
   * The signing key is derived from the password (HKDF-SHA256), so changing the password ends
   * every session at once.
   */
  constructor(password: string) {
    if (password.length < 12) {
      throw new Error('The dashboard password must have at least 12 characters.');
    }
    this.key = Buffer.from(hkdfSync('sha256', password, 'cdk-analytics-dashboard', 'session-cookie-v1', 32));
    this.passwordDigest = createHash('sha256').update(password).digest();
  }

  /** Compares in constant time (over fixed-length digests) so timing reveals nothing. */
  checkPassword(candidate: string): boolean {
    const digest = createHash('sha256').update(candidate).digest();
    return timingSafeEqual(digest, this.passwordDigest);
  }

  /** A session token: `<expires ms>.<random id>.<HMAC-SHA256>` (base64url). */
  issue(now = Date.now()): { token: string; expires: Date } {
    const expires = now + SESSION_HOURS * 3_600_000;
    const payload = `${expires}.${randomBytes(16).toString('base64url')}`;
    return { token: `${payload}.${this.sign(payload)}`, expires: new Date(expires) };
  }

  /** The session of a token signed by us that has not expired; undefined otherwise. */
  read(token: string | undefined, now = Date.now()): Session | undefined {
    if (!token) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || !/^\d{13}$/.test(parts[0])) return undefined;
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expires = Number(parts[0]);
    return expires > now ? { id: parts[1], expires } : undefined;
  }

  /** Whether a token was signed by us and has not expired. */
  verify(token: string | undefined, now = Date.now()): boolean {
    return this.read(token, now) !== undefined;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** The Set-Cookie value of a session: HttpOnly, Secure, SameSite=Strict, whole site, 12 hours. */
export function sessionCookie(token: string, expires: Date): string {
  const maxAge = Math.max(0, Math.round((expires.getTime() - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${maxAge}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * At most `limit` login attempts per client per window; later attempts wait for the window to
 * move. The clients are kept in the order they were last seen, and at most `maxClients` of them:
 * beyond that the least recently seen is forgotten, so a flood of addresses cannot grow the memory
 * (an address forgotten that way only gets its attempts back; the WAF rate rule, where there is
 * one, limits such floods before they arrive).
 */
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    readonly limit = 5,
    readonly windowMs = 60_000,
    readonly maxClients = 10_000,
  ) {}

  /** How many clients are remembered. */
  get size(): number {
    return this.attempts.size;
  }

  /** Records an attempt; returns the seconds to wait when the client is over the limit, else 0. */
  attempt(client: string, now = Date.now()): number {
    const since = now - this.windowMs;
    const recent = (this.attempts.get(client) ?? []).filter((t) => t > since);
    // Re-inserting moves the client to the end: the map stays ordered by last attempt.
    this.attempts.delete(client);
    this.forgetExpired(since);
    const limited = recent.length >= this.limit;
    if (!limited) recent.push(now);
    this.attempts.set(client, recent);
    for (const oldest of this.attempts.keys()) {
      if (this.attempts.size <= this.maxClients) break;
      this.attempts.delete(oldest);
    }
    return limited ? Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000)) : 0;
  }

  /** Drops clients whose last attempt left the window; they are at the front of the map. */
  private forgetExpired(since: number): void {
    for (const [client, times] of this.attempts) {
      if (times[times.length - 1] > since) break;
      this.attempts.delete(client);
    }
  }
}
