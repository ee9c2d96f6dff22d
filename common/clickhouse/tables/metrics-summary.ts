// Summary data points: count, sum and the quantiles as two parallel arrays. OTLP summaries have
// no exemplars, so this table has no exemplar columns.
import { pointHeadColumns, pointTable } from './metric-columns.ts';
import type { TableDef } from './table-def.ts';

export const metricsSummaryTable: TableDef = pointTable('metrics_summary', [
  ...pointHeadColumns,
  { name: 'count', type: 'UInt64' },
  { name: 'sum', type: 'Float64' },
  { name: 'quantiles', type: 'Array(Float64)' },
  { name: 'quantile_values', type: 'Array(Float64)' },
]);
