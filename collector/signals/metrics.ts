// The metrics signal: OTLP data points become rows of the point table of their type, plus one
// metric_series row per series and request. Rows are keyed by tenant and series fingerprint, so
// one series stays in order in one Kafka partition (and, through the same sharding key, on one
// ClickHouse shard).
import { METRIC_SERIES_ROW_FORMAT, MetricRowFormat, encodeMetricPointRow, metricPartitionKey } from '../../common/clickhouse/metric-row.ts';
import { encodeMetricSeriesRow } from '../../common/clickhouse/metric-series-row.ts';
import { metricSeriesTable } from '../../common/clickhouse/tables/metric-series.ts';
import { metricsExpHistogramTable } from '../../common/clickhouse/tables/metrics-exp-histogram.ts';
import { metricsGaugeTable } from '../../common/clickhouse/tables/metrics-gauge.ts';
import { metricsHistogramTable } from '../../common/clickhouse/tables/metrics-histogram.ts';
import { metricsSumTable } from '../../common/clickhouse/tables/metrics-sum.ts';
import { metricsSummaryTable } from '../../common/clickhouse/tables/metrics-summary.ts';
import type { MetricPoint } from '../../common/model/metric.ts';
import { decodeMetricsJson, decodeMetricsProtobuf, defaultMetricDecodeLimits } from '../otlp/decode-metrics.ts';
import type { MetricDecodeLimits } from '../otlp/decode-metrics.ts';
import type { SeriesLimiter } from './series-limiter.ts';
import type { KafkaRow, Signal } from './signal.ts';
import type { TableDef } from '../../common/clickhouse/tables/table-def.ts';

/**
 * Point rows in request order, then one series row per series: the one of its latest point, so
 * last_seen is the newest time the request holds. Deterministic for a given request body.
 */
export function metricRows(points: readonly MetricPoint[]): KafkaRow[] {
  const rows: KafkaRow[] = [];
  const latest = new Map<string, MetricPoint>();
  for (const point of points) {
    const key = metricPartitionKey(point);
    rows.push({ key, format: MetricRowFormat[point.type], value: encodeMetricPointRow(point) });
    const seen = latest.get(key);
    if (seen === undefined || point.timeUnixNano > seen.timeUnixNano) latest.set(key, point);
  }
  for (const point of latest.values()) {
    rows.push({ key: metricPartitionKey(point), format: METRIC_SERIES_ROW_FORMAT, value: encodeMetricSeriesRow(point) });
  }
  return rows;
}

/** Splits points into those whose series the limiter admits and a count of the refused. */
function admitted(points: readonly MetricPoint[], limiter: SeriesLimiter | undefined): { points: MetricPoint[]; refused: number; metrics: string[] } {
  if (limiter === undefined) return { points: [...points], refused: 0, metrics: [] };
  const kept: MetricPoint[] = [];
  const refusedMetrics = new Set<string>();
  for (const p of points) {
    if (limiter.admit(p.tenant, p.metricName, p.seriesFingerprint)) kept.push(p);
    else refusedMetrics.add(p.metricName);
  }
  return { points: kept, refused: points.length - kept.length, metrics: [...refusedMetrics] };
}

/**
 * The metrics signal with configured limits (config.ts owns CAIRN_MAX_DATA_POINTS_PER_REQUEST and
 * CAIRN_MAX_SERIES_PER_METRIC); without a limiter (ingesters) no cardinality cap applies.
 */
export function createMetricsSignal(limits: MetricDecodeLimits = defaultMetricDecodeLimits, limiter?: SeriesLimiter): Signal {
  return {
    name: 'metrics',
    httpPath: '/v1/metrics',
    grpcMethod: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    rejectedField: 'rejectedDataPoints',
    decode(body, encoding, tenant) {
      const decoded = encoding === 'protobuf' ? decodeMetricsProtobuf(body, tenant, limits) : decodeMetricsJson(body, tenant, limits);
      const kept = admitted(decoded.points, limiter);
      const limitMessage =
        kept.refused === 0
          ? ''
          : `${kept.refused} data points refused: series limit per metric reached for ${kept.metrics.slice(0, 3).join(', ')}${kept.metrics.length > 3 ? ', ...' : ''} (CAIRN_MAX_SERIES_PER_METRIC)`;
      return {
        rows: metricRows(kept.points),
        accepted: kept.points.length,
        rejected: decoded.rejected + kept.refused,
        refused: kept.refused,
        errorMessage: [decoded.errorMessage, limitMessage].filter((m) => m !== '').join('; '),
      };
    },
    tables: METRIC_TABLES,
  };
}

/** Row format -> storage table: metrics rows go straight to their tables (no views hang off them). */
export const METRIC_TABLES: ReadonlyMap<string, TableDef> = new Map([
  [MetricRowFormat.gauge, metricsGaugeTable],
  [MetricRowFormat.sum, metricsSumTable],
  [MetricRowFormat.histogram, metricsHistogramTable],
  [MetricRowFormat.exponential_histogram, metricsExpHistogramTable],
  [MetricRowFormat.summary, metricsSummaryTable],
  [METRIC_SERIES_ROW_FORMAT, metricSeriesTable],
]);

export const metricsSignal: Signal = createMetricsSignal();
