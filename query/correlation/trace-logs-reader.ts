// From a trace to its logs: the log records carrying the trace id (optionally one span id), in
// time order. The read is bounded by the trace's window from trace_index, widened by
// TRACE_LOG_PAD_SECONDS either side because a service may log just before its span starts or after
// it ends (clock skew, logging after the response). A trace with no stored spans (sampled out,
// not arrived yet) has no window; the caller then gives the time range itself.
import { decodeLogRow, LOG_ROW_COLUMNS } from '../../common/clickhouse/log-row.ts';
import type { LogRow } from '../../common/clickhouse/log-row.ts';
import { identifier, join, qualified, sql } from '../../common/clickhouse/sql.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { LogRecord } from '../../common/model/log.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import type { TimeRange } from '../metrics/time-params.ts';
import { readTraceWindow } from './trace-window.ts';

/** How far outside the trace's spans a log of the trace is still looked for. */
export const TRACE_LOG_PAD_SECONDS = 60;

const LOG_COLUMN_NAMES = logsTable.columns.map((c) => c.name);
const logColumns = join(LOG_ROW_COLUMNS.map((c) => sql`${identifier(c, LOG_COLUMN_NAMES)}`), ', ');
const NS_PER_S = 1_000_000_000n;

export interface TraceLogsRequest {
  readonly tenant: string;
  readonly traceId: string;
  readonly spanId?: string | undefined;
  /** Replaces the trace's window (required when the trace has no stored spans). */
  readonly range?: TimeRange | undefined;
  readonly limit: number;
}

export interface TraceLogsAnswer {
  /** The range read, [startS, endS] in whole seconds. */
  readonly fromS: number;
  readonly toS: number;
  readonly logs: LogRecord[];
  readonly truncated: boolean;
}

/** null when the trace has no stored spans and the request gave no range. */
export async function readTraceLogs(w: StorageWork, target: StorageTarget, q: TraceLogsRequest): Promise<TraceLogsAnswer | null> {
  let fromS: number;
  let toS: number;
  if (q.range !== undefined) {
    fromS = Math.floor(q.range.startMs / 1000);
    toS = Math.ceil(q.range.endMs / 1000);
  } else {
    const window = await readTraceWindow(w, target, q.tenant, q.traceId);
    if (window === null) return null;
    fromS = Number(window.startNs / NS_PER_S) - TRACE_LOG_PAD_SECONDS;
    toS = Number(window.endNs / NS_PER_S) + 1 + TRACE_LOG_PAD_SECONDS;
  }
  const logs = qualified(target.database, identifier(logsTable.name, [logsTable.name]));
  const conditions = [
    sql`tenant = ${q.tenant}`,
    sql`timestamp >= toDateTime(${Math.max(0, fromS)})`,
    sql`timestamp <= toDateTime(${toS})`,
    sql`trace_id = ${q.traceId}`,
  ];
  if (q.spanId !== undefined) conditions.push(sql`span_id = ${q.spanId}`);
  const rows = await w.rows<LogRow>(
    sql`SELECT ${logColumns} FROM ${logs} WHERE ${join(conditions, ' AND ')} ORDER BY time_unix_nano, service_name, span_id LIMIT ${q.limit + 1}`,
  );
  return { fromS, toS, logs: rows.slice(0, q.limit).map(decodeLogRow), truncated: rows.length > q.limit };
}
