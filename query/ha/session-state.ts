// The state of a ZooKeeper session as Cairn sees it, with listeners and waiting. `lost` and
// `closed` are final: once the library or the owner ended a session, nothing revives it.

export type SessionState = 'connecting' | 'connected' | 'suspended' | 'lost' | 'closed';

export class StateBox {
  private state: SessionState = 'connecting';
  private readonly listeners = new Set<(state: SessionState) => void>();

  get current(): SessionState {
    return this.state;
  }

  set(next: SessionState): void {
    if (this.state === next || this.state === 'closed' || (this.state === 'lost' && next !== 'closed')) return;
    this.state = next;
    for (const l of [...this.listeners]) l(next);
  }

  onChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the state once `pred(state)` holds; null after `timeoutMs` (null: never) or when `signal` aborts. */
  waitUntil(pred: (state: SessionState) => boolean, timeoutMs: number | null, signal?: AbortSignal): Promise<SessionState | null> {
    if (pred(this.state)) return Promise.resolve(this.state);
    return new Promise((resolve) => {
      const finish = (reached: SessionState | null): void => {
        if (timer !== null) clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(reached);
      };
      const onAbort = (): void => {
        finish(null);
      };
      const timer =
        timeoutMs === null
          ? null
          : setTimeout(() => {
              finish(null);
            }, timeoutMs);
      const unsubscribe = this.onChange((s) => {
        if (pred(s)) finish(s);
      });
      if (signal?.aborted === true) finish(null);
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
