// Explicit-bucket histogram data points: bucket_counts has explicit_bounds + 1 entries (or both
// are empty), and they sum to count.
import { exemplarColumns, histogramStatColumns, pointHeadColumns, pointTable } from './metric-columns.ts';
import type { TableDef } from './table-def.ts';

export const metricsHistogramTable: TableDef = pointTable('metrics_histogram', [
  ...pointHeadColumns,
  { name: 'temporality', type: 'UInt8' },
  ...histogramStatColumns,
  { name: 'bucket_counts', type: 'Array(UInt64)' },
  { name: 'explicit_bounds', type: 'Array(Float64)' },
  ...exemplarColumns,
]);
