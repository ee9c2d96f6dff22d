// A metric point's series as one JSONEachRow line of metric_series (format metric_series.v1).
// last_seen is the point's own time, not the clock, so the line is a pure function of the point
// and a retried batch stays byte-identical.
import type { MetricPoint } from '../model/metric.ts';
import { toColumns } from './attribute-encoding.ts';
import { ints, seconds, str, strs } from './row-values.ts';

export const METRIC_SERIES_ROW_FORMAT = 'metric_series.v1';

/** Key order is the table's column order. */
export function encodeMetricSeriesRow(point: MetricPoint): string {
  const res = toColumns(point.resourceAttributes);
  const attrs = toColumns(point.attributes);
  return (
    `{"tenant":${str(point.tenant)},"metric_name":${str(point.metricName)},"metric_type":${str(point.type)}` +
    `,"series_fingerprint":${point.seriesFingerprint.toString()}` +
    `,"unit":${str(point.unit)},"description":${str(point.description)},"service_name":${str(point.serviceName)}` +
    `,"resource_attr_keys":${strs(res.keys)},"resource_attr_types":${ints(res.types)},"resource_attr_values":${strs(res.values)}` +
    `,"attr_keys":${strs(attrs.keys)},"attr_types":${ints(attrs.types)},"attr_values":${strs(attrs.values)}` +
    `,"last_seen":${seconds(point.timeUnixNano)}}`
  );
}
