// Which table holds the points of each metric type (metric_series.metric_type), as the
// allow-list every metrics read picks its table from.
import { identifier, qualified } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { metricsExpHistogramTable } from '../../common/clickhouse/tables/metrics-exp-histogram.ts';
import { metricsGaugeTable } from '../../common/clickhouse/tables/metrics-gauge.ts';
import { metricsHistogramTable } from '../../common/clickhouse/tables/metrics-histogram.ts';
import { metricsSumTable } from '../../common/clickhouse/tables/metrics-sum.ts';
import { metricsSummaryTable } from '../../common/clickhouse/tables/metrics-summary.ts';
import type { TableDef } from '../../common/clickhouse/tables/table-def.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { MetricType } from '../../common/model/metric.ts';

export const POINT_TABLES: Readonly<Record<MetricType, TableDef>> = {
  gauge: metricsGaugeTable,
  sum: metricsSumTable,
  histogram: metricsHistogramTable,
  exponential_histogram: metricsExpHistogramTable,
  summary: metricsSummaryTable,
};

const NAMES = Object.values(POINT_TABLES).map((t) => t.name);

export function isMetricType(type: string): type is MetricType {
  return Object.hasOwn(POINT_TABLES, type);
}

/** The public (Distributed on a cluster) table of a metric type's points. */
export function pointTable(target: StorageTarget, type: MetricType): SqlFragment {
  return qualified(target.database, identifier(POINT_TABLES[type].name, NAMES));
}
