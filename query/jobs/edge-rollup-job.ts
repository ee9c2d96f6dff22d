// The service-graph rollup (origin 2 of service_edges_minutely), run by the leader over closed
// minutes in order. Running a range twice would count it twice, so the job keeps a high-water mark
// (the first minute not yet done) in leader state, advanced only together with a passed fence.
//
// One case the mark alone cannot cover: a leader that inserted a range and lost its term (or
// crashed) before recording the new mark. Its successor finds the mark behind, so before
// inserting it counts the origin-2 rows already in that range; if there are any, the range was
// done and only the mark moves. The cost: an insert that failed half way (one shard written, the
// other not) is not redone, so that range stays undercounted on the missing shard (logged).
//
// A new election starts the mark at the last closed minute; minutes before the first leader ran
// are not rolled up (their peer-attribute edges, origin 1, are there regardless).
import { runServiceEdgesJob } from '../../common/clickhouse/rollups/service-edges-job.ts';
import type { MinuteRange } from '../../common/clickhouse/rollups/service-edges-job.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { EdgeOrigin, serviceEdgesMinutelyTable } from '../../common/clickhouse/tables/service-edges-minutely.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { Logger } from '../../common/runtime/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { FencedOut } from '../ha/leadership.ts';
import type { LeaderTerm } from '../ha/leadership.ts';
import { isAborted } from '../ha/until-aborted.ts';
import { fencedRunner } from './fenced-runner.ts';

const MINUTE_MS = 60_000;
const JOB = 'service-edges';
/** Leader state key: epoch ms of the first minute not yet rolled up. */
export const EDGE_MARK_KEY = 'service-edges-next-minute';

export interface EdgeRollupOptions {
  /** The plain client; the job fences its own writes. */
  readonly clickhouse: SqlRunner;
  readonly target: StorageTarget;
  readonly term: LeaderTerm;
  readonly intervalMs: number;
  /** A minute is rolled up once it ended this long ago (late spans). */
  readonly settleSeconds: number;
  /** Longest range one statement covers while catching up. */
  readonly maxRangeMinutes?: number;
  /** Insert settings for the Distributed table (insert_distributed_sync, insert_quorum). */
  readonly insertSettings: Settings;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Injected for tests. */
  readonly now?: () => Date;
}

export type StepOutcome =
  | { readonly kind: 'started'; readonly at: Date }
  | { readonly kind: 'idle' }
  | { readonly kind: 'inserted'; readonly range: MinuteRange }
  | { readonly kind: 'skipped'; readonly range: MinuteRange; readonly existing: number };

/** The start of the last minute that is closed and settled at `now`. */
export function settledMinute(now: Date, settleSeconds: number): number {
  return Math.floor((now.getTime() - settleSeconds * 1000) / MINUTE_MS) * MINUTE_MS;
}

/** The next range after the mark, at most `maxMinutes` long, or null if none is settled yet. */
export function nextRange(markMs: number, now: Date, settleSeconds: number, maxMinutes: number): MinuteRange | null {
  if (!Number.isInteger(markMs) || markMs % MINUTE_MS !== 0) throw new RangeError(`rollup mark ${markMs} is not a whole minute`);
  const end = settledMinute(now, settleSeconds);
  if (markMs >= end) return null;
  return { from: new Date(markMs), to: new Date(Math.min(end, markMs + maxMinutes * MINUTE_MS)) };
}

/** How many parent/child edge rows a range already has. */
export function existingEdgesQuery(target: StorageTarget, range: MinuteRange): SqlFragment {
  const edges = qualified(target.database, identifier(serviceEdgesMinutelyTable.name, [serviceEdgesMinutelyTable.name]));
  return sql`SELECT count() AS n FROM ${edges} WHERE origin = ${EdgeOrigin.PARENT_CHILD} AND minute >= ${range.from} AND minute < ${range.to}`;
}

function show(range: MinuteRange): string {
  return `[${range.from.toISOString()}, ${range.to.toISOString()})`;
}

export class EdgeRollupJob {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(private readonly o: EdgeRollupOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** Does the next piece of work, if any. */
  async step(): Promise<StepOutcome> {
    const { term } = this.o;
    const now = this.o.now?.() ?? new Date();
    const mark = await term.readState(EDGE_MARK_KEY);
    if (mark === null) {
      const at = settledMinute(now, this.o.settleSeconds);
      await term.act({ job: JOB, what: `start at ${new Date(at).toISOString()}` }, [{ key: EDGE_MARK_KEY, value: String(at), version: null }]);
      return { kind: 'started', at: new Date(at) };
    }
    const range = nextRange(Number(mark.value), now, this.o.settleSeconds, this.o.maxRangeMinutes ?? 60);
    if (range === null) return { kind: 'idle' };
    const advance = [{ key: EDGE_MARK_KEY, value: String(range.to.getTime()), version: mark.version }];
    const options = { signal: term.signal, timeoutMs: this.o.timeoutMs };
    const [row] = await this.o.clickhouse.queryRows<{ n: string | number }>(existingEdgesQuery(this.o.target, range), options);
    const existing = Number(row?.n ?? 0);
    if (existing > 0) {
      this.o.logger.warn({ range: show(range), existing }, 'range already has parent/child edges (inserted by an earlier term); moving the mark only');
      await term.act({ job: JOB, what: `skip ${show(range)}: ${existing} rows present` }, advance);
      return { kind: 'skipped', range, existing };
    }
    await runServiceEdgesJob(
      fencedRunner(this.o.clickhouse, term, JOB),
      this.o.target,
      range,
      { now, settleSeconds: this.o.settleSeconds },
      { ...options, settings: this.o.insertSettings },
    );
    await term.act({ job: JOB, what: `done ${show(range)}` }, advance);
    return { kind: 'inserted', range };
  }

  private async run(): Promise<void> {
    const signal = AbortSignal.any([this.stopping.signal, this.o.term.signal]);
    while (!signal.aborted) {
      let busy = false;
      try {
        const outcome = await this.step();
        // Catching up: go straight on to the next range.
        busy = outcome.kind === 'inserted' || outcome.kind === 'skipped';
      } catch (err) {
        if (isAborted(signal) || err instanceof FencedOut) return;
        this.o.logger.warn({ err }, 'service-edges rollup step failed; next interval retries');
      }
      if (!busy) await sleep(this.o.intervalMs, signal);
    }
  }
}
