// A metric data point as JSONEachRow lines: its row in the point table of its type, plus its
// series row for metric_series. Lines are Kafka message values, inserted byte for byte.
import type { Exemplar, MetricNumber, MetricPoint, MetricPointCommon } from '../model/metric.ts';
import { encodeAttributeList, toColumns } from './attribute-encoding.ts';
import { METRIC_SERIES_ROW_FORMAT, encodeMetricSeriesRow } from './metric-series-row.ts';
import { bool, float, floats, ints, seconds, str, strs } from './row-values.ts';

export { METRIC_SERIES_ROW_FORMAT } from './metric-series-row.ts';

export const MetricRowFormat = {
  gauge: 'metrics_gauge.v1',
  sum: 'metrics_sum.v1',
  histogram: 'metrics_histogram.v1',
  exponential_histogram: 'metrics_exp_histogram.v1',
  summary: 'metrics_summary.v1',
} as const;

export interface EncodedMetricRow {
  readonly format: string;
  readonly value: string;
}

/** Kafka partition key: one series stays in order in one partition. */
export function metricPartitionKey(point: MetricPoint): string {
  return `${point.tenant}/${point.seriesFingerprint.toString(16).padStart(16, '0')}`;
}

/** The point's row, then its metric_series row. */
export function encodeMetricRows(point: MetricPoint): EncodedMetricRow[] {
  return [
    { format: MetricRowFormat[point.type], value: encodeMetricPointRow(point) },
    { format: METRIC_SERIES_ROW_FORMAT, value: encodeMetricSeriesRow(point) },
  ];
}

/** The point's row alone (no trailing newline). Key order is the table's column order. */
export function encodeMetricPointRow(point: MetricPoint): string {
  const head = headFields(point);
  switch (point.type) {
    case 'gauge':
      return `{${head}${numberFields(point.value)}${exemplarFields(point.exemplars)}}`;
    case 'sum':
      return (
        `{${head}${numberFields(point.value)}` +
        `,"temporality":${point.temporality},"is_monotonic":${bool(point.monotonic)}` +
        `${exemplarFields(point.exemplars)}}`
      );
    case 'histogram':
      return (
        `{${head},"temporality":${point.temporality}${statFields(point.count, point.sum, point.min, point.max)}` +
        `,"bucket_counts":${ints(point.bucketCounts)},"explicit_bounds":${floats(point.explicitBounds)}` +
        `${exemplarFields(point.exemplars)}}`
      );
    case 'exponential_histogram':
      return (
        `{${head},"temporality":${point.temporality}${statFields(point.count, point.sum, point.min, point.max)}` +
        `,"scale":${point.scale},"zero_count":${point.zeroCount.toString()},"zero_threshold":${float(point.zeroThreshold)}` +
        `,"positive_offset":${point.positive.offset},"positive_bucket_counts":${ints(point.positive.bucketCounts)}` +
        `,"negative_offset":${point.negative.offset},"negative_bucket_counts":${ints(point.negative.bucketCounts)}` +
        `${exemplarFields(point.exemplars)}}`
      );
    case 'summary':
      return (
        `{${head},"count":${point.count.toString()},"sum":${float(point.sum)}` +
        `,"quantiles":${floats(point.quantileValues.map((q) => q.quantile))}` +
        `,"quantile_values":${floats(point.quantileValues.map((q) => q.value))}}`
      );
  }
}

function headFields(p: MetricPointCommon): string {
  const attrs = toColumns(p.attributes);
  return (
    `"tenant":${str(p.tenant)},"timestamp":${seconds(p.timeUnixNano)}` +
    `,"time_unix_nano":${p.timeUnixNano.toString()},"start_time_unix_nano":${p.startTimeUnixNano.toString()}` +
    `,"metric_name":${str(p.metricName)},"service_name":${str(p.serviceName)}` +
    `,"series_fingerprint":${p.seriesFingerprint.toString()}` +
    `,"scope_name":${str(p.scopeName)},"scope_version":${str(p.scopeVersion)}` +
    `,"attr_keys":${strs(attrs.keys)},"attr_types":${ints(attrs.types)},"attr_values":${strs(attrs.values)}` +
    `,"flags":${p.flags}`
  );
}

/** The nearest double of an int64 is what `value` holds, so range and sum queries need no branch. */
function asDouble(n: MetricNumber): number {
  return n.type === 'double' ? n.value : Number(n.value);
}

function numberFields(n: MetricNumber): string {
  return (
    `,"value":${float(asDouble(n))},"value_is_int":${bool(n.type === 'int')}` +
    `,"value_int":${n.type === 'int' ? n.value.toString() : '0'}`
  );
}

function statFields(count: bigint, sum: number | null, min: number | null, max: number | null): string {
  return (
    `,"count":${count.toString()}` +
    `,"sum":${float(sum ?? 0)},"has_sum":${bool(sum !== null)}` +
    `,"min":${float(min ?? 0)},"has_min":${bool(min !== null)}` +
    `,"max":${float(max ?? 0)},"has_max":${bool(max !== null)}`
  );
}

function exemplarFields(exemplars: readonly Exemplar[]): string {
  return (
    `,"exemplar_times":${ints(exemplars.map((e) => e.timeUnixNano))}` +
    `,"exemplar_values":${floats(exemplars.map((e) => asDouble(e.value)))}` +
    `,"exemplar_value_is_int":${ints(exemplars.map((e) => (e.value.type === 'int' ? 1 : 0)))}` +
    `,"exemplar_value_ints":${ints(exemplars.map((e) => (e.value.type === 'int' ? e.value.value : 0n)))}` +
    `,"exemplar_trace_ids":${strs(exemplars.map((e) => e.traceId))}` +
    `,"exemplar_span_ids":${strs(exemplars.map((e) => e.spanId))}` +
    `,"exemplar_attrs":${strs(exemplars.map((e) => encodeAttributeList(e.filteredAttributes)))}`
  );
}
