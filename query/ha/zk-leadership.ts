// Leader election among query replicas on ZooKeeper. Each replica holds one session and, in it,
// one ephemeral-sequential member znode; the lowest leads (after claiming a new epoch), every other
// member watches only its predecessor. The loop, per session:
//   join -> decide -> lead (until the term ends) or follow (until the predecessor changes) -> decide...
// A leader's term ends when the session is suspended or lost, when its znode disappears, when the
// fence refuses it, or on close(). A lost session is closed and a new one joins at the back.
// close() stops the term's jobs first, then deletes the member znode and closes the session, so the
// successor's watch fires at once (graceful hand-over).
import { Event } from 'node-zookeeper-client';
import type { Logger } from '../../common/runtime/logger.ts';
import { backoffDelay, sleep } from '../../common/runtime/retry.ts';
import type { RetryPolicy } from '../../common/runtime/retry.ts';
import { electionPaths, znodeName } from './election-paths.ts';
import type { ElectionPaths } from './election-paths.ts';
import { decide } from './election-order.ts';
import { claimEpoch } from './epoch-claim.ts';
import { decodeMember, encodeRecord } from './ha-records.ts';
import type { LeaderMetrics } from './leader-metrics.ts';
import { FenceUnavailable } from './leadership.ts';
import type { ClusterView, Leadership, LeadershipStatus, Role, TermRunner } from './leadership.ts';
import { ProbeTracker, probeOnce } from './predecessor-probe.ts';
import type { ProbeOptions } from './predecessor-probe.ts';
import { readSnapshot } from './cluster-snapshot.ts';
import type { ClusterSnapshot } from './cluster-snapshot.ts';
import { outcomeUnknown } from './zk-errors.ts';
import { ZkSession } from './zk-session.ts';
import { isAborted, untilAborted } from './until-aborted.ts';
import { ZkTerm } from './zk-term.ts';

export interface ZkLeadershipOptions {
  readonly connect: string;
  readonly root: string;
  /** One election per database. */
  readonly group: string;
  readonly sessionTimeoutMs: number;
  readonly memberId: string;
  /** This replica's HTTP address, if known: shown in the view, probed by its successor. */
  readonly url: string | null;
  readonly logger: Logger;
  readonly metrics?: LeaderMetrics;
  /** false: wait for session expiry only. */
  readonly probe: ProbeOptions | false;
}

/** Between sessions: quick after a loss, slower while ZooKeeper stays unreachable. */
const REJOIN: RetryPolicy = { attempts: Infinity, baseDelayMs: 200, maxDelayMs: 5000, deadlineMs: Infinity };
const VIEW_TIMEOUT_MS = 1500;

export class ZkLeadership implements Leadership {
  private readonly paths: ElectionPaths;
  private readonly stopping = new AbortController();
  private readonly log: Logger;
  private loop: Promise<void> | null = null;
  private session: ZkSession | null = null;
  private term: ZkTerm | null = null;
  private role: Role = 'disconnected';
  private last: ClusterSnapshot | null = null;

  constructor(private readonly o: ZkLeadershipOptions) {
    this.paths = electionPaths(o.root, o.group);
    this.log = o.logger.child({ component: 'election', member: o.memberId });
  }

  start(run: TermRunner): void {
    this.loop ??= this.run(run);
  }

  status(): LeadershipStatus {
    return { role: this.role, epoch: this.term?.epoch ?? null };
  }

  async view(): Promise<ClusterView> {
    const self = { id: this.o.memberId, role: this.role, epoch: this.term?.epoch ?? null };
    const session = this.session;
    if (session?.state === 'connected') {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => { reject(new Error('timed out')); }, VIEW_TIMEOUT_MS);
        });
        const snap = await Promise.race([readSnapshot(session, this.paths), timeout]);
        this.last = snap;
        return {
          mode: 'zookeeper',
          self,
          leader: snap.leader,
          epoch: snap.epoch,
          epochHolder: snap.epochHolder,
          members: snap.members,
          zookeeper: { reachable: true, observedAt: snap.observedAt },
        };
      } catch (err) {
        this.log.debug({ err }, 'cannot read the cluster view from ZooKeeper');
      } finally {
        clearTimeout(timer);
      }
    }
    return {
      mode: 'zookeeper',
      self,
      leader: this.last?.leader ?? null,
      epoch: this.last?.epoch ?? null,
      epochHolder: this.last?.epochHolder ?? null,
      members: this.last?.members ?? [],
      zookeeper: { reachable: false, observedAt: this.last?.observedAt ?? null },
    };
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.setRole('stopped');
  }

  private isStopped(): boolean {
    return isAborted(this.stopping.signal);
  }

  private setRole(role: Role): void {
    if (this.role === 'stopped') return;
    this.role = role;
  }

  private async run(runTerm: TermRunner): Promise<void> {
    for (let failures = 0; !this.isStopped(); ) {
      let session: ZkSession | null = null;
      try {
        session = await ZkSession.open({ connect: this.o.connect, sessionTimeoutMs: this.o.sessionTimeoutMs, logger: this.log, signal: this.stopping.signal });
        this.session = session;
        failures = 0;
        await this.participate(session, runTerm);
      } catch (err) {
        if (!this.isStopped()) {
          failures++;
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'left the election; joining again');
        }
      } finally {
        this.session = null;
        await session?.close();
      }
      if (this.isStopped()) break;
      this.setRole('disconnected');
      await sleep(backoffDelay(REJOIN, Math.min(failures, 6), Math.random), this.stopping.signal);
    }
  }

  private async participate(session: ZkSession, runTerm: TermRunner): Promise<void> {
    for (const dir of [this.paths.members, this.paths.actions, this.paths.state]) await session.mkdirp(dir);
    // If this create times out, the znode may exist unseen: the caller closes the session, which removes it.
    const memberPath = await session.create(
      this.paths.memberPrefix,
      encodeRecord({ memberId: this.o.memberId, url: this.o.url, since: new Date().toISOString() }),
      'ephemeral-sequential',
    );
    const self = znodeName(memberPath);
    this.log.info({ znode: self, session: session.sessionId, sessionTimeoutMs: session.sessionTimeoutMs }, 'joined the leader election');
    const ownGone = this.watchGone(session, memberPath);
    try {
      for (let hiccups = 0; !this.isStopped(); ) {
        await this.untilConnected(session);
        if (this.isStopped()) break;
        this.setRole('candidate');
        try {
          const decision = decide(await session.getChildren(this.paths.members), self);
          if (decision.kind === 'absent') throw new Error(`member znode ${self} was removed`);
          if (decision.kind === 'lead') await this.lead(session, memberPath, ownGone, runTerm);
          else await this.follow(session, decision.predecessor, ownGone);
          hiccups = 0;
        } catch (err) {
          // A slow answer or a short disconnect keeps our place in line: decide again. Anything
          // else (our znode gone, session expired) ends this session.
          if (!(outcomeUnknown(err) || err instanceof FenceUnavailable) || session.state === 'lost') throw err;
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'election step failed; deciding again');
          await sleep(backoffDelay(REJOIN, Math.min(hiccups++, 6), Math.random), this.stopping.signal);
        }
      }
    } finally {
      // Graceful hand-over: the jobs have stopped (lead() waited for them); removing our znode
      // now wakes the successor at once instead of when the session closes.
      if (this.isStopped() && session.state === 'connected') {
        await session.remove(memberPath).catch((err: unknown) => {
          this.log.warn({ err }, 'could not remove the member znode; the session close removes it');
        });
      }
    }
  }

  /** Waits out a suspension; throws if the session is lost instead. */
  private async untilConnected(session: ZkSession): Promise<void> {
    if (session.state === 'connected') return;
    this.setRole('disconnected');
    const reached = await session.waitUntil((s) => s !== 'suspended' && s !== 'connecting', null, this.stopping.signal);
    if (reached !== null && reached !== 'connected') throw new Error(`ZooKeeper session ${reached}`);
  }

  private async lead(session: ZkSession, memberPath: string, ownGone: Promise<void>, runTerm: TermRunner): Promise<void> {
    const epoch = await claimEpoch(session, this.paths, memberPath, this.o.memberId);
    const term = new ZkTerm({ zk: session, paths: this.paths, epoch, memberId: this.o.memberId, memberPath, logger: this.log });
    const unsubscribe = session.onChange((s) => {
      if (s !== 'connected') term.end(`ZooKeeper session ${s}`);
    });
    if (session.state !== 'connected') term.end(`ZooKeeper session ${session.state}`);
    void ownGone.then(() => {
      term.end('our member znode was removed');
    });
    const stop = (): void => {
      term.end('shutting down');
    };
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    if (this.isStopped()) stop();
    this.term = term;
    this.setRole('leader');
    this.o.metrics?.setLeading(epoch);
    this.log.info({ epoch }, 'leading');
    const jobs = Promise.resolve()
      .then(() => runTerm(term))
      .catch((err: unknown) => {
        this.log.error({ err, epoch }, 'leader jobs failed');
      });
    try {
      await untilAborted(term.signal);
      // Nothing more is done in this epoch once the jobs have returned.
      await jobs;
    } finally {
      unsubscribe();
      this.stopping.signal.removeEventListener('abort', stop);
      this.term = null;
      this.o.metrics?.setLeading(null);
      this.setRole('candidate');
      this.log.info({ epoch, reason: term.endReason }, 'stepped down');
    }
  }

  private async follow(session: ZkSession, predecessor: string, ownGone: Promise<void>): Promise<void> {
    this.setRole('follower');
    const predPath = `${this.paths.members}/${predecessor}`;
    let changed!: () => void;
    const predChanged = new Promise<void>((resolve) => (changed = resolve));
    if ((await session.exists(predPath, () => { changed(); })) === null) return;
    const phase = new AbortController();
    if (this.o.probe !== false) void this.probe(session, predPath, this.o.probe, phase.signal);
    try {
      await Promise.race([
        predChanged,
        ownGone,
        session.waitUntil((s) => s !== 'connected', null, phase.signal),
        untilAborted(this.stopping.signal),
      ]);
    } finally {
      phase.abort();
    }
  }

  /** Resolves once our own member znode is deleted (by anyone); armed once per session. */
  private watchGone(session: ZkSession, path: string): Promise<void> {
    return new Promise((resolve) => {
      const arm = (): void => {
        session
          .exists(path, (event) => {
            if (event.getType() === Event.NODE_DELETED) resolve();
            else arm();
          })
          .then((stat) => {
            if (stat === null) resolve();
          })
          .catch(() => undefined);
      };
      arm();
    });
  }

  private async probe(session: ZkSession, predPath: string, options: ProbeOptions, signal: AbortSignal): Promise<void> {
    try {
      const node = await session.getData(predPath);
      const url = node === null ? null : (decodeMember(node.data)?.url ?? null);
      if (url === null) return;
      const tracker = new ProbeTracker(options.refusals);
      while (!signal.aborted) {
        const verdict = tracker.record(await probeOnce(url, options.timeoutMs));
        if (isAborted(signal)) return;
        if (verdict === 'dead') {
          this.log.warn({ predecessor: znodeName(predPath), url }, 'predecessor refuses connections after answering before; removing its member znode');
          await session.remove(predPath);
          return;
        }
        await sleep(options.intervalMs, signal);
      }
    } catch (err) {
      this.log.debug({ err }, 'predecessor probe stopped');
    }
  }
}
