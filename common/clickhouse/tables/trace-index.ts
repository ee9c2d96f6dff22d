// trace_id -> [first start, last end] per day, fed by a materialized view on spans. Looking a trace
// up here first bounds the time range the spans query has to read. It is sharded by the same key
// as spans, so the view writes each row on the shard that holds the trace. Only min and max are
// kept: both are unchanged by a span stored twice, so the index needs no deduplication.
import type { TableDef } from './table-def.ts';

export const traceIndexTable: TableDef = {
  name: 'trace_index',
  columns: [
    { name: 'tenant', type: 'String' },
    { name: 'trace_id', type: 'String' },
    { name: 'date', type: 'Date' },
    { name: 'start_ns', type: 'AggregateFunction(min, UInt64)' },
    { name: 'end_ns', type: 'AggregateFunction(max, UInt64)' },
  ],
  engine: 'AggregatingMergeTree',
  partitionBy: 'date',
  orderBy: '(tenant, trace_id, date)',
  placement: { kind: 'sharded', shardingKey: 'cityHash64(trace_id)' },
};

/** The name of the view schema v1 hung off `spans` (dropped by v5 for the one on spans_ingest). */
export const TRACE_INDEX_VIEW_ON_SPANS = 'trace_index_mv';

/** The SELECT of the view that feeds trace_index from spans; `source` is the spans table it reads. */
export const traceIndexViewSelect = (source: string): string =>
  `SELECT tenant, trace_id, toDate(timestamp) AS date, minState(start_time_unix_nano) AS start_ns, ` +
  `maxState(end_time_unix_nano) AS end_ns ` +
  `FROM ${source} GROUP BY tenant, trace_id, date`;
