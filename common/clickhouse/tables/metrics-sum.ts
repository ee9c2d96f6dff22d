// Sum (counter / up-down counter) data points, with the metric's temporality and monotonicity.
import { exemplarColumns, numberValueColumns, pointHeadColumns, pointTable } from './metric-columns.ts';
import type { TableDef } from './table-def.ts';

export const metricsSumTable: TableDef = pointTable('metrics_sum', [
  ...pointHeadColumns,
  ...numberValueColumns,
  { name: 'temporality', type: 'UInt8' },
  { name: 'is_monotonic', type: 'UInt8' },
  ...exemplarColumns,
]);
