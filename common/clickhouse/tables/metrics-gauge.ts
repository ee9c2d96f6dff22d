// Gauge data points: one row per point, the value as a double plus the exact int64 when sent as one.
import { exemplarColumns, numberValueColumns, pointHeadColumns, pointTable } from './metric-columns.ts';
import type { TableDef } from './table-def.ts';

export const metricsGaugeTable: TableDef = pointTable('metrics_gauge', [
  ...pointHeadColumns,
  ...numberValueColumns,
  ...exemplarColumns,
]);
