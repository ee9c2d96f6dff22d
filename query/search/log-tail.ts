// Live tail state: which matching lines were already sent, so polling never repeats one.
//
// Records carry the time they happened, not the time they were stored, and reach ClickHouse
// through Kafka and batching, so a poll cannot simply continue after the newest line it saw.
// Each poll re-reads the last TAIL_LATE_MS of record time and sends the lines it has not sent
// (counted per (time, row hash), so identical records are each sent once). The window only moves
// forward, and a line is forgotten only once it is older than the window, after which no query
// reads it again: no line is sent twice. A line stored more than TAIL_LATE_MS after its own
// timestamp is not sent at all (use search for those).
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { sql } from '../../common/clickhouse/sql.ts';
import { signalStorage } from '../filters/fields.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import { selectLogs } from './log-search.ts';
import type { LogJson } from '../logs/log-json.ts';

export const TAIL_LATE_MS = 30_000;
export const TAIL_MAX_LINES_PER_POLL = 500;
export const TAIL_MIN_INTERVAL_MS = 250;
export const TAIL_MAX_INTERVAL_MS = 10_000;
export const TAIL_DEFAULT_INTERVAL_MS = 1000;
export const TAIL_MAX_DURATION_S = 600;

const s = signalStorage('logs');

export interface TailPoll {
  /** New lines, oldest first. */
  readonly lines: LogJson[];
  /** The poll hit TAIL_MAX_LINES_PER_POLL with unsent lines at its oldest end: some may be skipped. */
  readonly gap: boolean;
}

export class LogTail {
  /** Lines sent per (timeNs:hash), kept while their time is inside the window. */
  private readonly sent = new Map<string, { timeNs: bigint; count: number }>();
  private lowNs: bigint;

  constructor(
    private readonly target: StorageTarget,
    private readonly tenant: string,
    /** Filters and full text, without time bounds. */
    private readonly where: SqlFragment,
    floorMs: number,
    private readonly maxLines = TAIL_MAX_LINES_PER_POLL,
  ) {
    this.lowNs = BigInt(floorMs) * 1_000_000n;
  }

  /** Oldest record time the next poll reads, in nanoseconds. */
  get windowStartNs(): bigint {
    return this.lowNs;
  }

  async poll(reader: StorageWork, nowMs: number): Promise<TailPoll> {
    const windowStart = BigInt(nowMs - TAIL_LATE_MS) * 1_000_000n;
    if (windowStart > this.lowNs) this.lowNs = windowStart;
    for (const [key, entry] of this.sent) if (entry.timeNs < this.lowNs) this.sent.delete(key);
    const low = this.lowNs;
    const rows = await selectLogs(reader, this.target, {
      tenant: this.tenant,
      where: sql`${s.timestamp} >= toDateTime(${low / 1_000_000_000n}) AND ${s.nanos} >= ${low} AND ${this.where}`,
      newestFirst: true,
      limit: this.maxLines,
    });
    // Rows come newest first; count occurrences per key so a repeated identical record is sent
    // as many times as it is stored, once each.
    const fresh: typeof rows = [];
    const inPoll = new Map<string, number>();
    let oldestIsFresh = false;
    for (const row of rows) {
      const key = `${row.timeNs}:${row.hash}`;
      const n = (inPoll.get(key) ?? 0) + 1;
      inPoll.set(key, n);
      const isFresh = n > (this.sent.get(key)?.count ?? 0);
      if (isFresh) fresh.push(row);
      oldestIsFresh = isFresh;
    }
    for (const [key, count] of inPoll) {
      const prev = this.sent.get(key);
      if (prev === undefined || prev.count < count) {
        const timeNs = BigInt(key.slice(0, key.indexOf(':')));
        this.sent.set(key, { timeNs, count });
      }
    }
    fresh.reverse();
    return { lines: fresh.map((r) => r.log), gap: rows.length >= this.maxLines && oldestIsFresh };
  }
}
