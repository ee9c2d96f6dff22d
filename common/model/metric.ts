// One OTLP metric data point as Cairn carries it between tiers: decoded by the receiver, written
// into the per-type metrics tables by the ingester. A point carries its series' labels (resource
// and point attributes) and the series fingerprint those labels hash to.
import type { Attribute } from './span.ts';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/** NumberDataPoint / Exemplar value: OTLP keeps doubles and int64s apart, so does Cairn. */
export type MetricNumber =
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'int'; readonly value: bigint };

/** OTLP AggregationTemporality numbers. */
export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

/** DataPointFlags bit: the point holds no value (a stale series marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface Exemplar {
  readonly timeUnixNano: bigint;
  readonly value: MetricNumber;
  /** Lower-case hex, 32 characters, or '' when the exemplar has no trace. */
  readonly traceId: string;
  /** Lower-case hex, 16 characters, or ''. */
  readonly spanId: string;
  readonly filteredAttributes: readonly Attribute[];
}

export interface MetricPointCommon {
  readonly tenant: string;
  readonly metricName: string;
  readonly description: string;
  readonly unit: string;
  /** Taken from the resource attribute service.name; 'unknown_service' when absent. */
  readonly serviceName: string;
  readonly resourceAttributes: readonly Attribute[];
  readonly scopeName: string;
  readonly scopeVersion: string;
  readonly attributes: readonly Attribute[];
  readonly startTimeUnixNano: bigint;
  /** Never 0. */
  readonly timeUnixNano: bigint;
  readonly flags: number;
  /** Always empty for summaries, which have no exemplars in OTLP. */
  readonly exemplars: readonly Exemplar[];
  /** Unsigned 64-bit hash of tenant, name, type and both sorted attribute lists (series-fingerprint.ts). */
  readonly seriesFingerprint: bigint;
}

export interface GaugePoint extends MetricPointCommon {
  readonly type: 'gauge';
  readonly value: MetricNumber;
}

export interface SumPoint extends MetricPointCommon {
  readonly type: 'sum';
  readonly value: MetricNumber;
  readonly temporality: number;
  readonly monotonic: boolean;
}

/** Optional double fields of histograms: null when the sender did not set them. */
export interface HistogramStats {
  readonly count: bigint;
  readonly sum: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface HistogramPoint extends MetricPointCommon, HistogramStats {
  readonly type: 'histogram';
  readonly temporality: number;
  /** Empty, or explicitBounds.length + 1 entries summing to count. */
  readonly bucketCounts: readonly bigint[];
  readonly explicitBounds: readonly number[];
}

export interface ExponentialBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly bigint[];
}

export interface ExponentialHistogramPoint extends MetricPointCommon, HistogramStats {
  readonly type: 'exponential_histogram';
  readonly temporality: number;
  readonly scale: number;
  readonly zeroCount: bigint;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
}

export interface QuantileValue {
  readonly quantile: number;
  readonly value: number;
}

export interface SummaryPoint extends MetricPointCommon {
  readonly type: 'summary';
  readonly count: bigint;
  readonly sum: number;
  readonly quantileValues: readonly QuantileValue[];
}

export type MetricPoint = GaugePoint | SumPoint | HistogramPoint | ExponentialHistogramPoint | SummaryPoint;
