// One leadership term on ZooKeeper: the fence every leader-only side effect passes through.
// act() is one transaction that (1) checks the epoch znode still has this term's version, (2)
// checks this member's znode still exists, (3) records the action as a persistent-sequential
// znode, and (4) applies any leader-state writes. A leader that was paused, cut off or replaced
// fails (1) or (2) and records nothing; its caller must then not perform the effect.
//
// What the fence cannot cover: the moment between a passed check and the effect reaching
// ClickHouse. assertLive() narrows it to this process's own view (its session answered within 2/3
// of the timeout); docs/high-availability.md says what remains.
import type { Logger } from '../../common/runtime/logger.ts';
import type { ElectionPaths } from './election-paths.ts';
import { statePath } from './election-paths.ts';
import { encodeRecord } from './ha-records.ts';
import { FenceUnavailable, FencedOut, StateConflict } from './leadership.ts';
import type { LeaderAction, LeaderTerm, StateEntry, StateWrite } from './leadership.ts';
import { zkCode } from './zk-errors.ts';
import type { ZkOp, ZkOps } from './zk-ops.ts';

export interface ZkTermOptions {
  readonly zk: ZkOps;
  readonly paths: ElectionPaths;
  readonly epoch: number;
  readonly memberId: string;
  readonly memberPath: string;
  readonly logger: Logger;
  /** Action records kept; older ones are pruned now and then (default 1000). */
  readonly keepActions?: number;
  readonly now?: () => Date;
}

const PRUNE_EVERY = 100;
const ACTION_SEQUENCE = /-(\d{10})$/;

function writeOps(paths: ElectionPaths, w: StateWrite): ZkOp[] {
  const path = statePath(paths, w.key);
  const data = Buffer.from(w.value, 'utf8');
  // A created value is set once at once, so its version is 1 and later writes can compare on it.
  if (w.version === null) return [{ op: 'create', path, data, kind: 'persistent' }, { op: 'set', path, data }];
  return [{ op: 'set', path, data, version: w.version }];
}

export class ZkTerm implements LeaderTerm {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private reason = '';

  constructor(private readonly o: ZkTermOptions) {}

  get epoch(): number {
    return this.o.epoch;
  }

  get memberId(): string {
    return this.o.memberId;
  }

  get endReason(): string {
    return this.reason;
  }

  /** Ends the term: the signal aborts and every later act() is refused. Idempotent. */
  end(reason: string): void {
    if (this.signal.aborted) return;
    this.reason = reason;
    this.controller.abort(new FencedOut(reason));
  }

  assertLive(): void {
    if (!this.signal.aborted && this.o.zk.leaseRemainingMs() <= 0) this.end('the ZooKeeper session has not answered recently');
    if (this.signal.aborted) throw new FencedOut(`epoch ${this.o.epoch} is over: ${this.reason}`);
  }

  async act(action: LeaderAction, writes: readonly StateWrite[] = []): Promise<void> {
    this.assertLive();
    const record = encodeRecord({
      epoch: this.o.epoch,
      memberId: this.o.memberId,
      job: action.job,
      what: action.what.slice(0, 300),
      at: (this.o.now?.() ?? new Date()).toISOString(),
    });
    const ops: ZkOp[] = [
      { op: 'check', path: this.o.paths.epoch, version: this.o.epoch },
      { op: 'check', path: this.o.memberPath },
      { op: 'create', path: this.o.paths.actionPrefix, data: record, kind: 'persistent-sequential' },
      ...writes.flatMap((w) => writeOps(this.o.paths, w)),
    ];
    let created: string | undefined;
    try {
      created = (await this.o.zk.multi(ops))[2]?.path;
    } catch (err) {
      throw await this.refusal(err, action);
    }
    // The answer may have taken a while; the effect follows only if the session is still trusted.
    this.assertLive();
    this.prune(created);
  }

  async readState(key: string): Promise<StateEntry | null> {
    const node = await this.o.zk.getData(statePath(this.o.paths, key));
    return node === null ? null : { value: node.data.toString('utf8'), version: node.stat.version };
  }

  /** Why the transaction failed: the fence (the term ends), a state write, or no answer. */
  private async refusal(err: unknown, action: LeaderAction): Promise<Error> {
    const code = zkCode(err);
    if (code === 'SESSION_LOST' || code === 'SESSION_EXPIRED') {
      this.end(`ZooKeeper session gone during ${action.job}`);
      return new FencedOut(`epoch ${this.o.epoch}: the ZooKeeper session is gone`, { cause: err });
    }
    if (code === 'BAD_VERSION' || code === 'NO_NODE' || code === 'NODE_EXISTS') {
      // A failed transaction names only the error, not which op failed; read to find out.
      try {
        const [epochNode, member] = await Promise.all([this.o.zk.getData(this.o.paths.epoch), this.o.zk.exists(this.o.memberPath)]);
        if (epochNode?.stat.version !== this.o.epoch || member === null) {
          const why = member === null ? 'this member left the election' : `epoch is now ${String(epochNode?.stat.version)}`;
          this.end(`fenced out: ${why}`);
          this.o.logger.warn({ epoch: this.o.epoch, job: action.job, what: action.what, why }, 'fenced out: action refused');
          return new FencedOut(`epoch ${this.o.epoch} refused for ${action.job}: ${why}`, { cause: err });
        }
        return new StateConflict(`${action.job}: leader state changed under epoch ${this.o.epoch}`, { cause: err });
      } catch (readErr) {
        return new FenceUnavailable(`${action.job}: cannot tell why the fence failed`, { cause: readErr });
      }
    }
    return new FenceUnavailable(`${action.job}: the fence could not be checked (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }

  /** Keeps the audit trail bounded; best effort, and only while this term lives. */
  private prune(created: string | undefined): void {
    const seq = created === undefined ? null : ACTION_SEQUENCE.exec(created)?.[1];
    if (seq === undefined || seq === null || Number(seq) % PRUNE_EVERY !== 0) return;
    const keep = this.o.keepActions ?? 1000;
    const run = async (): Promise<void> => {
      const names = (await this.o.zk.getChildren(this.o.paths.actions)).sort();
      for (const name of names.slice(0, Math.max(0, names.length - keep))) {
        if (this.signal.aborted) return;
        await this.o.zk.remove(`${this.o.paths.actions}/${name}`);
      }
    };
    run().catch((err: unknown) => {
      this.o.logger.debug({ err }, 'pruning old action records failed; next time');
    });
  }
}
