// Trace search: traces with at least one span (in the time range) that matches every filter,
// summarised over their spans in the time range: root service and name, start, duration, span
// count, error flag. One statement: the matching trace ids come from a GLOBAL IN subquery (run
// once, its result sent to every shard, as spans of one trace live on one shard but the query
// reads the Distributed table), then the traces' spans are aggregated per trace, sorted and cut
// at the page, with the cursor applied on the aggregated sort key.
import { qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { spansTable } from '../../common/clickhouse/tables/spans.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { signalStorage, tableColumns } from '../filters/fields.ts';
import { rangePredicate } from '../filters/time-range.ts';
import type { TimeRange } from '../filters/time-range.ts';
import type { StorageWork } from '../storage/storage-work.ts';

export const TRACE_SORTS = ['newest', 'oldest', 'longest', 'shortest'] as const;
export type TraceSort = (typeof TRACE_SORTS)[number];
export const DEFAULT_TRACE_LIMIT = 20;
export const MAX_TRACE_LIMIT = 1000;

const STATUS_ERROR = 2;
const c = tableColumns(spansTable, ['trace_id', 'span_id', 'parent_span_id', 'start_time_unix_nano', 'end_time_unix_nano', 'service_name', 'name', 'status_code']);
const s = signalStorage('traces');

export interface TraceSearchPlan {
  readonly tenant: string;
  readonly range: TimeRange;
  /** Compiled filters: a span of the trace must match all of them. */
  readonly where: SqlFragment;
  readonly sort: TraceSort;
  readonly limit: number;
  /** Where the previous page ended: its last sort key and trace id. */
  readonly after?: { readonly key: bigint; readonly traceId: string } | undefined;
}

export interface TraceSummary {
  readonly traceId: string;
  readonly rootServiceName: string | null;
  readonly rootSpanName: string | null;
  readonly startTimeUnixNano: string;
  readonly durationMs: number;
  readonly spanCount: number;
  readonly error: boolean;
}

export interface TracePage {
  readonly traces: TraceSummary[];
  /** Sort key and trace id of the last trace, when there are more. */
  readonly next: { readonly key: string; readonly traceId: string } | null;
}

interface Row {
  trace_id: string;
  trace_start: string;
  trace_duration: string;
  span_count: string;
  has_root: number;
  root_service: string;
  root_name: string;
  has_error: number;
}

function order(sort: TraceSort): { key: SqlFragment; desc: boolean } {
  switch (sort) {
    case 'newest':
      return { key: sql`trace_start`, desc: true };
    case 'oldest':
      return { key: sql`trace_start`, desc: false };
    case 'longest':
      return { key: sql`trace_duration`, desc: true };
    case 'shortest':
      return { key: sql`trace_duration`, desc: false };
  }
}

export function traceSearchSql(target: StorageTarget, plan: TraceSearchPlan): SqlFragment {
  const spans = qualified(target.database, s.table);
  const inRange = rangePredicate(plan.range, s.timestamp, s.nanos);
  const { key, desc } = order(plan.sort);
  const dir = desc ? sql`DESC` : sql`ASC`;
  const cmp = desc ? sql`<` : sql`>`;
  // Expanded rather than a tuple comparison, which reads the same on every server version.
  const having = plan.after === undefined ? sql`1` : sql`${key} ${cmp} ${plan.after.key} OR (${key} = ${plan.after.key} AND ${c.trace_id} ${cmp} ${plan.after.traceId})`;
  const isRoot = sql`${c.parent_span_id} = ''`;
  return sql`SELECT ${c.trace_id},
  min(${c.start_time_unix_nano}) AS trace_start,
  if(max(${c.end_time_unix_nano}) > trace_start, max(${c.end_time_unix_nano}) - trace_start, 0) AS trace_duration,
  uniqExact(${c.span_id}) AS span_count,
  countIf(${isRoot}) > 0 AS has_root,
  anyIf(${c.service_name}, ${isRoot}) AS root_service,
  anyIf(${c.name}, ${isRoot}) AS root_name,
  max(${c.status_code} = ${STATUS_ERROR}) AS has_error
FROM ${spans}
WHERE ${s.tenant} = ${plan.tenant} AND ${inRange}
  AND ${c.trace_id} GLOBAL IN (SELECT ${c.trace_id} FROM ${spans} WHERE ${s.tenant} = ${plan.tenant} AND ${inRange} AND ${plan.where})
GROUP BY ${c.trace_id}
HAVING ${having}
ORDER BY ${key} ${dir}, ${c.trace_id} ${dir}
LIMIT ${plan.limit + 1}`;
}

export async function searchTraces(reader: StorageWork, target: StorageTarget, plan: TraceSearchPlan): Promise<TracePage> {
  const rows = await reader.rows<Row>(traceSearchSql(target, plan));
  const page = rows.slice(0, plan.limit);
  const last = page.at(-1);
  const byDuration = plan.sort === 'longest' || plan.sort === 'shortest';
  return {
    traces: page.map((r) => ({
      traceId: r.trace_id,
      rootServiceName: r.has_root === 1 ? r.root_service : null,
      rootSpanName: r.has_root === 1 ? r.root_name : null,
      startTimeUnixNano: r.trace_start,
      durationMs: Number(r.trace_duration) / 1e6,
      spanCount: Number(r.span_count),
      error: r.has_error === 1,
    })),
    next: rows.length > plan.limit && last !== undefined ? { key: byDuration ? last.trace_duration : last.trace_start, traceId: last.trace_id } : null,
  };
}
