// Log search, newest first, with a cursor that never skips or repeats a line. Lines are ordered by
// (time_unix_nano, row_hash) where row_hash is a hash of the whole record: two different records
// at the same nanosecond still have a fixed order. Identical records (same time, same content)
// tie completely, so the cursor also counts how many lines of its exact position were already
// returned, and the next page skips that many of them.
import { decodeLogRow, LOG_ROW_COLUMNS } from '../../common/clickhouse/log-row.ts';
import type { LogRow } from '../../common/clickhouse/log-row.ts';
import { identifier, join, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { signalStorage } from '../filters/fields.ts';
import { rangePredicate } from '../filters/time-range.ts';
import type { TimeRange } from '../filters/time-range.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import { logJson } from '../logs/log-json.ts';
import type { LogJson } from '../logs/log-json.ts';

export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

const s = signalStorage('logs');
const selected = join(LOG_ROW_COLUMNS.map((name) => sql`${identifier(name, LOG_ROW_COLUMNS)}`), ', ');
// Everything but tenant (fixed per query) and the time (the first sort key).
const hashed = join(
  LOG_ROW_COLUMNS.filter((n) => n !== 'tenant' && n !== 'time_unix_nano').map((name) => sql`${identifier(name, LOG_ROW_COLUMNS)}`),
  ', ',
);

/** Where a page ended: the last line's time and hash, and how many lines at exactly that key were returned. */
export interface LogPosition {
  readonly timeNs: bigint;
  readonly hash: bigint;
  readonly seen: number;
}

export interface LogSelect {
  readonly tenant: string;
  /** Time bounds, filters and full text, ANDed. */
  readonly where: SqlFragment;
  readonly newestFirst: boolean;
  readonly limit: number;
  /** Newest-first pages only: continue after this position. */
  readonly after?: LogPosition | undefined;
}

export interface KeyedLog {
  readonly timeNs: bigint;
  readonly hash: bigint;
  readonly log: LogJson;
}

type HashedRow = LogRow & { row_hash: string };

export function logSelectSql(target: StorageTarget, q: LogSelect): SqlFragment {
  const logs = qualified(target.database, s.table);
  const dir = q.newestFirst ? sql`DESC` : sql`ASC`;
  let position = sql`1`;
  let limit = q.limit;
  if (q.after !== undefined) {
    const { timeNs, hash } = q.after;
    // timestamp bounds the parts read; the exact test is on nanoseconds and the hash.
    position = sql`${s.timestamp} <= toDateTime(${timeNs / 1_000_000_000n}) AND (${s.nanos} < ${timeNs} OR (${s.nanos} = ${timeNs} AND row_hash <= ${hash}))`;
    limit += q.after.seen;
  }
  return sql`SELECT ${selected}, cityHash64(${hashed}) AS row_hash
FROM ${logs}
WHERE ${s.tenant} = ${q.tenant} AND ${q.where} AND ${position}
ORDER BY ${s.nanos} ${dir}, row_hash ${dir}
LIMIT ${limit}`;
}

/** Runs a select; drops the lines a newest-first cursor already returned. */
export async function selectLogs(reader: StorageWork, target: StorageTarget, q: LogSelect): Promise<KeyedLog[]> {
  const rows = await reader.rows<HashedRow>(logSelectSql(target, q));
  let skip = q.after?.seen ?? 0;
  const out: KeyedLog[] = [];
  for (const row of rows) {
    const timeNs = BigInt(row.time_unix_nano);
    const hash = BigInt(row.row_hash);
    if (skip > 0 && q.after !== undefined && timeNs === q.after.timeNs && hash === q.after.hash) {
      skip--;
      continue;
    }
    out.push({ timeNs, hash, log: logJson(decodeLogRow(row)) });
  }
  return out;
}

export interface LogPage {
  readonly logs: LogJson[];
  readonly next: LogPosition | null;
}

/** The page of `limit` lines out of `lines` (one more than a page when more exist), and where it ends. */
function pageOf(lines: readonly KeyedLog[], limit: number, before: LogPosition | undefined): LogPage {
  const page = lines.slice(0, limit);
  const last = page.at(-1);
  if (lines.length <= limit || last === undefined) return { logs: page.map((l) => l.log), next: null };
  let seen = 0;
  for (const l of page) if (l.timeNs === last.timeNs && l.hash === last.hash) seen++;
  if (before !== undefined && before.timeNs === last.timeNs && before.hash === last.hash) seen += before.seen;
  return { logs: page.map((l) => l.log), next: { timeNs: last.timeNs, hash: last.hash, seen } };
}

/** One newest-first page: `limit` lines and the position after them when there are more. */
export async function searchLogs(reader: StorageWork, target: StorageTarget, q: LogSelect): Promise<LogPage> {
  return pageOf(await selectLogs(reader, target, { ...q, limit: q.limit + 1 }), q.limit, q.after);
}

/** The newest window a windowed search reads first; each next one is WINDOW_GROWTH times wider. */
export const FIRST_WINDOW_MS = 3_600_000;
export const WINDOW_GROWTH = 4;

export interface WindowedLogSearch {
  readonly tenant: string;
  readonly range: TimeRange;
  /** Filters and full text, without the time range. */
  readonly filters: SqlFragment;
  readonly limit: number;
  readonly after?: LogPosition | undefined;
  /** Width of the first window (default FIRST_WINDOW_MS). */
  readonly firstWindowMs?: number;
}

/**
 * The same page as searchLogs over the whole range, read newest window first: the last hour, then
 * 4 h before it, then 16 h, ... until the page is full or the range is exhausted. A common search
 * ("timeout" over a day) then reads the last hour or two instead of sorting every match of the day.
 */
export async function searchLogsWindowed(reader: StorageWork, target: StorageTarget, q: WindowedLogSearch): Promise<LogPage> {
  const lines: KeyedLog[] = [];
  let top = q.range.toMs;
  // A cursor's position bounds the first window from above (its millisecond, inclusive).
  if (q.after !== undefined) top = Math.min(top, Number(q.after.timeNs / 1_000_000n) + 1);
  for (let width = q.firstWindowMs ?? FIRST_WINDOW_MS; top > q.range.fromMs; width *= WINDOW_GROWTH) {
    const from = Math.max(q.range.fromMs, top - width);
    const where = sql`${rangePredicate({ fromMs: from, toMs: top }, s.timestamp, s.nanos)} AND ${q.filters}`;
    const remaining = q.limit + 1 - lines.length;
    lines.push(...(await selectLogs(reader, target, { tenant: q.tenant, where, newestFirst: true, limit: remaining, after: q.after })));
    if (lines.length > q.limit) break;
    top = from;
  }
  return pageOf(lines, q.limit, q.after);
}
