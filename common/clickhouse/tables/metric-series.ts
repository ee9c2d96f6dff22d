// One row per series: fingerprint -> labels, so series can be listed and filtered without
// scanning points. Every insert of a point also writes its series row; ReplacingMergeTree keeps
// one per (tenant, metric_name, series_fingerprint) after merges (the last inserted, so a changed
// description or unit wins), and readers use FINAL or GROUP BY until then. Sharded like the points.
import { SERIES_SHARDING_KEY } from './metric-columns.ts';
import type { TableDef } from './table-def.ts';

export const metricSeriesTable: TableDef = {
  name: 'metric_series',
  columns: [
    { name: 'tenant', type: 'String' },
    { name: 'metric_name', type: 'String' },
    { name: 'metric_type', type: 'String' },
    { name: 'series_fingerprint', type: 'UInt64' },
    { name: 'unit', type: 'String' },
    { name: 'description', type: 'String' },
    { name: 'service_name', type: 'String' },
    { name: 'resource_attr_keys', type: 'Array(String)' },
    { name: 'resource_attr_types', type: 'Array(UInt8)' },
    { name: 'resource_attr_values', type: 'Array(String)' },
    { name: 'attr_keys', type: 'Array(String)' },
    { name: 'attr_types', type: 'Array(UInt8)' },
    { name: 'attr_values', type: 'Array(String)' },
    { name: 'last_seen', type: 'DateTime' },
  ],
  engine: 'ReplacingMergeTree',
  partitionBy: 'tuple()',
  orderBy: '(tenant, metric_name, series_fingerprint)',
  placement: { kind: 'sharded', shardingKey: SERIES_SHARDING_KEY },
};
