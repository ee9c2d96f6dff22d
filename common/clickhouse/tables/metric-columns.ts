// Columns and layout every metrics point table shares. Points are keyed by series fingerprint;
// the series' resource attributes live once in metric_series, not on every point.
import type { ColumnDef, TableDef } from './table-def.ts';

/** Points and series rows of one series land on the same shard. */
export const SERIES_SHARDING_KEY = 'cityHash64(tenant, series_fingerprint)';

/** Leading columns of every point table, in row-format order. */
export const pointHeadColumns: readonly ColumnDef[] = [
  { name: 'tenant', type: 'String' },
  { name: 'timestamp', type: 'DateTime' },
  { name: 'time_unix_nano', type: 'UInt64' },
  { name: 'start_time_unix_nano', type: 'UInt64' },
  { name: 'metric_name', type: 'String' },
  { name: 'service_name', type: 'String' },
  { name: 'series_fingerprint', type: 'UInt64' },
  { name: 'scope_name', type: 'String' },
  { name: 'scope_version', type: 'String' },
  { name: 'attr_keys', type: 'Array(String)' },
  { name: 'attr_types', type: 'Array(UInt8)' },
  { name: 'attr_values', type: 'Array(String)' },
  { name: 'flags', type: 'UInt32' },
];

/**
 * Exemplars as parallel arrays. Int exemplars keep their exact value in exemplar_value_ints
 * (exemplar_values holds the nearest double for every exemplar).
 */
export const exemplarColumns: readonly ColumnDef[] = [
  { name: 'exemplar_times', type: 'Array(UInt64)' },
  { name: 'exemplar_values', type: 'Array(Float64)' },
  { name: 'exemplar_value_is_int', type: 'Array(UInt8)' },
  { name: 'exemplar_value_ints', type: 'Array(Int64)' },
  { name: 'exemplar_trace_ids', type: 'Array(String)' },
  { name: 'exemplar_span_ids', type: 'Array(String)' },
  { name: 'exemplar_attrs', type: 'Array(String)' },
];

/** value is the double (or the nearest double of an int); value_int the exact int64 when value_is_int. */
export const numberValueColumns: readonly ColumnDef[] = [
  { name: 'value', type: 'Float64' },
  { name: 'value_is_int', type: 'UInt8' },
  { name: 'value_int', type: 'Int64' },
];

/** count, then the optional sum/min/max of histograms with has_* telling set from unset. */
export const histogramStatColumns: readonly ColumnDef[] = [
  { name: 'count', type: 'UInt64' },
  { name: 'sum', type: 'Float64' },
  { name: 'has_sum', type: 'UInt8' },
  { name: 'min', type: 'Float64' },
  { name: 'has_min', type: 'UInt8' },
  { name: 'max', type: 'Float64' },
  { name: 'has_max', type: 'UInt8' },
];

/**
 * Engine and keys of every point table: tenant and an hour bucket lead (every query is tenant-
 * and time-bounded), then metric and series so one series' points are contiguous. Sharded by
 * series, so one series' points and its metric_series row share a shard.
 */
export function pointTable(name: string, columns: readonly ColumnDef[]): TableDef {
  return {
    name,
    columns,
    engine: 'MergeTree',
    partitionBy: 'toDate(timestamp)',
    orderBy: '(tenant, toStartOfHour(timestamp), metric_name, series_fingerprint, timestamp)',
    placement: { kind: 'sharded', shardingKey: SERIES_SHARDING_KEY },
  };
}
