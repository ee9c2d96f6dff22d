// Batches of one partition for the ingester, chosen so that a batch retried after any crash is the
// same exact offset range. Before inserting [start, end] the ingester commits offset `start` with
// metadata naming `end` (the plan); after the insert it commits end + 1. A successor that finds a
// plan rebuilds exactly that range, the insert is byte-identical, and ClickHouse drops the repeat.

export interface OffsetPlan {
  readonly start: bigint;
  readonly end: bigint;
}

const PLAN_PREFIX = 'cairn.plan.v1:';

export function formatPlan(plan: OffsetPlan): string {
  return `${PLAN_PREFIX}${plan.start}-${plan.end}`;
}

/** The plan recorded with a committed offset, if it is one of ours and still pending there. */
export function parsePlan(metadata: string | null | undefined, committedOffset: bigint): OffsetPlan | null {
  if (metadata === null || metadata === undefined || !metadata.startsWith(PLAN_PREFIX)) return null;
  const match = /^(\d+)-(\d+)$/.exec(metadata.slice(PLAN_PREFIX.length));
  if (match === null) return null;
  const start = BigInt(match[1] ?? '0');
  const end = BigInt(match[2] ?? '0');
  if (start !== committedOffset || end < start) return null;
  return { start, end };
}

export interface BufferedMessage {
  readonly offset: bigint;
}

export interface Chunk<M extends BufferedMessage> {
  readonly messages: readonly M[];
  readonly plan: OffsetPlan;
  /** True when the plan was already committed (a replay); false when it must be committed first. */
  readonly replay: boolean;
}

/** Messages of one partition waiting to be inserted, in offset order. */
export class PartitionBuffer<M extends BufferedMessage> {
  private pending: M[] = [];
  private nextOffset: bigint | null = null;

  constructor(private plan: OffsetPlan | null) {}

  /** Adds fetched messages, ignoring any at offsets already buffered (a re-fetch). */
  add(messages: readonly M[]): void {
    for (const m of messages) {
      if (this.nextOffset !== null && m.offset < this.nextOffset) continue;
      if (this.plan !== null && this.nextOffset === null && m.offset < this.plan.start) continue;
      this.pending.push(m);
      this.nextOffset = m.offset + 1n;
    }
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * The next batch to insert, or null to wait for more messages. With a pending plan the batch is
   * exactly the planned range (waiting until all of it is fetched); otherwise it is up to
   * `maxRows` of what is buffered.
   */
  next(maxRows: number): Chunk<M> | null {
    const first = this.pending[0];
    if (first === undefined) return null;
    if (this.plan !== null) {
      const last = this.pending[this.pending.length - 1];
      if (last === undefined || last.offset < this.plan.end) return null;
      const endIndex = this.pending.findIndex((m) => m.offset > (this.plan as OffsetPlan).end);
      const messages = this.pending.slice(0, endIndex === -1 ? this.pending.length : endIndex);
      return { messages, plan: this.plan, replay: true };
    }
    const messages = this.pending.slice(0, maxRows);
    const last = messages[messages.length - 1] ?? first;
    return { messages, plan: { start: first.offset, end: last.offset }, replay: false };
  }

  /**
   * Called once a batch's plan is committed: until done(), next() returns exactly this range
   * again (as a replay), so a retry in this process after a failed insert or end commit sends
   * the same bytes as the first attempt, just as a successor process would.
   */
  pin(plan: OffsetPlan): void {
    this.plan = plan;
  }

  /** Drops a batch once it is inserted and committed. */
  done(chunk: Chunk<M>): void {
    this.pending.splice(0, chunk.messages.length);
    this.plan = null;
  }
}
