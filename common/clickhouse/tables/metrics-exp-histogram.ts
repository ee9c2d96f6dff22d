// Exponential histogram data points: base-2 buckets at `scale`, a zero bucket, and positive and
// negative bucket ranges each starting at their offset.
import { exemplarColumns, histogramStatColumns, pointHeadColumns, pointTable } from './metric-columns.ts';
import type { TableDef } from './table-def.ts';

export const metricsExpHistogramTable: TableDef = pointTable('metrics_exp_histogram', [
  ...pointHeadColumns,
  { name: 'temporality', type: 'UInt8' },
  ...histogramStatColumns,
  { name: 'scale', type: 'Int32' },
  { name: 'zero_count', type: 'UInt64' },
  { name: 'zero_threshold', type: 'Float64' },
  { name: 'positive_offset', type: 'Int32' },
  { name: 'positive_bucket_counts', type: 'Array(UInt64)' },
  { name: 'negative_offset', type: 'Int32' },
  { name: 'negative_bucket_counts', type: 'Array(UInt64)' },
  ...exemplarColumns,
]);
