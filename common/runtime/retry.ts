// Bounded retry with capped exponential backoff and full jitter, under an overall deadline.
// Callers classify errors; anything not retryable fails at once.

export interface RetryPolicy {
  /** Attempts in total, including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts after this many ms from the first. */
  readonly deadlineMs: number;
}

export interface RetryHooks {
  readonly isRetryable: (err: unknown) => boolean;
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  readonly signal?: AbortSignal;
  /** Injected for tests; defaults to Math.random. */
  readonly random?: () => number;
  /** Server-requested wait (e.g. Retry-After) in ms, taking precedence over backoff when larger. */
  readonly retryAfterMs?: (err: unknown) => number | undefined;
}

/** Delay before attempt `attempt + 1`: uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

export async function withRetry<T>(policy: RetryPolicy, hooks: RetryHooks, fn: (attempt: number) => Promise<T>): Promise<T> {
  const started = Date.now();
  const random = hooks.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const last = attempt + 1 >= policy.attempts;
      if (last || !hooks.isRetryable(err) || hooks.signal?.aborted === true) throw err;
      const delay = Math.max(backoffDelay(policy, attempt, random), hooks.retryAfterMs?.(err) ?? 0);
      if (Date.now() - started + delay > policy.deadlineMs) throw err;
      hooks.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, hooks.signal);
    }
  }
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
