// Metric and data point rules shared by the protobuf and JSON decoders, applied to already
// converted values. Each check throws SpanRejection (the decoders' per-item rejection) naming the
// OTLP field, the limit and the offending value.
import type { ExponentialBuckets, QuantileValue } from '../../common/model/metric.ts';
import { SpanRejection } from './rejections.ts';
import { checkListLength, utf8LengthOver } from './validate-span.ts';

const MAX_TEMPORALITY = 2;
// The scale range upstream OTLP declares valid for exponential histograms.
const MIN_SCALE = -10;
const MAX_SCALE = 20;

export function checkMetricName(name: string, limit: number): void {
  if (name.length === 0) throw new SpanRejection('metric name must not be empty');
  const bytes = utf8LengthOver(name, limit);
  if (bytes >= 0) throw new SpanRejection(`metric name is ${bytes} bytes, limit maxMetricNameBytes=${limit}`);
}

export function checkPointTime(timeUnixNano: bigint): void {
  if (timeUnixNano === 0n) throw new SpanRejection('time_unix_nano must not be 0');
}

export function checkTemporality(temporality: number): void {
  if (!Number.isInteger(temporality) || temporality < 0 || temporality > MAX_TEMPORALITY) {
    throw new SpanRejection(`aggregation_temporality must be 0..${MAX_TEMPORALITY}, got ${temporality}`);
  }
}

export function checkExemplarCount(length: number, limit: number): void {
  checkListLength(length, limit, 'exemplar', 'maxExemplarsPerPoint');
}

export function checkBucketCount(length: number, limit: number, noun: string): void {
  checkListLength(length, limit, noun, 'maxBucketsPerPoint');
}

function total(counts: readonly bigint[]): bigint {
  let sum = 0n;
  for (const c of counts) sum += c;
  return sum;
}

export function checkHistogram(count: bigint, bucketCounts: readonly bigint[], explicitBounds: readonly number[]): void {
  if (bucketCounts.length === 0 && explicitBounds.length === 0) return;
  if (bucketCounts.length !== explicitBounds.length + 1) {
    throw new SpanRejection(
      `bucket_counts has ${bucketCounts.length} entries, explicit_bounds ${explicitBounds.length}: want bounds + 1`,
    );
  }
  for (let i = 0; i < explicitBounds.length; i++) {
    const bound = explicitBounds[i] ?? Number.NaN;
    if (Number.isNaN(bound)) throw new SpanRejection(`explicit_bounds[${i}] is NaN`);
    if (i > 0 && !(bound > (explicitBounds[i - 1] ?? Number.NaN))) {
      throw new SpanRejection(`explicit_bounds must be strictly increasing, [${i}] is ${bound}`);
    }
  }
  const sum = total(bucketCounts);
  if (sum !== count) throw new SpanRejection(`bucket_counts sum to ${sum}, count is ${count}`);
}

export function checkExponentialHistogram(
  count: bigint,
  scale: number,
  zeroCount: bigint,
  zeroThreshold: number,
  positive: ExponentialBuckets,
  negative: ExponentialBuckets,
): void {
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new SpanRejection(`scale must be ${MIN_SCALE}..${MAX_SCALE}, got ${scale}`);
  }
  if (!(zeroThreshold >= 0) || !Number.isFinite(zeroThreshold)) {
    throw new SpanRejection(`zero_threshold must be a finite non-negative number, got ${zeroThreshold}`);
  }
  const sum = zeroCount + total(positive.bucketCounts) + total(negative.bucketCounts);
  if (sum !== count) {
    throw new SpanRejection(`zero_count and bucket_counts sum to ${sum}, count is ${count}`);
  }
}

export function checkQuantiles(quantileValues: readonly QuantileValue[]): void {
  for (let i = 0; i < quantileValues.length; i++) {
    const q = quantileValues[i];
    if (q === undefined) continue;
    if (!(q.quantile >= 0 && q.quantile <= 1)) {
      throw new SpanRejection(`quantile_values[${i}].quantile must be in [0, 1], got ${q.quantile}`);
    }
    if (q.value < 0) throw new SpanRejection(`quantile_values[${i}].value must not be negative, got ${q.value}`);
  }
}
