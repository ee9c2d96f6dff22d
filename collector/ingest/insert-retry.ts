// How long an ingester waits before retrying a failed insert. Kafka keeps the batch, so attempts
// are unbounded; only the waits differ by cause.
//
// On ClickHouse 18.16 a replicated table takes one quorum insert at a time: while the previous
// one is not yet on `insert_quorum` replicas, the next is refused with code 286 (and a block
// pushed through five views meets that on any of them). That is contention, not a fault: the
// previous write is usually satisfied within a second. Backing off exponentially there starved
// the unlucky batch while other partitions took every free slot (one batch in an ingest bench
// waited 38 s over 11 attempts), so contention is retried soon, with jitter, and never waits
// more than a second. Every other failure backs off exponentially up to 10 s.
import { clickhouseErrorCode } from '../../common/clickhouse/errors.ts';
import { backoffDelay } from '../../common/runtime/retry.ts';
import type { RetryPolicy } from '../../common/runtime/retry.ts';

const UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE = 286;

const FAULT_BACKOFF: RetryPolicy = { attempts: Infinity, baseDelayMs: 200, maxDelayMs: 10_000, deadlineMs: Infinity };
const CONTENTION_BACKOFF: RetryPolicy = { attempts: Infinity, baseDelayMs: 100, maxDelayMs: 1_000, deadlineMs: Infinity };

export type InsertFailureKind = 'quorum-contention' | 'fault';

export function insertFailureKind(err: unknown): InsertFailureKind {
  return clickhouseErrorCode(err) === UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE ? 'quorum-contention' : 'fault';
}

/** Failures of one insert so far, by kind; each kind grows its own backoff. */
export class InsertRetry {
  private readonly failures: Record<InsertFailureKind, number> = { 'quorum-contention': 0, fault: 0 };

  constructor(private readonly random: () => number = Math.random) {}

  /** Records a failure; returns its kind, the wait before the next attempt, and how to log it. */
  failed(err: unknown): { kind: InsertFailureKind; delayMs: number; level: 'info' | 'warn' | 'error' } {
    const kind = insertFailureKind(err);
    const n = this.failures[kind]++;
    if (kind === 'quorum-contention') {
      // Routine; only contention that lasts (about 10 s of retries) is worth a warning.
      return { kind, delayMs: backoffDelay(CONTENTION_BACKOFF, Math.min(n, 4), this.random), level: n < 20 ? 'info' : 'warn' };
    }
    return { kind, delayMs: backoffDelay(FAULT_BACKOFF, Math.min(n, 10), this.random), level: n < 3 ? 'warn' : 'error' };
  }
}
