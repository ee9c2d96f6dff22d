// Holds consumption while the process is above its memory budget. Fetched batches are kept in
// memory until inserted, so with ClickHouse slow they pile up; waiting here (with heartbeats,
// so the group keeps the partition) stops fetching until memory is back under the limit.
import { sleep } from '../../common/runtime/retry.ts';

export interface MemoryGateOptions {
  /** Resident set size in bytes above which consumption waits; 0 disables the gate. */
  readonly maxRssBytes: number;
  /** Injected for tests; defaults to process.memoryUsage.rss. */
  readonly rss?: () => number;
  readonly pollMs?: number;
}

export class MemoryGate {
  private readonly rss: () => number;
  private readonly pollMs: number;
  private waiting = 0;

  constructor(private readonly opts: MemoryGateOptions) {
    this.rss = opts.rss ?? ((): number => process.memoryUsage.rss());
    this.pollMs = opts.pollMs ?? 500;
  }

  /** How many partitions are waiting right now (for the paused gauge). */
  get paused(): number {
    return this.waiting;
  }

  overLimit(): boolean {
    return this.opts.maxRssBytes > 0 && this.rss() > this.opts.maxRssBytes;
  }

  /**
   * Resolves once memory is under the limit (at once if it already is) or `active()` turns
   * false. Calls `heartbeat` while waiting. Returns true if it had to wait.
   */
  async pass(active: () => boolean, heartbeat: () => Promise<void>, signal?: AbortSignal): Promise<boolean> {
    if (!this.overLimit()) return false;
    this.waiting++;
    try {
      while (this.overLimit() && active()) {
        await sleep(this.pollMs, signal);
        await heartbeat();
      }
    } finally {
      this.waiting--;
    }
    return true;
  }
}
