// From a log line to its trace: given the trace id (and span id) a log record carries, what an
// on-call engineer needs before opening the whole trace: where the span sits (its ancestry from the
// root), how long the trace took, which services it crossed and how many spans failed. Reads
// only the skeleton columns of the trace's spans, bounded by its window from trace_index; one row
// per span_id, so a span stored twice (before ReplacingMergeTree merged it) counts once.
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { spansTable } from '../../common/clickhouse/tables/spans.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { StatusCode } from '../../common/model/span.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import { readTraceWindow } from './trace-window.ts';

/** Spans of one trace read for the summary at most; beyond it the answer says `truncated`. */
export const MAX_CONTEXT_SPANS = 10_000;

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const NS_PER_S = 1_000_000_000n;

/** 64-bit integers arrive as decimal strings (the runner asks for them quoted). */
interface SkeletonRow {
  readonly span_id: string;
  readonly parent_span_id: string;
  readonly service_name: string;
  readonly name: string;
  readonly kind: number;
  readonly status_code: number;
  readonly start_time_unix_nano: string;
  readonly end_time_unix_nano: string;
}

export interface SpanBrief {
  spanId: string;
  parentSpanId: string;
  serviceName: string;
  name: string;
  kind: string;
  status: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNano: string;
}

export interface LogTraceAnswer {
  trace: {
    startTimeUnixNano: string;
    endTimeUnixNano: string;
    durationNano: string;
    spanCount: number;
    errorCount: number;
    services: string[];
    /** The earliest span without a parent in the trace; null if every span's parent is missing. */
    root: SpanBrief | null;
    truncated: boolean;
  };
  /** The log's span; null when no span id was given or the span is not stored. */
  span: SpanBrief | null;
  /** Root first, down to the log's span; stops where a parent is not stored. */
  path: SpanBrief[];
}

function brief(r: SkeletonRow): SpanBrief {
  return {
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    serviceName: r.service_name,
    name: r.name,
    kind: KIND_NAMES[r.kind] ?? String(r.kind),
    status: STATUS_NAMES[r.status_code] ?? String(r.status_code),
    startTimeUnixNano: r.start_time_unix_nano,
    endTimeUnixNano: r.end_time_unix_nano,
    durationNano: (BigInt(r.end_time_unix_nano) - BigInt(r.start_time_unix_nano)).toString(),
  };
}

/** The chain of ancestors of `spanId`, root first; guards against parent cycles in bad data. */
function ancestry(byId: ReadonlyMap<string, SkeletonRow>, spanId: string): SkeletonRow[] {
  const chain: SkeletonRow[] = [];
  const seen = new Set<string>();
  for (let at = byId.get(spanId); at !== undefined && !seen.has(at.span_id); at = byId.get(at.parent_span_id)) {
    seen.add(at.span_id);
    chain.push(at);
  }
  return chain.reverse();
}

/** null when no span of the trace is stored for this tenant. */
export async function readLogTrace(
  w: StorageWork,
  target: StorageTarget,
  q: { readonly tenant: string; readonly traceId: string; readonly spanId?: string | undefined },
): Promise<LogTraceAnswer | null> {
  const window = await readTraceWindow(w, target, q.tenant, q.traceId);
  if (window === null) return null;
  const spans = qualified(target.database, identifier(spansTable.name, [spansTable.name]));
  const rows = await w.rows<SkeletonRow>(
    sql`SELECT span_id, parent_span_id, service_name, name, kind, status_code, start_time_unix_nano, end_time_unix_nano FROM ${spans} WHERE tenant = ${q.tenant} AND trace_id = ${q.traceId} AND timestamp >= toDateTime(${window.startNs / NS_PER_S}) AND timestamp <= toDateTime(${window.endNs / NS_PER_S}) ORDER BY start_time_unix_nano, span_id LIMIT 1 BY span_id LIMIT ${MAX_CONTEXT_SPANS + 1}`,
  );
  const kept = rows.slice(0, MAX_CONTEXT_SPANS);
  const byId = new Map(kept.map((r) => [r.span_id, r]));
  const root = kept.find((r) => r.parent_span_id === '') ?? null;
  const path = q.spanId === undefined ? [] : ancestry(byId, q.spanId);
  const span = q.spanId === undefined ? undefined : byId.get(q.spanId);
  return {
    trace: {
      startTimeUnixNano: window.startNs.toString(),
      endTimeUnixNano: window.endNs.toString(),
      durationNano: (window.endNs - window.startNs).toString(),
      spanCount: kept.length,
      errorCount: kept.filter((r) => r.status_code === StatusCode.ERROR).length,
      services: [...new Set(kept.map((r) => r.service_name))].sort(),
      root: root === null ? null : brief(root),
      truncated: rows.length > MAX_CONTEXT_SPANS,
    },
    span: span === undefined ? null : brief(span),
    path: path.map(brief),
  };
}
