// Server-side bounds on every read the search and query endpoints run. The deadline stops a slow
// query; these stop a query that would read, hold or return too much before it gets that far.
// Exceeding one is an error (overflow mode `throw`), never a silently truncated answer: partial
// results of a distributed GROUP BY or an IN subquery cut short would be wrong, not just short.
import type { Settings } from '../../common/clickhouse/sql-runner.ts';

export interface ReadLimits {
  readonly maxRowsToRead: number;
  readonly maxBytesToRead: number;
  readonly maxMemoryUsage: number;
  /** Distinct groups of a GROUP BY; also bounds result rows, per shard and in total. */
  readonly maxGroups: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxRowsToRead: 200_000_000,
  maxBytesToRead: 20 * 1024 ** 3,
  maxMemoryUsage: 2 * 1024 ** 3,
  maxGroups: 1_000_000,
};

export function readSettings(timeoutMs: number, limits: ReadLimits): Settings {
  return {
    max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)),
    max_rows_to_read: limits.maxRowsToRead,
    max_bytes_to_read: limits.maxBytesToRead,
    max_memory_usage: limits.maxMemoryUsage,
    max_rows_to_group_by: limits.maxGroups,
    group_by_overflow_mode: 'throw',
    max_result_rows: limits.maxGroups,
    result_overflow_mode: 'throw',
  };
}
