// The embedded mode (`cairn start`) is one process with its own storage: it elects itself, in
// epoch 1, and runs the same leader-only jobs through the same fence interface. Leader state (the
// rollup high-water mark) lives in memory, so after a restart the rollup resumes from "now".
import type { Logger } from '../../common/runtime/logger.ts';
import type { LeaderMetrics } from './leader-metrics.ts';
import { FencedOut, StateConflict } from './leadership.ts';
import type { ClusterView, LeaderAction, LeaderTerm, Leadership, LeadershipStatus, StateEntry, StateWrite, TermRunner } from './leadership.ts';

const EPOCH = 1;

class StandaloneTerm implements LeaderTerm {
  readonly epoch = EPOCH;
  private readonly state = new Map<string, StateEntry>();

  constructor(
    readonly memberId: string,
    readonly signal: AbortSignal,
  ) {}

  assertLive(): void {
    if (this.signal.aborted) throw new FencedOut('shutting down');
  }

  act(_action: LeaderAction, writes: readonly StateWrite[] = []): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new FencedOut('shutting down'));
    for (const w of writes) {
      const current = this.state.get(w.key);
      if ((current?.version ?? null) !== w.version) return Promise.reject(new StateConflict(`leader state ${w.key} changed`));
    }
    for (const w of writes) this.state.set(w.key, { value: w.value, version: (w.version ?? 0) + 1 });
    return Promise.resolve();
  }

  readState(key: string): Promise<StateEntry | null> {
    return Promise.resolve(this.state.get(key) ?? null);
  }
}

export class StandaloneLeadership implements Leadership {
  private readonly stopping = new AbortController();
  private jobs: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly memberId: string,
    private readonly logger: Logger,
    private readonly metrics?: LeaderMetrics,
  ) {}

  start(run: TermRunner): void {
    if (this.jobs !== null || this.stopped) return;
    this.metrics?.setLeading(EPOCH);
    const term = new StandaloneTerm(this.memberId, this.stopping.signal);
    this.jobs = run(term).catch((err: unknown) => {
      this.logger.error({ err }, 'leader jobs failed');
    });
  }

  status(): LeadershipStatus {
    return this.stopped ? { role: 'stopped', epoch: null } : { role: 'leader', epoch: EPOCH };
  }

  view(): Promise<ClusterView> {
    const { role, epoch } = this.status();
    return Promise.resolve({
      mode: 'standalone',
      self: { id: this.memberId, role, epoch },
      leader: this.stopped ? null : this.memberId,
      epoch: EPOCH,
      epochHolder: this.memberId,
      members: [{ id: this.memberId, since: null, url: null }],
      zookeeper: null,
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.jobs;
    this.metrics?.setLeading(null);
  }
}
