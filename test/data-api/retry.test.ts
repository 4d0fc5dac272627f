import { describe, expect, it } from 'vitest';
import { isRetryableDataApiError, withRetry } from '../../db/retry';

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/** A fake clock: sleeping advances it, so tests run instantly while the budget logic still sees time pass. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('isRetryableDataApiError', () => {
  it('retries resuming, throttling, unavailable and network errors', () => {
    for (const name of [
      'DatabaseResumingException',
      'ThrottlingException',
      'ServiceUnavailableError',
      'InternalServerErrorException',
      'TooManyRequestsException',
    ]) {
      expect(isRetryableDataApiError(named(name)), name).toBe(true);
    }
    expect(isRetryableDataApiError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(
      isRetryableDataApiError(
        named('BadRequestException', 'The database is resuming after being auto-paused'),
      ),
    ).toBe(true);
    expect(
      isRetryableDataApiError(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })),
    ).toBe(true);
  });

  it('does not retry bad SQL, constraint violations or access errors', () => {
    for (const name of [
      'DatabaseErrorException',
      'BadRequestException',
      'ForbiddenException',
      'AccessDeniedException',
    ]) {
      expect(isRetryableDataApiError(named(name)), name).toBe(false);
    }
    expect(isRetryableDataApiError(new TypeError('x'))).toBe(false);
  });

  it('looks through wrapping errors', () => {
    const wrapped = new Error('ExecuteStatement failed', { cause: named('DatabaseResumingException') });
    expect(isRetryableDataApiError(wrapped)).toBe(true);
  });
});

describe('withRetry', () => {
  it('retries a resuming database until it answers, with growing full-jitter delays', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls <= 5) throw named('DatabaseResumingException');
        return 'ok';
      },
      { ...clock, random: () => 0.999 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(6);
    expect(clock.sleeps).toEqual([250, 500, 999, 1998, 3996]);
  });

  it('caps each delay at maxDelayMs', async () => {
    const clock = fakeClock();
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 12) throw named('ThrottlingException');
      },
      { ...clock, random: () => 1, budgetMs: 1_000_000 },
    );
    expect(Math.max(...clock.sleeps)).toBe(10_000);
  });

  it('fails fast on a non-retryable error', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw named('DatabaseErrorException', 'ERROR: syntax error');
      }, clock),
    ).rejects.toThrow('ERROR: syntax error');
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up with the last error once the budget is spent', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw named('DatabaseResumingException', `attempt ${calls}`);
        },
        { ...clock, random: () => 1, budgetMs: 60_000 },
      ),
    ).rejects.toThrow(/attempt \d+/);
    expect(clock.now()).toBeLessThanOrEqual(60_000);
    expect(calls).toBeGreaterThan(5);
  });
});
