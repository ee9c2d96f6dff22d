// RED rollup: calls, errors and duration per (tenant, minute, service, operation, kind), fed by a
// materialized view on spans. Rows hold aggregate states, so readers always use -Merge with GROUP BY
// (countMerge(calls), sumMerge(errors), quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_quantiles)),
// which is also what makes the sharding below correct.
//
// Kind stays in the key rather than the view keeping only SERVER/CONSUMER spans: "requests" is a
// query-time choice (kind IN (2, 5)), and internal or client operations get their rates for free.
//
// Quantiles: t-digest states (quantilesTDigest). Both dialects accept and merge them; the state
// grows with log(n), where the reservoir sampler of `quantiles` keeps up to 8192 values (64 KiB) per
// row. Its answers are approximate and depend on merge order (see the rollups test for the bound
// checked). Durations go in as UInt64 nanoseconds; results come back as Float32.
//
// Duplicates: the view counts spans as inserted. A retried byte-identical block is deduplicated by
// the replicated server before the view sees it; a span stored twice in different blocks is counted
// twice here, although spans (ReplacingMergeTree) collapses it.
import { spansTable } from './spans.ts';
import type { TableDef } from './table-def.ts';

/** The quantile levels every duration digest answers; part of the column type, so fixed. */
export const DURATION_QUANTILE_LEVELS = [0.5, 0.95, 0.99] as const;

const levels = DURATION_QUANTILE_LEVELS.join(', ');

/** Column type of a duration digest (nanoseconds). */
export const DURATION_QUANTILES_TYPE = `AggregateFunction(quantilesTDigest(${levels}), UInt64)`;

/** The -State call matching DURATION_QUANTILES_TYPE, over a UInt64 nanosecond expression. */
export const durationQuantilesState = (expr: string): string => `quantilesTDigestState(${levels})(${expr})`;

/**
 * A rollup row's mark of the spans it aggregates (xor of their span-id hashes), never read. A
 * replicated table drops an inserted block identical to a recent one, and two different batches can
 * aggregate to identical rows (same minute, service, operation, count and durations: health checks,
 * millisecond clocks), so without it the second batch would vanish from the rollup. A retried batch
 * has the same spans, so the same mark: that repeat is still dropped, as it should be.
 */
export const BATCH_MARK_COLUMN = { name: 'batch_mark', type: 'AggregateFunction(groupBitXor, UInt64)' } as const;
export const batchMarkState = 'groupBitXorState(cityHash64(span_id)) AS batch_mark';

/** The -Merge call a reader uses on a DURATION_QUANTILES_TYPE column: Array(Float32), one per level. */
export const durationQuantilesMerge = (column: string): string => `quantilesTDigestMerge(${levels})(${column})`;

export const redMinutelyTable: TableDef = {
  name: 'red_minutely',
  columns: [
    { name: 'tenant', type: 'String' },
    { name: 'minute', type: 'DateTime' },
    { name: 'service_name', type: 'String' },
    { name: 'name', type: 'String' },
    { name: 'kind', type: 'UInt8' },
    { name: 'calls', type: 'AggregateFunction(count)' },
    { name: 'errors', type: 'AggregateFunction(sum, UInt64)' },
    { name: 'duration_quantiles', type: DURATION_QUANTILES_TYPE },
    { name: 'duration_sum', type: 'AggregateFunction(sum, UInt64)' },
    BATCH_MARK_COLUMN,
  ],
  engine: 'AggregatingMergeTree',
  partitionBy: 'toDate(minute)',
  orderBy: '(tenant, minute, service_name, name, kind)',
  // The view writes each span's row into the local table of the shard that took the span (spans are
  // sharded by trace_id), so one service's minute is spread over every shard whatever key is set
  // here; reads merge the states across shards, so that is correct. The key only routes rows
  // inserted through the Distributed table (a backfill), and keeps those per service together.
  placement: { kind: 'sharded', shardingKey: 'cityHash64(tenant, service_name)' },
};

/** The SELECT of the view feeding red_minutely from spans; `source` is the spans table it reads. */
export const redMinutelyViewSelect = (source: string): string =>
  `SELECT tenant, toStartOfMinute(timestamp) AS minute, service_name, name, kind, ` +
  `countState() AS calls, sumState(toUInt64(status_code = 2)) AS errors, ` +
  `${durationQuantilesState('duration_ns')} AS duration_quantiles, sumState(duration_ns) AS duration_sum, ${batchMarkState} ` +
  `FROM ${source} GROUP BY tenant, minute, service_name, name, kind`;

/** The view, as createView takes it. */
export const redMinutelyView = {
  name: 'red_minutely_mv',
  from: spansTable,
  to: redMinutelyTable,
  select: redMinutelyViewSelect,
} as const;
