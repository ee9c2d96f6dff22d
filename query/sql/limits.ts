// The bounds every user SQL query runs under, sent as per-query settings. readonly=2 makes the
// server itself refuse writes and DDL (2, not 1, because 1 would also refuse these very settings
// when they arrive in the same request). Reads over a bound fail with a clear error rather than
// run on; the result set is cut at the row limit and flagged.

export const SQL_DEFAULT_ROWS = 1000;
export const SQL_MAX_ROWS = 10_000;
export const SQL_MAX_ROWS_TO_READ = 200_000_000;
export const SQL_MAX_BYTES_TO_READ = 20 * 1024 * 1024 * 1024;
export const SQL_MAX_MEMORY_BYTES = 1024 * 1024 * 1024;
export const SQL_MAX_RESULT_BYTES = 64 * 1024 * 1024;

export function sqlLimitSettings(timeoutMs: number, rowLimit: number): Record<string, string | number> {
  return {
    readonly: 2,
    // Whole seconds, ending before the request's own deadline, so the caller learns which bound
    // it hit (422) rather than only that time ran out.
    max_execution_time: Math.max(1, Math.floor((timeoutMs - 500) / 1000)),
    max_rows_to_read: SQL_MAX_ROWS_TO_READ,
    max_bytes_to_read: SQL_MAX_BYTES_TO_READ,
    read_overflow_mode: 'throw',
    max_memory_usage: SQL_MAX_MEMORY_BYTES,
    // One more row than asked for tells a full page from a truncated one.
    max_result_rows: rowLimit + 1,
    max_result_bytes: SQL_MAX_RESULT_BYTES,
    result_overflow_mode: 'break',
    // The tenant subqueries the guard adds would otherwise hide the outer WHERE from the primary
    // key; pushing predicates down lets a time filter prune parts.
    enable_optimize_predicate_expression: 1,
  };
}

/** ClickHouse error codes that mean "your query hit a bound", answered with 422. */
export const LIMIT_CODES = new Map<number, string>([
  [158, 'it reads more rows than allowed'],
  [307, 'it reads more bytes than allowed'],
  [159, 'it runs longer than the query deadline'],
  [241, 'it needs more memory than allowed'],
  [396, 'its result is larger than allowed'],
]);
