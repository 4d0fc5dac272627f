/**
 * The login flow: the form, the password check behind a per-client rate limit, the session
 * cookie, and the logout that ends the session on every instance. The same-origin check of the
 * two POSTs is the router's (./routes.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRetryableDataApiError } from '../../db/data-api';
import {
  LoginRateLimiter,
  SESSION_COOKIE,
  SessionSigner,
  clearedSessionCookie,
  readCookie,
  sessionCookie,
  type Session,
} from './auth';
import { clientAddress, type ClientAddressSource } from './client-address';
import { HttpError, badRequest } from './http-error';
import { readBody, redirect, sendHtml } from './http';
import type { Log } from './log';
import { loginPage, logoutRetryPage } from './login-page';
import type { SessionRevocations } from './sessions';

/** Seconds a client waits before asking again while the database resumes from zero capacity. */
export const RESUME_RETRY_SECONDS = 5;

export interface LoginFlowOptions {
  readonly signer: SessionSigner;
  readonly limiter: LoginRateLimiter;
  readonly revocations: SessionRevocations;
  readonly clientAddress: ClientAddressSource;
  readonly log: Log;
}

/** The session of a request's cookie: signed by us and unexpired (not yet checked for a logout). */
export function signedSession(signer: SessionSigner, req: IncomingMessage): Session | undefined {
  return signer.read(readCookie(req.headers.cookie, SESSION_COOKIE));
}

async function readPassword(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, 4096);
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(body).get('password');
  if (type === 'application/json') {
    try {
      return (JSON.parse(body) as { password?: unknown }).password;
    } catch {
      throw badRequest('The login body is not valid JSON; send {"password": "..."}.');
    }
  }
  throw new HttpError(415, 'Send the login form as application/x-www-form-urlencoded or application/json.');
}

export function loginFlow(options: LoginFlowOptions) {
  const { signer, limiter, revocations, log } = options;

  return {
    /** GET /login: the form, or the page for a session that is still valid. */
    async form(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const session = signedSession(signer, req);
      if (session && !(await revocations.isRevoked(session, false))) return redirect(res, '/');
      sendHtml(res, 200, loginPage());
    },

    /** POST /login: checks the password and sets the session cookie. */
    async submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const client = clientAddress(req, options.clientAddress);
      const wait = limiter.attempt(client);
      if (wait > 0) {
        log('login rate limited', { level: 'warn', client });
        return sendHtml(res, 429, loginPage(`Too many login attempts. Try again in ${wait} seconds.`), {
          'Retry-After': String(wait),
        });
      }
      const password = await readPassword(req);
      if (typeof password !== 'string' || !signer.checkPassword(password)) {
        log('login failed', { level: 'warn', client });
        return sendHtml(res, 401, loginPage('That password is not right.'));
      }
      const { token, expires } = signer.issue();
      redirect(res, '/', { 'Set-Cookie': sessionCookie(token, expires) });
    },

    /** POST /logout: ends the session everywhere, then clears the cookie. */
    async logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const session = signedSession(signer, req);
      if (session) {
        try {
          await revocations.revoke(session);
        } catch (err) {
          if (!isRetryableDataApiError(err)) throw err;
          // The cookie stays: cleared here, it would still open the dashboard if copied.
          return sendHtml(
            res,
            503,
            logoutRetryPage(
              'Logging out is recorded in the database, which is waking up from zero capacity. ' +
                'Try again in a few seconds.',
            ),
            { 'Retry-After': String(RESUME_RETRY_SECONDS) },
          );
        }
      }
      redirect(res, '/login', { 'Set-Cookie': clearedSessionCookie() });
    },
  };
}
