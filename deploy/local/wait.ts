// Polling with a deadline: every wait in the stack commands goes through here.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Called about every `everyMs` while still waiting (progress output). */
  readonly onTick?: (elapsedMs: number) => void;
  readonly everyMs?: number;
}

export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

/** Polls `check` until it resolves true; rejects with WaitTimeout at the deadline. */
export async function waitFor(check: () => Promise<boolean>, options: WaitOptions): Promise<number> {
  const started = performance.now();
  let lastTick = started;
  for (;;) {
    if (await check()) return performance.now() - started;
    const now = performance.now();
    if (now - started >= options.timeoutMs) {
      throw new WaitTimeout(`still waiting after ${Math.round((now - started) / 1000)}s`);
    }
    if (options.onTick !== undefined && now - lastTick >= (options.everyMs ?? 5000)) {
      lastTick = now;
      options.onTick(now - started);
    }
    await sleep(options.intervalMs);
  }
}
