/**
 * Retries with exponential backoff and full jitter, for calls that fail with errors meaning "try
 * again": above all `DatabaseResumingException` while a paused Aurora Serverless v2 cluster wakes
 * up (15 to 30 seconds), also throttling, service-unavailable and network errors.
 */

export interface RetryOptions {
  /** First backoff ceiling in milliseconds. @default 250 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling in milliseconds. @default 10_000 */
  readonly maxDelayMs?: number;
  /** Total time in milliseconds after which no further attempt starts. @default 60_000 */
  readonly budgetMs?: number;
  /** Which errors are worth another attempt. @default isRetryableDataApiError */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Waits; injectable so tests do not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The clock used for the budget. @default Date.now */
  readonly now?: () => number;
  /** Uniform random number in [0, 1), for the jitter. @default Math.random */
  readonly random?: () => number;
  /** Called before each wait, e.g. to log. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY = { baseDelayMs: 250, maxDelayMs: 10_000, budgetMs: 60_000 } as const;

/**
 * Retries of the functions a deploy runs (schema migrations, role passwords): a deploy waits up to
 * 10 minutes for a paused cluster to resume instead of failing.
 */
export const DEPLOY_RETRY = { maxDelayMs: 15_000, budgetMs: 10 * 60 * 1000 } as const;

const RETRYABLE_NAMES = new Set([
  'DatabaseResumingException',
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableError',
  'ServiceUnavailableException',
  'InternalServerErrorException',
  'DatabaseUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const RESUMING_MESSAGE =
  /is resuming after being auto-paused|database is resuming|communications link failure/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errorName?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/**
 * Whether a Data API call that failed with `err` may succeed if sent again. True for a resuming
 * database, throttling, 5xx service errors and network errors; false for bad SQL, constraint
 * violations, access errors and other client errors. Also looks through `DatabaseError` wrappers.
 */
export function isRetryableDataApiError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const x = e as ErrorLike;
    const name = typeof x.errorName === 'string' ? x.errorName : typeof x.name === 'string' ? x.name : '';
    if (RETRYABLE_NAMES.has(name)) return true;
    if (typeof x.code === 'string' && NETWORK_CODES.has(x.code)) return true;
    if (typeof x.message === 'string' && RESUMING_MESSAGE.test(x.message)) return true;
    const status = x.$metadata?.httpStatusCode;
    if (status === 429 || status === 502 || status === 503 || status === 504) return true;
    if (x.$retryable && typeof x.$retryable === 'object') return true;
    e = x.cause;
  }
  return false;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `fn`, retrying retryable failures with full-jitter exponential backoff
 * (`delay = random() * min(maxDelay, base * 2^attempt)`) until it succeeds, a non-retryable error
 * occurs (rethrown at once) or the budget would be exceeded (the last error is rethrown).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const budget = options.budgetMs ?? DEFAULT_RETRY.budgetMs;
  const isRetryable = options.isRetryable ?? isRetryableDataApiError;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const start = now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
      const delayMs = Math.round(random() * ceiling);
      if (now() - start + delayMs > budget) throw err;
      options.onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}
