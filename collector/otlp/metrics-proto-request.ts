// Decodes an OTLP/protobuf ExportMetricsServiceRequest body and walks resources, scopes, metrics
// and data points, keeping the valid points and tallying the rejected ones.
import protobuf from 'protobufjs';
import type { MetricPoint } from '../../common/model/metric.ts';
import type { Attribute } from '../../common/model/span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import type { MetricOrigin } from './metric-origin.ts';
import type { MetricsDecodeResult } from './metrics-decode-result.ts';
import type { MetricDecodeLimits } from './metrics-limits.ts';
import { attributeLimits } from './metrics-limits.ts';
import type { PointContext } from './metric-point.ts';
import {
  convertPbExponentialHistogramPoint,
  convertPbHistogramPoint,
  convertPbNumberPoint,
  convertPbSummaryPoint,
  convertPbSumPoint,
} from './metrics-proto-point.ts';
import type { PbExportMetricsServiceRequest, PbMetric, PbResourceMetrics } from './metrics-proto-schema.ts';
import { exportMetricsServiceRequestType, pbMetricPoints } from './metrics-proto-schema.ts';
import { checkDataPointCount } from './point-count.ts';
import { DataPointTally } from './point-tally.ts';
import { convertPbAttributes } from './proto-attributes.ts';
import { SpanRejection } from './rejections.ts';
import { canonicalAttributes } from './series-fingerprint.ts';
import { serviceNameFrom } from './span-origin.ts';
import { checkMetricName } from './validate-metric.ts';

export function decodeProtobufMetricsRequest(body: Uint8Array, tenant: string, limits: MetricDecodeLimits): MetricsDecodeResult {
  const request = decodeRequest(body);
  checkDataPointCount(countPoints(request.resourceMetrics), limits);
  const attrLimits = attributeLimits(limits);
  const points: MetricPoint[] = [];
  const tally = new DataPointTally();

  for (let r = 0; r < request.resourceMetrics.length; r++) {
    const resourceMetrics = request.resourceMetrics[r];
    if (resourceMetrics === undefined) continue;
    let resourceAttributes: readonly Attribute[];
    try {
      resourceAttributes = convertPbAttributes(resourceMetrics.resource?.attributes ?? [], attrLimits, 'resource attribute');
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`resource ${r}`, err.message, countPoints([resourceMetrics]));
      continue;
    }
    const serviceName = serviceNameFrom(resourceAttributes);
    const resourceCanonical = canonicalAttributes(resourceAttributes);

    for (let c = 0; c < resourceMetrics.scopeMetrics.length; c++) {
      const scopeMetrics = resourceMetrics.scopeMetrics[c];
      if (scopeMetrics === undefined) continue;
      for (let m = 0; m < scopeMetrics.metrics.length; m++) {
        const metric = scopeMetrics.metrics[m];
        if (metric === undefined) continue;
        const where = `resource ${r} scope ${c} metric ${m}`;
        try {
          checkMetricName(metric.name, limits.maxMetricNameBytes);
        } catch (err) {
          if (!(err instanceof SpanRejection)) throw err;
          tally.add(where, err.message, pbMetricPoints(metric).length);
          continue;
        }
        const origin: MetricOrigin = {
          tenant,
          serviceName,
          resourceAttributes,
          scopeName: scopeMetrics.scope?.name ?? '',
          scopeVersion: scopeMetrics.scope?.version ?? '',
          metricName: metric.name,
          description: metric.description,
          unit: metric.unit,
          resourceCanonical,
        };
        convertMetric(metric, { origin, limits, attributeLimits: attrLimits }, where, points, tally);
      }
    }
  }
  return { points, rejected: tally.count, errorMessage: tally.message() };
}

/** Converts each point of one metric with `convert`, keeping the valid ones. */
function eachPoint<P>(
  list: readonly P[],
  convert: (point: P) => MetricPoint,
  where: string,
  points: MetricPoint[],
  tally: DataPointTally,
): void {
  for (let p = 0; p < list.length; p++) {
    const point = list[p];
    if (point === undefined) continue;
    try {
      points.push(convert(point));
    } catch (err) {
      if (!(err instanceof SpanRejection)) throw err;
      tally.add(`${where} point ${p}`, err.message);
    }
  }
}

function convertMetric(metric: PbMetric, ctx: PointContext, where: string, points: MetricPoint[], tally: DataPointTally): void {
  if (metric.gauge !== null) {
    eachPoint(metric.gauge.dataPoints, (p) => convertPbNumberPoint(p, ctx), where, points, tally);
  } else if (metric.sum !== null) {
    const { aggregationTemporality, isMonotonic } = metric.sum;
    eachPoint(metric.sum.dataPoints, (p) => convertPbSumPoint(p, aggregationTemporality, isMonotonic, ctx), where, points, tally);
  } else if (metric.histogram !== null) {
    const { aggregationTemporality } = metric.histogram;
    eachPoint(metric.histogram.dataPoints, (p) => convertPbHistogramPoint(p, aggregationTemporality, ctx), where, points, tally);
  } else if (metric.exponentialHistogram !== null) {
    const { aggregationTemporality } = metric.exponentialHistogram;
    eachPoint(
      metric.exponentialHistogram.dataPoints,
      (p) => convertPbExponentialHistogramPoint(p, aggregationTemporality, ctx),
      where,
      points,
      tally,
    );
  } else if (metric.summary !== null) {
    eachPoint(metric.summary.dataPoints, (p) => convertPbSummaryPoint(p, ctx), where, points, tally);
  }
  // A metric with no data set has no points: nothing to store, nothing to reject.
}

function decodeRequest(body: Uint8Array): PbExportMetricsServiceRequest {
  // A Buffer view gets protobufjs' BufferReader (native UTF-8 decoding), as in the trace decoder.
  const reader = protobuf.Reader.create(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  try {
    // The one unchecked cast: protobufjs returns an untyped Message whose shape the schema fixes.
    return exportMetricsServiceRequestType.decode(reader) as unknown as PbExportMetricsServiceRequest;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OtlpDecodeError(`invalid protobuf: ${reason} (at byte offset ${reader.pos})`);
  }
}

function countPoints(resources: readonly PbResourceMetrics[]): number {
  let n = 0;
  for (const resourceMetrics of resources) {
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) n += pbMetricPoints(metric).length;
    }
  }
  return n;
}
