// The fields every data point type shares, assembled the same way by both decoders: the origin's
// labels, the point's own attributes and times, and the series fingerprint they hash to.
import type { Exemplar, MetricNumber, MetricPointCommon, MetricType } from '../../common/model/metric.ts';
import { FLAG_NO_RECORDED_VALUE } from '../../common/model/metric.ts';
import type { Attribute } from '../../common/model/span.ts';
import type { TraceDecodeLimits } from './limits.ts';
import type { MetricOrigin } from './metric-origin.ts';
import type { MetricDecodeLimits } from './metrics-limits.ts';
import { SpanRejection } from './rejections.ts';
import { seriesFingerprint } from './series-fingerprint.ts';
import { checkPointTime } from './validate-metric.ts';

/** What converting one metric's points needs: its origin, the limits, and the attribute converters' view of them. */
export interface PointContext {
  readonly origin: MetricOrigin;
  readonly limits: MetricDecodeLimits;
  readonly attributeLimits: TraceDecodeLimits;
}

export interface PointFields {
  readonly attributes: readonly Attribute[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly flags: number;
  readonly exemplars: readonly Exemplar[];
}

export function pointCommon(origin: MetricOrigin, type: MetricType, fields: PointFields): MetricPointCommon {
  checkPointTime(fields.timeUnixNano);
  return {
    tenant: origin.tenant,
    metricName: origin.metricName,
    description: origin.description,
    unit: origin.unit,
    serviceName: origin.serviceName,
    resourceAttributes: origin.resourceAttributes,
    scopeName: origin.scopeName,
    scopeVersion: origin.scopeVersion,
    attributes: fields.attributes,
    startTimeUnixNano: fields.startTimeUnixNano,
    timeUnixNano: fields.timeUnixNano,
    flags: fields.flags,
    exemplars: fields.exemplars,
    seriesFingerprint: seriesFingerprint(origin.tenant, origin.metricName, type, origin.resourceCanonical, fields.attributes),
  };
}

const NO_VALUE: MetricNumber = Object.freeze({ type: 'double', value: Number.NaN });

/**
 * A number point must carry as_double or as_int, unless its flags say it has no recorded value
 * (a staleness marker), which Cairn stores as NaN.
 */
export function missingNumberValue(flags: number): MetricNumber {
  if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return NO_VALUE;
  throw new SpanRejection('value must be set (as_double or as_int)');
}
