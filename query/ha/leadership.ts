// What the query service needs from leader election, whichever way it is done (ZooKeeper for
// replicas, self-election for the embedded mode): a term per leadership with an epoch, a fence
// that every leader-only side effect passes through, and a view for GET /api/v1/cluster.

export type Role = 'leader' | 'follower' | 'candidate' | 'disconnected' | 'stopped';

export interface LeaderAction {
  /** Which job acts (schema-migrations, retention, service-edges). */
  readonly job: string;
  /** What it is about to do, for the audit trail. */
  readonly what: string;
}

export interface StateEntry {
  readonly value: string;
  readonly version: number;
}

/** A leader-owned value written only together with a passed fence check. */
export interface StateWrite {
  readonly key: string;
  readonly value: string;
  /** The version read (compare-and-set), or null to create it. */
  readonly version: number | null;
}

/** The fence refused: this term is over (a newer epoch exists, or this replica left). */
export class FencedOut extends Error {}

/** The fence could not be checked (ZooKeeper slow or unreachable); nothing was done. Retry later. */
export class FenceUnavailable extends Error {}

/** A state write found another version than the one read. */
export class StateConflict extends Error {}

export interface LeaderTerm {
  /** Strictly increasing across terms, never reused. */
  readonly epoch: number;
  readonly memberId: string;
  /** Aborts when the term ends: step-down, session trouble, shutdown. */
  readonly signal: AbortSignal;
  /**
   * Checks, immediately before a side effect, that this term is still the current one and
   * records the action, atomically; `writes` join the same atomic step. Throws FencedOut,
   * FenceUnavailable or StateConflict, and then the caller must not perform the effect.
   */
  act(action: LeaderAction, writes?: readonly StateWrite[]): Promise<void>;
  /** Throws FencedOut unless the term is still live as far as this process can tell, now. */
  assertLive(): void;
  readState(key: string): Promise<StateEntry | null>;
}

/** Runs a term's jobs; resolves once they have stopped after term.signal aborted. */
export type TermRunner = (term: LeaderTerm) => Promise<void>;

export interface MemberView {
  readonly id: string;
  readonly since: string | null;
  readonly url: string | null;
}

export interface ClusterView {
  readonly mode: 'zookeeper' | 'standalone';
  readonly self: { readonly id: string; readonly role: Role; readonly epoch: number | null };
  /** The member that leads (the lowest member znode), null if unknown or none. */
  readonly leader: string | null;
  /** The latest epoch claimed, null if none yet or unknown. */
  readonly epoch: number | null;
  /** Who claimed that epoch (it may have stepped down since). */
  readonly epochHolder: string | null;
  readonly members: readonly MemberView[];
  readonly zookeeper: {
    readonly reachable: boolean;
    /** When the members and epoch shown were read (they are the last known ones if unreachable). */
    readonly observedAt: string | null;
  } | null;
}

export interface LeadershipStatus {
  readonly role: Role;
  /** This replica's epoch while it leads, else null. */
  readonly epoch: number | null;
}

export interface Leadership {
  /** Joins the election; `run` is called once per term won. */
  start(run: TermRunner): void;
  status(): LeadershipStatus;
  view(): Promise<ClusterView>;
  /** Ends any term (its jobs stop first), then leaves so a successor takes over at once. Idempotent. */
  close(): Promise<void>;
}
