// The time range every search and DSL query is bounded by: [start, end) in milliseconds. Times are
// RFC 3339 (`2025-01-02T03:04:05Z`), Unix milliseconds (digits only), `now`, or `now-<n><s|m|h|d>`.
// Without a start the range is the last hour before end; a range longer than the cap is refused,
// which bounds how many day partitions and hour buckets any one query reads.
import { sql } from '../../common/clickhouse/sql.ts';
import type { Identifier, SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../errors.ts';

export const DEFAULT_RANGE_MS = 3_600_000;
export const MAX_RANGE_MS = 7 * 24 * 3_600_000;

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RELATIVE = /^now(?:-(\d{1,9})([smhd]))?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
// Year 2000 to 2200: anything else is a unit mistake (seconds or nanoseconds given as ms).
const MIN_MS = 946_684_800_000;
const MAX_MS = 7_258_118_400_000;

export function parseTime(value: string | number, field: string, nowMs: number): number {
  const text = String(value).trim();
  let ms: number;
  const rel = RELATIVE.exec(text);
  if (rel !== null) {
    ms = nowMs - (rel[1] === undefined ? 0 : Number(rel[1]) * (UNIT_MS[rel[2] ?? 's'] ?? 1000));
  } else if (/^\d{1,16}$/.test(text)) {
    ms = Number(text);
  } else if (RFC3339.test(text)) {
    ms = Date.parse(text);
  } else {
    throw new ApiError('INVALID_ARGUMENT', `${field} must be RFC 3339, Unix milliseconds, now or now-<n><s|m|h|d>; got ${JSON.stringify(text.slice(0, 64))}`, field);
  }
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new ApiError('INVALID_ARGUMENT', `${field} is out of range (years 2000 to 2200, Unix milliseconds)`, field);
  }
  return Math.floor(ms);
}

export interface RangeInput {
  readonly start?: string | number | undefined;
  readonly end?: string | number | undefined;
}

export function resolveRange(input: RangeInput, nowMs: number, fields = { start: 'start', end: 'end' }): TimeRange {
  const toMs = input.end === undefined ? nowMs : parseTime(input.end, fields.end, nowMs);
  const fromMs = input.start === undefined ? toMs - DEFAULT_RANGE_MS : parseTime(input.start, fields.start, nowMs);
  if (fromMs >= toMs) throw new ApiError('INVALID_ARGUMENT', `${fields.end} must be after ${fields.start}`, fields.end);
  if (toMs - fromMs > MAX_RANGE_MS) {
    throw new ApiError('INVALID_ARGUMENT', `the time range is longer than ${MAX_RANGE_MS / 3_600_000} hours; narrow ${fields.start} or ${fields.end}`, fields.start);
  }
  return { fromMs, toMs };
}

/**
 * `timestamp` (whole seconds, in the sort key and partition key) bounds what is read; the
 * nanosecond column makes the bounds exact.
 */
export function rangePredicate(range: TimeRange, timestamp: Identifier, nanos: Identifier): SqlFragment {
  const fromS = Math.floor(range.fromMs / 1000);
  const toS = Math.floor(range.toMs / 1000);
  const fromNs = BigInt(range.fromMs) * 1_000_000n;
  const toNs = BigInt(range.toMs) * 1_000_000n;
  // The hour-bucket bounds follow from the timestamp bounds, but 18.16 does not derive them for the
  // toStartOfHour(timestamp) sort-key column of spans and logs; stated, they prune by hour.
  return sql`toStartOfHour(${timestamp}) >= toStartOfHour(toDateTime(${fromS})) AND toStartOfHour(${timestamp}) <= toStartOfHour(toDateTime(${toS})) AND ${timestamp} >= toDateTime(${fromS}) AND ${timestamp} <= toDateTime(${toS}) AND ${nanos} >= ${fromNs} AND ${nanos} < ${toNs}`;
}
