// Bounded retry: stops after the attempt budget, never starts an attempt past the deadline, fails
// at once on errors the caller calls permanent, and draws each delay uniformly under a capped
// exponential ceiling (random is injected, so delays are exact and tests do not really wait long).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, sleep, withRetry } from '../../common/runtime/retry.ts';
import type { RetryPolicy } from '../../common/runtime/retry.ts';

class Transient extends Error {}
class Permanent extends Error {}

const isRetryable = (err: unknown): boolean => err instanceof Transient;
/** Delays of 0 ms: random() = 0 makes every jittered delay zero. */
const noWait = (): number => 0;

function failing(times: number, make: (attempt: number) => Error = () => new Transient('busy')): { fn: (attempt: number) => Promise<string>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    fn: (attempt) => {
      calls.push(attempt);
      return calls.length <= times ? Promise.reject(make(attempt)) : Promise.resolve(`ok after ${attempt}`);
    },
  };
}

const policy = (p: Partial<RetryPolicy> = {}): RetryPolicy => ({ attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, deadlineMs: 60_000, ...p });

void describe('withRetry', () => {
  void it('returns the first success, passing the attempt number', async () => {
    const f = failing(2);
    assert.equal(await withRetry(policy(), { isRetryable, random: noWait }, f.fn), 'ok after 2');
    assert.deepEqual(f.calls, [0, 1, 2]);
  });

  void it('stops after `attempts` attempts and throws the last error', async () => {
    const f = failing(100, (attempt) => new Transient(`attempt ${attempt}`));
    const retries: Array<[number, number]> = [];
    await assert.rejects(
      withRetry(policy({ attempts: 4 }), { isRetryable, random: noWait, onRetry: (_e, attempt, delay) => retries.push([attempt, delay]) }, f.fn),
      (err: unknown) => err instanceof Transient && err.message === 'attempt 3',
    );
    assert.deepEqual(f.calls, [0, 1, 2, 3]);
    assert.deepEqual(retries, [[1, 0], [2, 0], [3, 0]]);
  });

  void it('makes exactly one attempt when attempts is 1', async () => {
    const f = failing(100);
    await assert.rejects(withRetry(policy({ attempts: 1 }), { isRetryable, random: noWait }, f.fn), Transient);
    assert.deepEqual(f.calls, [0]);
  });

  void it('does not retry an error the caller classifies as permanent', async () => {
    const f = failing(100, () => new Permanent('syntax error'));
    let retried = false;
    await assert.rejects(withRetry(policy(), { isRetryable, random: noWait, onRetry: () => (retried = true) }, f.fn), Permanent);
    assert.deepEqual(f.calls, [0]);
    assert.equal(retried, false);
  });

  void it('gives up instead of sleeping past the deadline', async () => {
    // random() = 0.99 with base 1000 makes the first delay 990 ms, beyond a 200 ms deadline.
    const f = failing(100);
    const started = Date.now();
    await assert.rejects(withRetry(policy({ baseDelayMs: 1000, maxDelayMs: 5000, deadlineMs: 200 }), { isRetryable, random: () => 0.99 }, f.fn), Transient);
    assert.deepEqual(f.calls, [0]);
    assert.ok(Date.now() - started < 150, 'did not sleep');
  });

  void it('retries while delays fit in the deadline (boundary included), then stops', async (t) => {
    // Fake setTimeout and Date: the deadline arithmetic is checked exactly, without real waiting.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    // random 0.5 of 20, 40, 80, 160 ms gives delays 10, 20, 40, 80. With a deadline of 70 ms the
    // third delay ends exactly at 70 (allowed: no attempt *starts* after it), the fourth at 150.
    const f = failing(100);
    const delays: number[] = [];
    const state = { settled: false };
    const outcome = withRetry(
      policy({ attempts: 10, baseDelayMs: 20, maxDelayMs: 10_000, deadlineMs: 70 }),
      { isRetryable, random: () => 0.5, onRetry: (_e, _a, d) => delays.push(d) },
      f.fn,
    ).then(
      () => null,
      (err: unknown) => err,
    );
    void outcome.finally(() => (state.settled = true));
    while (!state.settled) {
      await new Promise((resolve) => setImmediate(resolve));
      t.mock.timers.runAll();
    }
    assert.ok((await outcome) instanceof Transient);
    assert.deepEqual(delays, [10, 20, 40]);
    assert.equal(f.calls.length, 4);
    assert.equal(Date.now(), 70);
  });

  void it('waits at least a server-requested Retry-After, which also counts against the deadline', async () => {
    const delays: number[] = [];
    const f = failing(1);
    await withRetry(policy(), { isRetryable, random: noWait, retryAfterMs: () => 25, onRetry: (_e, _a, d) => delays.push(d) }, f.fn);
    assert.deepEqual(delays, [25]);
    const g = failing(100);
    await assert.rejects(withRetry(policy({ deadlineMs: 1000 }), { isRetryable, random: noWait, retryAfterMs: () => 5000 }, g.fn), Transient);
    assert.deepEqual(g.calls, [0]);
  });

  void it('stops retrying once the signal is aborted', async () => {
    const controller = new AbortController();
    const f = failing(100);
    const pending = withRetry(policy({ baseDelayMs: 60_000, maxDelayMs: 60_000 }), { isRetryable, random: () => 0.5, signal: controller.signal }, f.fn);
    // The first delay is 30 s; aborting wakes the sleep, the next failure sees the abort and throws.
    setImmediate(() => {
      controller.abort();
    });
    await assert.rejects(pending, Transient);
    assert.deepEqual(f.calls, [0, 1]);
  });
});

void describe('backoffDelay', () => {
  void it('is random() times base * 2^attempt, capped at maxDelayMs, floored', () => {
    const p = policy({ baseDelayMs: 100, maxDelayMs: 1000 });
    assert.deepEqual([0, 1, 2, 3, 4, 10, 60].map((a) => backoffDelay(p, a, () => 0.999999)), [99, 199, 399, 799, 999, 999, 999]);
    assert.deepEqual([0, 1, 2].map((a) => backoffDelay(p, a, () => 0)), [0, 0, 0]);
    assert.equal(backoffDelay(p, 3, () => 0.5), 400);
  });

  void it('always lies in [0, min(max, base * 2^attempt)) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (base, max, attempt, r) => {
          const d = backoffDelay(policy({ baseDelayMs: base, maxDelayMs: max }), attempt, () => r);
          assert.ok(Number.isInteger(d));
          assert.ok(d >= 0 && d < Math.min(max, base * 2 ** attempt), `${d}`);
        },
      ),
    );
  });
});

void describe('sleep', () => {
  void it('resolves at once when the signal is already aborted, and early when it aborts', async () => {
    const started = Date.now();
    await sleep(60_000, AbortSignal.abort());
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await pending;
    assert.ok(Date.now() - started < 1000);
  });
});
