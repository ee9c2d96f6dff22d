// Limits the OTLP metrics decoders enforce. A data point over a per-point limit is rejected whole;
// a request over maxDataPointsPerRequest is refused whole (one request must not turn into an
// unbounded number of Kafka rows).
import type { TraceDecodeLimits } from './limits.ts';
import { defaultTraceDecodeLimits } from './limits.ts';

export interface MetricDecodeLimits {
  /** Most entries in one attribute list (point, exemplar or resource), nested lists not counted. */
  readonly maxAttributes: number;
  /** Most UTF-8 bytes in one string value, or bytes in one bytes value, at any nesting depth. */
  readonly maxAttributeValueBytes: number;
  /** Most data points in one export request (CAIRN_MAX_DATA_POINTS_PER_REQUEST). */
  readonly maxDataPointsPerRequest: number;
  /** Most UTF-8 bytes in a metric name. */
  readonly maxMetricNameBytes: number;
  readonly maxExemplarsPerPoint: number;
  /** Most buckets (or quantiles) in one histogram, exponential histogram side, or summary. */
  readonly maxBucketsPerPoint: number;
}

export const defaultMetricDecodeLimits: MetricDecodeLimits = Object.freeze({
  maxAttributes: defaultTraceDecodeLimits.maxAttributes,
  maxAttributeValueBytes: defaultTraceDecodeLimits.maxAttributeValueBytes,
  maxDataPointsPerRequest: 50_000,
  maxMetricNameBytes: 255,
  maxExemplarsPerPoint: 128,
  maxBucketsPerPoint: 16_384,
});

/**
 * The shared attribute converters take TraceDecodeLimits but read only the two attribute limits;
 * this gives them those, with the span-only fields at their defaults.
 */
export function attributeLimits(limits: MetricDecodeLimits): TraceDecodeLimits {
  return {
    ...defaultTraceDecodeLimits,
    maxAttributes: limits.maxAttributes,
    maxAttributeValueBytes: limits.maxAttributeValueBytes,
  };
}
