// One ZooKeeper session, as promises: every call has a deadline (half the session timeout), reads
// and idempotent writes are retried a bounded number of times with jitter, other writes never
// (their outcome is the caller's to settle). While ZooKeeper is unreachable every call fails with
// a ZkError within its deadline, and the client library keeps reconnecting on its own.
//
// node-zookeeper-client notices a closed socket and an expired session, but not a server that
// stopped answering (frozen, or a network dropping packets): its pings simply queue. So the
// session also runs its own heartbeat and tracks when the last request that got an answer was
// SENT. The server cannot expire the session sooner than its timeout after receiving that
// request, which gives the states a leader acts on:
// - connected: answered recently;
// - suspended: the socket closed, or nothing answered for 2/3 of the session timeout; a leader
//   stops acting; the session may still come back;
// - lost: the server said it expired (seen once the connection works again). Open a new one.
//
// The library cannot give up on a connection attempt safely: a client closed while its connect
// request is unanswered misreads the late answer and throws from its socket handler. So a session
// is only dropped once the library itself has ended it (expired), or closed while connected;
// `open` waits for a session rather than timing out, and close() as a last resort destroys the
// socket (see destroySocket).
import { State, createClient } from 'node-zookeeper-client';
import type { Client, Event, Stat, Transaction } from 'node-zookeeper-client';
import type { Logger } from '../../common/runtime/logger.ts';
import { withRetry } from '../../common/runtime/retry.ts';
import type { RetryPolicy } from '../../common/runtime/retry.ts';
import { StateBox } from './session-state.ts';
import type { SessionState } from './session-state.ts';
import { ZkError, isTransientZkError, toZkError } from './zk-errors.ts';
import { CREATE_MODES, destroySocket, nodeStat, opResults, transactionOf } from './zk-library.ts';
import type { CreateKind, NodeData, NodeStat, ZkOp, ZkOpResult, ZkOps } from './zk-ops.ts';

export type { SessionState };

export interface ZkSessionOptions {
  /** host:port[,host:port...] (CAIRN_ZOOKEEPER). */
  readonly connect: string;
  /** Give up opening after this long (tests); by default wait until connected or `signal` aborts. */
  readonly connectTimeoutMs?: number;
  /** Asked for; the server may grant another value within its bounds (see sessionTimeoutMs). */
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  /** Gives up opening when it aborts (shutdown). */
  readonly signal?: AbortSignal;
  /** Injected for tests. */
  readonly now?: () => number;
}

export type Watcher = (event: Event) => void;

/** Errors the library makes up locally when the socket goes: no proof the server heard anything. */
const LOCAL_FAILURES = new Set(['CONNECTION_LOSS', 'SESSION_EXPIRED', 'TIMEOUT', 'SESSION_LOST']);

const WAIT_LOG_MS = 30_000;

export class ZkSession implements ZkOps {
  private readonly box = new StateBox();
  private libraryConnected = false;
  private lastAnsweredSentAt = 0;
  private lastProbeAt = 0;
  private probeInFlight = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly readRetry: RetryPolicy;

  private constructor(
    private readonly client: Client,
    private readonly opts: ZkSessionOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.readRetry = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, deadlineMs: opts.sessionTimeoutMs };
  }

  /** Connects and waits for the session (see connectTimeoutMs and signal). */
  static async open(opts: ZkSessionOptions): Promise<ZkSession> {
    // retries: 0, because retrying is ours to decide; a short spin between servers.
    const client = createClient(opts.connect, { sessionTimeout: opts.sessionTimeoutMs, spinDelay: 200, retries: 0 });
    const session = new ZkSession(client, opts);
    client.on('state', (state: State) => {
      session.onLibraryState(state);
    });
    client.connect();
    const started = session.now();
    for (;;) {
      const left = opts.connectTimeoutMs === undefined ? WAIT_LOG_MS : Math.min(WAIT_LOG_MS, opts.connectTimeoutMs - (session.now() - started));
      const reached = await session.waitUntil((s) => s === 'connected', Math.max(0, left), opts.signal);
      if (reached !== null) break;
      const waited = session.now() - started;
      if (opts.signal?.aborted === true || (opts.connectTimeoutMs !== undefined && waited >= opts.connectTimeoutMs)) {
        await session.close();
        throw new ZkError('TIMEOUT', `no ZooKeeper session with ${opts.connect} (CAIRN_ZOOKEEPER) after ${waited} ms`);
      }
      opts.logger.warn({ connect: opts.connect, waitedMs: waited }, 'still no ZooKeeper session (CAIRN_ZOOKEEPER); retrying');
    }
    session.startHeartbeat();
    return session;
  }

  get state(): SessionState {
    return this.box.current;
  }

  /** The timeout the server granted (what expiry and the lease are measured against). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  leaseRemainingMs(): number {
    if (this.box.current !== 'connected') return 0;
    return this.suspendAfterMs() - (this.now() - this.lastAnsweredSentAt);
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onChange(listener: (state: SessionState) => void): () => void {
    return this.box.onChange(listener);
  }

  /** Resolves with the state once `pred(state)` holds; null after `timeoutMs` (null: never) or when `signal` aborts. */
  waitUntil(pred: (state: SessionState) => boolean, timeoutMs: number | null, signal?: AbortSignal): Promise<SessionState | null> {
    return this.box.waitUntil(pred, timeoutMs, signal);
  }

  exists(path: string, watcher?: Watcher): Promise<NodeStat | null> {
    return this.read(`exists ${path}`, () =>
      this.call<NodeStat | null>(`exists ${path}`, (done) => {
        const cb = (err: unknown, stat: Stat | null | undefined): void => {
          done(err, stat === null || stat === undefined ? null : nodeStat(stat));
        };
        if (watcher === undefined) this.client.exists(path, cb);
        else this.client.exists(path, watcher, cb);
      }),
    );
  }

  async getData(path: string, watcher?: Watcher): Promise<NodeData | null> {
    try {
      return await this.read(`getData ${path}`, () =>
        this.call<NodeData>(`getData ${path}`, (done) => {
          const cb = (err: unknown, data: Buffer | undefined, stat: Stat | undefined): void => {
            done(err, stat === undefined ? undefined : { data: data ?? Buffer.alloc(0), stat: nodeStat(stat) });
          };
          if (watcher === undefined) this.client.getData(path, cb);
          else this.client.getData(path, watcher, cb);
        }),
      );
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NO_NODE') return null;
      throw err;
    }
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.read(`getChildren ${path}`, () =>
      this.call<string[]>(`getChildren ${path}`, (done) => {
        const cb = (err: unknown, children: string[] | undefined): void => {
          done(err, children ?? []);
        };
        if (watcher === undefined) this.client.getChildren(path, cb);
        else this.client.getChildren(path, watcher, cb);
      }),
    );
  }

  /** Not retried: a sequential create that timed out may exist; the caller settles that. */
  create(path: string, data: Buffer, kind: CreateKind): Promise<string> {
    return this.call<string>(`create ${path}`, (done) => {
      this.client.create(path, data, CREATE_MODES[kind], (err, created) => {
        done(err, created);
      });
    });
  }

  /** Creates the path and any missing parents (idempotent, so retried). */
  async mkdirp(path: string): Promise<void> {
    await this.read(`mkdirp ${path}`, () =>
      this.call<string>(`mkdirp ${path}`, (done) => {
        this.client.mkdirp(path, (err, created) => {
          done(err, created);
        });
      }),
    );
  }

  /** Deletes `path` whatever its version; false if it was not there. Retried: the goal is idempotent. */
  async remove(path: string): Promise<boolean> {
    try {
      await this.read(`remove ${path}`, () =>
        this.call<true>(`remove ${path}`, (done) => {
          this.client.remove(path, -1, (err) => {
            done(err, true);
          });
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NO_NODE') return false;
      throw err;
    }
  }

  /** Not retried: the caller decides what an unknown outcome means. */
  multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    let tx: Transaction;
    try {
      tx = transactionOf(this.client, ops);
    } catch (err) {
      return Promise.reject(toZkError(err, 'transaction'));
    }
    return this.call<ZkOpResult[]>(`transaction of ${ops.length} ops`, (done) => {
      tx.commit((err, results: unknown) => {
        done(err, opResults(results));
      });
    });
  }

  /** Ends the session (its ephemeral znodes go at once if the server hears it). Idempotent. */
  async close(): Promise<void> {
    if (this.box.current === 'closed') return;
    const ended = this.box.current === 'lost';
    const connected = this.libraryConnected;
    this.box.set('closed');
    this.stopHeartbeat();
    // An expired session is over already; the library has stopped by itself.
    if (ended) return;
    const gone = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.client.close();
    // Connected: the server answers the close and hangs up (wait for that, not forever).
    // Not connected: nothing will answer, so drop the connection attempt now.
    if (connected) await gone;
    destroySocket(this.client);
  }

  private suspendAfterMs(): number {
    return Math.floor((this.sessionTimeoutMs * 2) / 3);
  }

  /** The library ended the session (it reconnects no more); open a new one. */
  private lose(reason: string): void {
    if (this.box.current === 'lost' || this.box.current === 'closed') return;
    this.opts.logger.warn({ session: this.sessionId, reason }, 'ZooKeeper session lost');
    this.box.set('lost');
    this.stopHeartbeat();
  }

  private onLibraryState(state: State): void {
    if (state.code === State.SYNC_CONNECTED.code) {
      this.libraryConnected = true;
      this.lastAnsweredSentAt = this.now();
      if (this.box.current === 'connecting' && this.sessionTimeoutMs !== this.opts.sessionTimeoutMs) {
        this.opts.logger.warn(
          { asked: this.opts.sessionTimeoutMs, granted: this.sessionTimeoutMs },
          'ZooKeeper granted another session timeout than CAIRN_ZK_SESSION_TIMEOUT_MS (server bounds)',
        );
      }
      this.box.set('connected');
    } else if (state.code === State.DISCONNECTED.code) {
      this.libraryConnected = false;
      if (this.box.current === 'connected') this.box.set('suspended');
    } else if (state.code === State.EXPIRED.code) {
      this.lose('session expired');
    } else if (state.code === State.AUTH_FAILED.code) {
      this.lose('authentication failed');
    }
  }

  private startHeartbeat(): void {
    const tickMs = Math.max(50, Math.min(250, Math.floor(this.sessionTimeoutMs / 20)));
    this.timer = setInterval(() => {
      this.tick();
    }, tickMs);
    this.timer.unref();
  }

  private stopHeartbeat(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.box.current !== 'connected' && this.box.current !== 'suspended') return;
    const silentMs = this.now() - this.lastAnsweredSentAt;
    if (silentMs > this.suspendAfterMs() && this.box.current === 'connected') {
      this.opts.logger.warn({ session: this.sessionId, silentMs }, 'ZooKeeper has not answered; suspended');
      this.box.set('suspended');
    }
    // Only over a live connection: while the library reconnects, probes would just queue up.
    if (this.libraryConnected && !this.probeInFlight && this.now() - this.lastProbeAt >= this.sessionTimeoutMs / 4) this.probe();
  }

  private probe(): void {
    this.probeInFlight = true;
    this.lastProbeAt = this.now();
    this.call<boolean>('heartbeat', (done) => {
      this.client.exists('/', (err) => {
        done(err, true);
      });
    })
      .then(() => {
        if (this.box.current === 'suspended' && this.libraryConnected) this.box.set('connected');
      })
      .catch(() => undefined)
      .finally(() => {
        this.probeInFlight = false;
      });
  }

  /** Retries transient failures of a read or an idempotent write while the session lives. */
  private read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(
      this.readRetry,
      {
        isRetryable: (err) => isTransientZkError(err) && (this.box.current === 'connected' || this.box.current === 'suspended'),
        onRetry: (err, attempt, delayMs) => {
          this.opts.logger.debug({ err, attempt, delayMs, what }, 'ZooKeeper call failed, retrying');
        },
      },
      fn,
    );
  }

  /** One request with a deadline of half the session timeout. */
  private call<T>(what: string, start: (done: (err: unknown, value: T | undefined) => void) => void): Promise<T> {
    if (this.box.current === 'lost' || this.box.current === 'closed') {
      return Promise.reject(new ZkError('SESSION_LOST', `ZooKeeper ${what}: the session is ${this.box.current}`));
    }
    const timeoutMs = Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 2));
    const sentAt = this.now();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new ZkError('TIMEOUT', `ZooKeeper ${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      start((err, value) => {
        const failure = err === null || err === undefined ? null : toZkError(err, what);
        if (failure === null || !LOCAL_FAILURES.has(failure.code)) {
          this.lastAnsweredSentAt = Math.max(this.lastAnsweredSentAt, sentAt);
        }
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (failure !== null) reject(failure);
        else if (value === undefined) reject(new ZkError('OTHER', `ZooKeeper ${what}: empty answer`));
        else resolve(value);
      });
    });
  }
}
