// Delivers a batch of items (log records, metrics) until the collector acknowledges it. Attempts
// are not capped in number: what is being sent is still safe where it came from (the file, for
// logs), so giving up would only lose it. Each attempt has its own timeout, and the waits between
// them grow exponentially with full jitter up to a cap, or follow the collector's Retry-After.
// A batch the collector finds too large, or refuses as malformed, is halved until the offending
// item stands alone; only that item is dropped (logged and counted), never its neighbours.
// A stop ends delivery between attempts, never during one.
import type { Logger } from '../../common/runtime/logger.ts';
import { backoffDelay, sleep } from '../../common/runtime/retry.ts';
import type { OtlpPath, OtlpSender } from './otlp-sender.ts';
import type { ShipperMetrics } from './shipper-metrics.ts';

export interface DeliveryContext {
  readonly sender: OtlpSender;
  readonly stop: AbortSignal;
  readonly maxRetryDelayMs: number;
  readonly log: Logger;
  readonly metrics: ShipperMetrics;
  /** Told after every attempt, for readiness: '' when the collector took it, else why not. */
  readonly onAttempt: (problem: string) => void;
  readonly random?: () => number;
}

export interface Delivered {
  /** false: stopped before the collector acknowledged everything. */
  readonly done: boolean;
  /** Items dropped: refused alone, or rejected through partial success. */
  readonly dropped: number;
}

const BASE_DELAY_MS = 200;
/** Backoff doubles up to this exponent; past it the cap alone decides. */
const MAX_EXPONENT = 20;

export async function deliver<T>(ctx: DeliveryContext, path: OtlpPath, items: readonly T[], encode: (items: readonly T[]) => string): Promise<Delivered> {
  const signal = path === '/v1/logs' ? 'logs' : 'metrics';
  const policy = { attempts: Infinity, baseDelayMs: BASE_DELAY_MS, maxDelayMs: ctx.maxRetryDelayMs, deadlineMs: Infinity };
  for (let attempt = 0; ; attempt++) {
    if (ctx.stop.aborted) return { done: false, dropped: 0 };
    // A stop does not abort the attempt in flight: the collector may already have stored it, and
    // an answer lost here would make the next run send it again. The attempt's own timeout
    // (CAIRN_SHIPPER_REQUEST_TIMEOUT_MS) bounds how long a stop waits for it.
    const outcome = await ctx.sender.send(path, encode(items));
    ctx.metrics.attempts.inc({ signal, result: outcome.kind });
    ctx.onAttempt(outcome.kind === 'retry' ? outcome.reason : '');
    switch (outcome.kind) {
      case 'ok':
        if (outcome.rejected > 0) {
          ctx.log.warn({ signal, rejected: outcome.rejected, message: outcome.message }, 'the collector kept the batch but rejected some items');
        }
        return { done: true, dropped: outcome.rejected };
      case 'too-large':
      case 'rejected': {
        if (items.length === 1) {
          const reason = outcome.kind === 'too-large' ? 'larger than the collector accepts (its CAIRN_MAX_REQUEST_BYTES)' : outcome.reason;
          ctx.log.error({ signal, reason }, 'the collector refuses this item; dropping it');
          return { done: true, dropped: 1 };
        }
        const half = Math.ceil(items.length / 2);
        const first = await deliver(ctx, path, items.slice(0, half), encode);
        if (!first.done) return first;
        const second = await deliver(ctx, path, items.slice(half), encode);
        return { done: second.done, dropped: first.dropped + second.dropped };
      }
      case 'retry': {
        const backoff = backoffDelay(policy, Math.min(attempt, MAX_EXPONENT), ctx.random ?? Math.random);
        const delayMs = Math.max(backoff, outcome.afterMs ?? 0);
        ctx.log.warn({ signal, attempt: attempt + 1, delayMs, reason: outcome.reason }, 'collector unavailable; retrying');
        await sleep(delayMs, ctx.stop);
      }
    }
  }
}
