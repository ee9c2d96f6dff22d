// Where a trace lies in time, from trace_index (first span start, last span end, per day). The
// logs and spans tables are ordered by tenant and time, not by trace id, so every correlation read
// is bounded by this window first; without it a trace id lookup would scan the tenant's whole history.
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { traceIndexTable } from '../../common/clickhouse/tables/trace-index.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageWork } from '../storage/storage-work.ts';

/** Nanoseconds since the epoch, inclusive. */
export interface TraceWindow {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** null when no span of the trace is stored for this tenant. */
export async function readTraceWindow(w: StorageWork, target: StorageTarget, tenant: string, traceId: string): Promise<TraceWindow | null> {
  const index = qualified(target.database, identifier(traceIndexTable.name, [traceIndexTable.name]));
  const [row] = await w.rows<{ start: string; end: string }>(
    sql`SELECT toString(minMerge(start_ns)) AS start, toString(maxMerge(end_ns)) AS end FROM ${index} WHERE tenant = ${tenant} AND trace_id = ${traceId}`,
  );
  if (row === undefined || row.start === '0') return null;
  const startNs = BigInt(row.start);
  const endNs = BigInt(row.end);
  return { startNs, endNs: endNs < startNs ? startNs : endNs };
}
