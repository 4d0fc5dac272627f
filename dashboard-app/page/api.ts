/** Asks the server's API, typed by the contract: the answer's shape is the one the server sends. */
import type { ApiPath, ApiQuery, ApiRoutes, ErrorBody, ResumingBody } from '../src/contract';

/** The database is resuming from zero capacity; ask again after `retryAfter` seconds. */
export class ResumingError extends Error {
  constructor(readonly retryAfter: number) {
    super('resuming');
  }
}

export async function getJson<P extends ApiPath>(
  path: P,
  query: ApiQuery<P> = {},
): Promise<ApiRoutes[P]['response']> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) params.set(name, value as string);
  const url = path + (params.size > 0 ? '?' + params.toString() : '');
  const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) {
    location.href = '/login';
    throw new Error('Your session has ended; log in again.');
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new Error(`The server answered ${res.status} without a readable body.`);
  }
  if (res.status === 503 && (body as Partial<ResumingBody>).state === 'resuming') {
    throw new ResumingError((body as ResumingBody).retryAfter || 5);
  }
  if (!res.ok) throw new Error((body as Partial<ErrorBody>).error ?? `The server answered ${res.status}.`);
  return body as ApiRoutes[P]['response'];
}
