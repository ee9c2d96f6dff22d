// Converts one OTLP/JSON data point of each metric type into a MetricPoint, throwing
// SpanRejection on the first rule it breaks (including a field of the wrong JSON type). Messages
// use the OTLP proto field names, the same as the protobuf decoder's.
import type {
  Exemplar,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  GaugePoint,
  HistogramPoint,
  MetricNumber,
  SumPoint,
  SummaryPoint,
} from '../../common/model/metric.ts';
import { hexStringToId } from './ids.ts';
import { convertJsonAttributes } from './json-attributes.ts';
import type { JsonObject } from './json-fields.ts';
import { arrayField, isJsonObject, pick } from './json-fields.ts';
import type { PointContext, PointFields } from './metric-point.ts';
import { missingNumberValue, pointCommon } from './metric-point.ts';
import {
  doubleAt,
  doubleListAt,
  doubleValue,
  int32At,
  int64Value,
  optionalDoubleAt,
  uint32At,
  uint64At,
  uint64ListAt,
} from './metrics-json-fields.ts';
import { SpanRejection } from './rejections.ts';
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

function asObject(point: unknown): JsonObject {
  if (!isJsonObject(point)) throw new SpanRejection('data point must be an object');
  return point;
}

function numberValue(obj: JsonObject, flags: number): MetricNumber {
  const asDouble = pick(obj, 'asDouble', 'as_double');
  if (asDouble !== undefined) return { type: 'double', value: doubleValue(asDouble, 'as_double') };
  const asInt = pick(obj, 'asInt', 'as_int');
  if (asInt !== undefined) return { type: 'int', value: int64Value(asInt, 'as_int') };
  return missingNumberValue(flags);
}

function optionalId(raw: unknown, bytes: number, field: string): string {
  return raw === undefined || raw === '' ? '' : hexStringToId(raw, bytes, field);
}

function convertExemplars(raw: unknown, ctx: PointContext): readonly Exemplar[] {
  const list = arrayField(raw, 'exemplars');
  if (list.length === 0) return EMPTY_EXEMPLARS;
  checkExemplarCount(list.length, ctx.limits.maxExemplarsPerPoint);
  return list.map((item) => {
    if (!isJsonObject(item)) throw new SpanRejection('exemplar must be an object');
    return {
      timeUnixNano: uint64At(item, 'timeUnixNano', 'time_unix_nano'),
      value: numberValue(item, 0),
      traceId: optionalId(pick(item, 'traceId', 'trace_id'), TRACE_ID_BYTES, 'exemplar trace_id'),
      spanId: optionalId(pick(item, 'spanId', 'span_id'), SPAN_ID_BYTES, 'exemplar span_id'),
      filteredAttributes: convertJsonAttributes(
        pick(item, 'filteredAttributes', 'filtered_attributes'),
        ctx.attributeLimits,
        'exemplar attribute',
      ),
    };
  });
}

function fields(obj: JsonObject, ctx: PointContext, exemplars: boolean): PointFields {
  return {
    startTimeUnixNano: uint64At(obj, 'startTimeUnixNano', 'start_time_unix_nano'),
    timeUnixNano: uint64At(obj, 'timeUnixNano', 'time_unix_nano'),
    flags: uint32At(obj, 'flags'),
    attributes: convertJsonAttributes(obj.attributes, ctx.attributeLimits, 'attribute'),
    exemplars: exemplars ? convertExemplars(obj.exemplars, ctx) : EMPTY_EXEMPLARS,
  };
}

export function convertJsonNumberPoint(point: unknown, ctx: PointContext): GaugePoint {
  const obj = asObject(point);
  const common = pointCommon(ctx.origin, 'gauge', fields(obj, ctx, true));
  return { ...common, type: 'gauge', value: numberValue(obj, common.flags) };
}

export function convertJsonSumPoint(point: unknown, temporality: number, monotonic: boolean, ctx: PointContext): SumPoint {
  checkTemporality(temporality);
  const obj = asObject(point);
  const common = pointCommon(ctx.origin, 'sum', fields(obj, ctx, true));
  return { ...common, type: 'sum', value: numberValue(obj, common.flags), temporality, monotonic };
}

export function convertJsonHistogramPoint(point: unknown, temporality: number, ctx: PointContext): HistogramPoint {
  checkTemporality(temporality);
  const obj = asObject(point);
  const limit = (noun: string) => (n: number): void => {
    checkBucketCount(n, ctx.limits.maxBucketsPerPoint, noun);
  };
  const count = uint64At(obj, 'count', 'count');
  const bucketCounts = uint64ListAt(obj, 'bucketCounts', 'bucket_counts', limit('bucket'));
  const explicitBounds = doubleListAt(obj, 'explicitBounds', 'explicit_bounds', limit('bound'));
  checkHistogram(count, bucketCounts, explicitBounds);
  return {
    ...pointCommon(ctx.origin, 'histogram', fields(obj, ctx, true)),
    type: 'histogram',
    temporality,
    count,
    sum: optionalDoubleAt(obj, 'sum'),
    min: optionalDoubleAt(obj, 'min'),
    max: optionalDoubleAt(obj, 'max'),
    bucketCounts,
    explicitBounds,
  };
}

function buckets(raw: unknown, ctx: PointContext, noun: string): ExponentialBuckets {
  if (raw === undefined || raw === null) return EMPTY_BUCKETS;
  if (!isJsonObject(raw)) throw new SpanRejection(`${noun}s must be an object`);
  return {
    offset: int32At(raw, 'offset'),
    bucketCounts: uint64ListAt(raw, 'bucketCounts', 'bucket_counts', (n) => {
      checkBucketCount(n, ctx.limits.maxBucketsPerPoint, noun);
    }),
  };
}

export function convertJsonExponentialHistogramPoint(point: unknown, temporality: number, ctx: PointContext): ExponentialHistogramPoint {
  checkTemporality(temporality);
  const obj = asObject(point);
  const count = uint64At(obj, 'count', 'count');
  const scale = int32At(obj, 'scale');
  const zeroCount = uint64At(obj, 'zeroCount', 'zero_count');
  const zeroThreshold = doubleAt(obj, 'zeroThreshold', 'zero_threshold');
  const positive = buckets(obj.positive, ctx, 'positive bucket');
  const negative = buckets(obj.negative, ctx, 'negative bucket');
  checkExponentialHistogram(count, scale, zeroCount, zeroThreshold, positive, negative);
  return {
    ...pointCommon(ctx.origin, 'exponential_histogram', fields(obj, ctx, true)),
    type: 'exponential_histogram',
    temporality,
    count,
    sum: optionalDoubleAt(obj, 'sum'),
    min: optionalDoubleAt(obj, 'min'),
    max: optionalDoubleAt(obj, 'max'),
    scale,
    zeroCount,
    zeroThreshold,
    positive,
    negative,
  };
}

export function convertJsonSummaryPoint(point: unknown, ctx: PointContext): SummaryPoint {
  const obj = asObject(point);
  const list = arrayField(pick(obj, 'quantileValues', 'quantile_values'), 'quantile_values');
  checkBucketCount(list.length, ctx.limits.maxBucketsPerPoint, 'quantile');
  const quantileValues = list.map((item, i) => {
    if (!isJsonObject(item)) throw new SpanRejection(`quantile_values[${i}] must be an object`);
    return { quantile: doubleAt(item, 'quantile', 'quantile'), value: doubleAt(item, 'value', 'value') };
  });
  checkQuantiles(quantileValues);
  return {
    ...pointCommon(ctx.origin, 'summary', fields(obj, ctx, false)),
    type: 'summary',
    count: uint64At(obj, 'count', 'count'),
    sum: doubleAt(obj, 'sum', 'sum'),
    quantileValues,
  };
}
