// Converts one decoded protobuf data point of each metric type into a MetricPoint, throwing
// SpanRejection on the first rule it breaks. Cheap checks run before attribute conversion.
import type {
  ExponentialBuckets,
  Exemplar,
  ExponentialHistogramPoint,
  GaugePoint,
  HistogramPoint,
  MetricNumber,
  SumPoint,
  SummaryPoint,
} from '../../common/model/metric.ts';
import { bytesToHexId } from './ids.ts';
import type { PointContext } from './metric-point.ts';
import { missingNumberValue, pointCommon } from './metric-point.ts';
import type {
  PbBuckets,
  PbExemplar,
  PbExponentialHistogramDataPoint,
  PbHistogramDataPoint,
  PbNumberDataPoint,
  PbSummaryDataPoint,
} from './metrics-proto-schema.ts';
import { convertPbAttributes } from './proto-attributes.ts';
import type { PbLong } from './proto-schema.ts';
import { int64ToBigInt, uint64ToBigInt } from './proto-schema.ts';
import {
  checkBucketCount,
  checkExemplarCount,
  checkExponentialHistogram,
  checkHistogram,
  checkQuantiles,
  checkTemporality,
} from './validate-metric.ts';

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const EMPTY_EXEMPLARS: readonly Exemplar[] = Object.freeze([]);
const EMPTY_BUCKETS: ExponentialBuckets = Object.freeze({ offset: 0, bucketCounts: Object.freeze([]) });

function optionalDouble(point: object, field: string, value: number | null): number | null {
  return Object.hasOwn(point, field) ? value : null;
}

function numberValue(point: PbNumberDataPoint | PbExemplar, flags: number): MetricNumber {
  if (Object.hasOwn(point, 'asDouble')) return { type: 'double', value: point.asDouble };
  if (Object.hasOwn(point, 'asInt')) return { type: 'int', value: int64ToBigInt(point.asInt) };
  return missingNumberValue(flags);
}

function convertExemplars(list: readonly PbExemplar[], ctx: PointContext): readonly Exemplar[] {
  if (list.length === 0) return EMPTY_EXEMPLARS;
  checkExemplarCount(list.length, ctx.limits.maxExemplarsPerPoint);
  return list.map((e) => ({
    timeUnixNano: uint64ToBigInt(e.timeUnixNano),
    value: numberValue(e, 0),
    traceId: e.traceId.length === 0 ? '' : bytesToHexId(e.traceId, TRACE_ID_BYTES, 'exemplar trace_id'),
    spanId: e.spanId.length === 0 ? '' : bytesToHexId(e.spanId, SPAN_ID_BYTES, 'exemplar span_id'),
    filteredAttributes: convertPbAttributes(e.filteredAttributes, ctx.attributeLimits, 'exemplar attribute'),
  }));
}

function counts(list: readonly PbLong[], ctx: PointContext, noun: string): bigint[] {
  checkBucketCount(list.length, ctx.limits.maxBucketsPerPoint, noun);
  return list.map(uint64ToBigInt);
}

export function convertPbNumberPoint(point: PbNumberDataPoint, ctx: PointContext): GaugePoint {
  return {
    ...pointCommon(ctx.origin, 'gauge', {
      startTimeUnixNano: uint64ToBigInt(point.startTimeUnixNano),
      timeUnixNano: uint64ToBigInt(point.timeUnixNano),
      flags: point.flags,
      attributes: convertPbAttributes(point.attributes, ctx.attributeLimits, 'attribute'),
      exemplars: convertExemplars(point.exemplars, ctx),
    }),
    type: 'gauge',
    value: numberValue(point, point.flags),
  };
}

export function convertPbSumPoint(point: PbNumberDataPoint, temporality: number, monotonic: boolean, ctx: PointContext): SumPoint {
  checkTemporality(temporality);
  const value = numberValue(point, point.flags);
  return {
    ...pointCommon(ctx.origin, 'sum', {
      startTimeUnixNano: uint64ToBigInt(point.startTimeUnixNano),
      timeUnixNano: uint64ToBigInt(point.timeUnixNano),
      flags: point.flags,
      attributes: convertPbAttributes(point.attributes, ctx.attributeLimits, 'attribute'),
      exemplars: convertExemplars(point.exemplars, ctx),
    }),
    type: 'sum',
    value,
    temporality,
    monotonic,
  };
}

export function convertPbHistogramPoint(point: PbHistogramDataPoint, temporality: number, ctx: PointContext): HistogramPoint {
  checkTemporality(temporality);
  const count = uint64ToBigInt(point.count);
  const bucketCounts = counts(point.bucketCounts, ctx, 'bucket');
  checkHistogram(count, bucketCounts, point.explicitBounds);
  return {
    ...pointCommon(ctx.origin, 'histogram', {
      startTimeUnixNano: uint64ToBigInt(point.startTimeUnixNano),
      timeUnixNano: uint64ToBigInt(point.timeUnixNano),
      flags: point.flags,
      attributes: convertPbAttributes(point.attributes, ctx.attributeLimits, 'attribute'),
      exemplars: convertExemplars(point.exemplars, ctx),
    }),
    type: 'histogram',
    temporality,
    count,
    sum: optionalDouble(point, 'sum', point.sum),
    min: optionalDouble(point, 'min', point.min),
    max: optionalDouble(point, 'max', point.max),
    bucketCounts,
    explicitBounds: [...point.explicitBounds],
  };
}

function buckets(b: PbBuckets | null, ctx: PointContext, noun: string): ExponentialBuckets {
  if (b === null) return EMPTY_BUCKETS;
  return { offset: b.offset, bucketCounts: counts(b.bucketCounts, ctx, noun) };
}

export function convertPbExponentialHistogramPoint(
  point: PbExponentialHistogramDataPoint,
  temporality: number,
  ctx: PointContext,
): ExponentialHistogramPoint {
  checkTemporality(temporality);
  const count = uint64ToBigInt(point.count);
  const zeroCount = uint64ToBigInt(point.zeroCount);
  const positive = buckets(point.positive, ctx, 'positive bucket');
  const negative = buckets(point.negative, ctx, 'negative bucket');
  checkExponentialHistogram(count, point.scale, zeroCount, point.zeroThreshold, positive, negative);
  return {
    ...pointCommon(ctx.origin, 'exponential_histogram', {
      startTimeUnixNano: uint64ToBigInt(point.startTimeUnixNano),
      timeUnixNano: uint64ToBigInt(point.timeUnixNano),
      flags: point.flags,
      attributes: convertPbAttributes(point.attributes, ctx.attributeLimits, 'attribute'),
      exemplars: convertExemplars(point.exemplars, ctx),
    }),
    type: 'exponential_histogram',
    temporality,
    count,
    sum: optionalDouble(point, 'sum', point.sum),
    min: optionalDouble(point, 'min', point.min),
    max: optionalDouble(point, 'max', point.max),
    scale: point.scale,
    zeroCount,
    zeroThreshold: point.zeroThreshold,
    positive,
    negative,
  };
}

export function convertPbSummaryPoint(point: PbSummaryDataPoint, ctx: PointContext): SummaryPoint {
  checkBucketCount(point.quantileValues.length, ctx.limits.maxBucketsPerPoint, 'quantile');
  const quantileValues = point.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value }));
  checkQuantiles(quantileValues);
  return {
    ...pointCommon(ctx.origin, 'summary', {
      startTimeUnixNano: uint64ToBigInt(point.startTimeUnixNano),
      timeUnixNano: uint64ToBigInt(point.timeUnixNano),
      flags: point.flags,
      attributes: convertPbAttributes(point.attributes, ctx.attributeLimits, 'attribute'),
      exemplars: EMPTY_EXEMPLARS,
    }),
    type: 'summary',
    count: uint64ToBigInt(point.count),
    sum: point.sum,
    quantileValues,
  };
}
