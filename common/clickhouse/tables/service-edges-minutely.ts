// Service graph: calls, errors and duration per (tenant, minute, client service -> server service).
// Two writers feed it, told apart by `origin`; readers pick one origin and never add them up.
//
// origin 1 (peer attribute), a materialized view on spans: a CLIENT or PRODUCER span whose
//   attributes name the callee (`peer.service`, else `server.address`) is one call from its own
//   service to that one; duration and error are the client span's. A view sees one insert block at
//   a time, and a parent and its child usually arrive in different blocks (often from different
//   services), so it cannot join them; it sees only callers that name their callee.
// origin 2 (parent/child), the periodic job in rollups/service-edges-job.ts: every parent span
//   whose child is in another service is one call; duration is the parent's, error is either side's.
//   It finds edges nobody annotated, but only for closed minutes, once the job has run.
import { BATCH_MARK_COLUMN, DURATION_QUANTILES_TYPE, batchMarkState, durationQuantilesState } from './red-minutely.ts';
import { spansTable } from './spans.ts';
import type { TableDef } from './table-def.ts';

export const EdgeOrigin = { PEER_ATTRIBUTE: 1, PARENT_CHILD: 2 } as const;

export const serviceEdgesMinutelyTable: TableDef = {
  name: 'service_edges_minutely',
  columns: [
    { name: 'tenant', type: 'String' },
    { name: 'minute', type: 'DateTime' },
    { name: 'origin', type: 'UInt8' },
    { name: 'client_service', type: 'String' },
    { name: 'server_service', type: 'String' },
    { name: 'calls', type: 'AggregateFunction(count)' },
    { name: 'errors', type: 'AggregateFunction(sum, UInt64)' },
    { name: 'duration_quantiles', type: DURATION_QUANTILES_TYPE },
    { name: 'duration_sum', type: 'AggregateFunction(sum, UInt64)' },
    // See red-minutely.ts. The job's rows leave it empty: it inserts each closed range once.
    BATCH_MARK_COLUMN,
  ],
  engine: 'AggregatingMergeTree',
  partitionBy: 'toDate(minute)',
  orderBy: '(tenant, minute, origin, client_service, server_service)',
  // As in red_minutely: the view writes on the span's shard and readers merge across shards; the key
  // routes what the job inserts through the Distributed table.
  placement: { kind: 'sharded', shardingKey: 'cityHash64(tenant, client_service)' },
};

const peer = `attr_values[indexOf(attr_keys, 'peer.service')]`;
const address = `attr_values[indexOf(attr_keys, 'server.address')]`;

/**
 * The SELECT of the view feeding origin 1 from spans. A missing key gives index 0, which reads as
 * '', so the callee is peer.service when set, else server.address, and the span is skipped if neither.
 */
export const serviceEdgesViewSelect = (source: string): string =>
  `SELECT tenant, toStartOfMinute(timestamp) AS minute, toUInt8(${EdgeOrigin.PEER_ATTRIBUTE}) AS origin, ` +
  `service_name AS client_service, if(${peer} != '', ${peer}, ${address}) AS server_service, ` +
  `countState() AS calls, sumState(toUInt64(status_code = 2)) AS errors, ` +
  `${durationQuantilesState('duration_ns')} AS duration_quantiles, sumState(duration_ns) AS duration_sum, ${batchMarkState} ` +
  `FROM ${source} WHERE kind IN (3, 4) AND server_service != '' AND server_service != client_service ` +
  `GROUP BY tenant, minute, origin, client_service, server_service`;

/** The view, as createView takes it. */
export const serviceEdgesView = {
  name: 'service_edges_minutely_mv',
  from: spansTable,
  to: serviceEdgesMinutelyTable,
  select: serviceEdgesViewSelect,
} as const;
