// Where spans are written: `spans_ingest` stores nothing (ENGINE = Null); its materialized views
// write every table made from spans, `spans` included. Why not insert into `spans` and hang the
// views off it: on ClickHouse 18.16 a block that `spans` deduplicates (a retried insert) does not
// reach its views, so when an insert failed after `spans` took the block but before every view
// did (a view's quorum write refused with code 286, a timeout), the retry left those views without
// the batch for good. From a Null table every retry reaches every view, and each target table
// deduplicates the block on its own: the ones that have it drop it, the ones that missed it take it.
// (Current servers offer deduplicate_blocks_in_dependent_materialized_views; 18.16 does not.)
import type { IngestTableDef, ViewDef } from './table-def.ts';
import { redMinutelyTable, redMinutelyView, redMinutelyViewSelect } from './red-minutely.ts';
import { serviceEdgesMinutelyTable, serviceEdgesView, serviceEdgesViewSelect } from './service-edges-minutely.ts';
import { spanColumnsSelect, spansTable } from './spans.ts';
import { spansByTraceTable } from './spans-by-trace.ts';
import { TRACE_INDEX_VIEW_ON_SPANS, traceIndexTable, traceIndexViewSelect } from './trace-index.ts';

export const spansIngestTable: IngestTableDef = {
  name: 'spans_ingest',
  columns: spansTable.columns,
  // As spans: each shard's views then see the rows of that shard's traces.
  placement: spansTable.placement,
};

export const spansIngestViews: readonly ViewDef[] = [
  { name: 'spans_ingest_spans_mv', to: spansTable, select: spanColumnsSelect },
  { name: 'spans_ingest_by_trace_mv', to: spansByTraceTable, select: spanColumnsSelect },
  { name: 'spans_ingest_trace_index_mv', to: traceIndexTable, select: traceIndexViewSelect },
  { name: 'spans_ingest_red_minutely_mv', to: redMinutelyTable, select: redMinutelyViewSelect },
  { name: 'spans_ingest_service_edges_mv', to: serviceEdgesMinutelyTable, select: serviceEdgesViewSelect },
];

/** The views schema v1 and v4 hung off `spans` itself; v5 replaces them with the ones above. */
export const viewsOnSpans: readonly string[] = [TRACE_INDEX_VIEW_ON_SPANS, redMinutelyView.name, serviceEdgesView.name];
