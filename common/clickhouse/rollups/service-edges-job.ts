// The periodic job that derives service-graph edges from parent/child spans (origin 2 of
// service_edges_minutely), for callers that do not name their callee. A materialized view cannot
// do this: it sees one insert block, and a parent and its child arrive in different blocks.
//
// It reads a closed range of whole minutes: every parent span starting in [from, to) is joined with
// its children (same tenant and trace, child.parent_span_id = parent.span_id) started within a
// window around it, and each pair whose services differ is one call from the parent's service to
// the child's; duration is the parent's (what the caller waited), error is either side's.
//
// On a cluster the spans are sharded by trace_id, so a parent and its children share a shard: the
// query reads the Distributed spans table on the left and the local table on the right, and each
// shard joins its own spans (no GLOBAL JOIN, no cross-shard traffic but the aggregated states).
// Both sides are deduplicated (FINAL on the left, GROUP BY span on the right), so a span stored
// twice before the ReplacingMergeTree merge counts once.
//
// Not idempotent: running a range twice counts it twice. The leader runs each range once and keeps
// its own high-water mark; `to` must be at least `settleSeconds` in the past so late spans are in.
import { physicalName } from '../ddl.ts';
import type { RunOptions, SqlRunner } from '../sql-runner.ts';
import { identifier, qualified, raw, sql } from '../sql.ts';
import type { SqlFragment } from '../sql.ts';
import { durationQuantilesState } from '../tables/red-minutely.ts';
import { EdgeOrigin, serviceEdgesMinutelyTable } from '../tables/service-edges-minutely.ts';
import { spansTable } from '../tables/spans.ts';
import type { TableDef } from '../tables/table-def.ts';
import type { StorageTarget } from '../topology.ts';

const MINUTE_MS = 60_000;

/** Whole minutes [from, to). */
export interface MinuteRange {
  readonly from: Date;
  readonly to: Date;
}

export interface EdgeJobOptions {
  /** How far before or after the range a child may start and still be joined (clock skew, queues). */
  readonly childWindowSeconds?: number;
}

export interface EdgeJobSchedule extends EdgeJobOptions {
  readonly now: Date;
  /** How long after a minute closes its spans are taken to have arrived. */
  readonly settleSeconds?: number;
}

export const DEFAULT_CHILD_WINDOW_SECONDS = 3600;
export const DEFAULT_SETTLE_SECONDS = 300;

function table(def: TableDef, name: string, target: StorageTarget): SqlFragment {
  return qualified(target.database, identifier(name, [def.name, physicalName(def, target)]));
}

function checkRange(range: MinuteRange): void {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to) || from % MINUTE_MS !== 0 || to % MINUTE_MS !== 0) {
    throw new RangeError('edge job range must be whole minutes');
  }
  if (from >= to) throw new RangeError('edge job range is empty');
}

/** The INSERT ... SELECT computing origin-2 edges for `range`. */
export function serviceEdgesJobStatement(target: StorageTarget, range: MinuteRange, options: EdgeJobOptions = {}): SqlFragment {
  checkRange(range);
  const windowMs = (options.childWindowSeconds ?? DEFAULT_CHILD_WINDOW_SECONDS) * 1000;
  if (!Number.isInteger(windowMs) || windowMs < 0) throw new RangeError('childWindowSeconds must be a whole number >= 0');
  const edges = table(serviceEdgesMinutelyTable, serviceEdgesMinutelyTable.name, target);
  const spans = table(spansTable, spansTable.name, target);
  const localSpans = table(spansTable, physicalName(spansTable, target), target);
  const childFrom = new Date(range.from.getTime() - windowMs);
  const childTo = new Date(range.to.getTime() + windowMs);
  const children = sql`SELECT tenant, trace_id, parent_id AS span_id, server_service, server_status FROM (SELECT tenant, trace_id, span_id, any(parent_span_id) AS parent_id, any(service_name) AS server_service, max(status_code) AS server_status FROM ${localSpans} WHERE timestamp >= ${childFrom} AND timestamp < ${childTo} AND parent_span_id != '' GROUP BY tenant, trace_id, span_id)`;
  return sql`INSERT INTO ${edges} (tenant, minute, origin, client_service, server_service, calls, errors, duration_quantiles, duration_sum) SELECT tenant, toStartOfMinute(timestamp) AS minute, toUInt8(${EdgeOrigin.PARENT_CHILD}) AS origin, service_name AS client_service, server_service, countState() AS calls, sumState(toUInt64(status_code = 2 OR server_status = 2)) AS errors, ${raw(durationQuantilesState('duration_ns'))} AS duration_quantiles, sumState(duration_ns) AS duration_sum FROM ${spans} AS parent FINAL ALL INNER JOIN (${children}) AS child USING (tenant, trace_id, span_id) WHERE timestamp >= ${range.from} AND timestamp < ${range.to} AND client_service != server_service GROUP BY tenant, minute, origin, client_service, server_service`;
}

/**
 * Runs the job for `range` once it is closed: its end at least `settleSeconds` before `now`.
 * Inserts go through the Distributed table on a cluster, so pass the usual insert settings.
 */
export async function runServiceEdgesJob(
  runner: SqlRunner,
  target: StorageTarget,
  range: MinuteRange,
  schedule: EdgeJobSchedule,
  options?: RunOptions,
): Promise<void> {
  const settleMs = (schedule.settleSeconds ?? DEFAULT_SETTLE_SECONDS) * 1000;
  if (range.to.getTime() + settleMs > schedule.now.getTime()) {
    throw new RangeError(`edge job range ending ${range.to.toISOString()} is not closed yet`);
  }
  const statement = serviceEdgesJobStatement(
    target,
    range,
    schedule.childWindowSeconds === undefined ? {} : { childWindowSeconds: schedule.childWindowSeconds },
  );
  await runner.command(statement, options);
}
