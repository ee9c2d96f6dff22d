// Noticing a killed predecessor sooner than ZooKeeper does. After kill -9 the server keeps the
// dead process's session, and so its member znode, until the session times out; the server also
// rounds expiry up to its tick, so with the smallest timeout the local stack allows (4 s, twice a
// 2 s tick) a successor waits 4 to 6 s. A follower therefore also polls its predecessor's own HTTP
// port: once it has seen the process answer, "connection refused" several times in a row means no
// process listens there any more, and it removes the predecessor's member znode itself.
//
// Only a refused connection counts. A frozen or slow process still accepts connections (the
// kernel does), so timeouts and other errors never count, and those cases wait for expiry. A wrong
// verdict costs availability, not safety: the removed member fails its fence and joins again.

export type ProbeOutcome = 'answered' | 'refused' | 'inconclusive';
export type ProbeVerdict = 'alive' | 'dead' | 'unknown';

export interface ProbeOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive refusals, after the process was once seen answering, that mean it is gone. */
  readonly refusals: number;
}

export const DEFAULT_PROBE: ProbeOptions = { intervalMs: 200, timeoutMs: 500, refusals: 3 };

export class ProbeTracker {
  private seenAlive = false;
  private refusedInARow = 0;

  constructor(private readonly refusals: number) {}

  record(outcome: ProbeOutcome): ProbeVerdict {
    if (outcome === 'answered') {
      this.seenAlive = true;
      this.refusedInARow = 0;
      return 'alive';
    }
    if (outcome === 'refused') {
      this.refusedInARow++;
      return this.seenAlive && this.refusedInARow >= this.refusals ? 'dead' : 'unknown';
    }
    this.refusedInARow = 0;
    return 'unknown';
  }
}

function refused(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof AggregateError) return cause.errors.length > 0 && cause.errors.every(refused);
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return true;
  // AggregateError entries are the socket errors themselves.
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ECONNREFUSED';
}

/** One GET <url>/healthz. Any HTTP answer, whatever its status, means the process is there. */
export async function probeOnce(url: string, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return 'answered';
  } catch (err) {
    return refused(err) ? 'refused' : 'inconclusive';
  }
}
