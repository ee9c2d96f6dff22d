// The OTLP metrics protobuf schema, loaded once from ./proto at module load, and the shapes
// protobufjs decodes it into. Like the trace schema, decoding goes straight through the reflected
// Type; which oneof member (or proto3 `optional` field) was sent is told by own properties.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { PbKeyValue, PbLong } from './proto-schema.ts';

const PROTO_DIR = fileURLToPath(new URL('./proto', import.meta.url));

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as in upstream.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  root.resolveAll();
  return root;
}

const root = loadRoot();

export const exportMetricsServiceRequestType: protobuf.Type = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
);
export const exportMetricsServiceResponseType: protobuf.Type = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
);

export interface PbExemplar {
  readonly filteredAttributes: readonly PbKeyValue[];
  readonly timeUnixNano: PbLong;
  readonly asDouble: number;
  readonly asInt: PbLong;
  readonly spanId: Uint8Array;
  readonly traceId: Uint8Array;
}

interface PbPointCommon {
  readonly attributes: readonly PbKeyValue[];
  readonly startTimeUnixNano: PbLong;
  readonly timeUnixNano: PbLong;
  readonly flags: number;
}

export interface PbNumberDataPoint extends PbPointCommon {
  readonly asDouble: number;
  readonly asInt: PbLong;
  readonly exemplars: readonly PbExemplar[];
}

export interface PbHistogramDataPoint extends PbPointCommon {
  readonly count: PbLong;
  readonly sum: number | null;
  readonly bucketCounts: readonly PbLong[];
  readonly explicitBounds: readonly number[];
  readonly exemplars: readonly PbExemplar[];
  readonly min: number | null;
  readonly max: number | null;
}

export interface PbBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly PbLong[];
}

export interface PbExponentialHistogramDataPoint extends PbPointCommon {
  readonly count: PbLong;
  readonly sum: number | null;
  readonly scale: number;
  readonly zeroCount: PbLong;
  readonly positive: PbBuckets | null;
  readonly negative: PbBuckets | null;
  readonly exemplars: readonly PbExemplar[];
  readonly min: number | null;
  readonly max: number | null;
  readonly zeroThreshold: number;
}

export interface PbSummaryDataPoint extends PbPointCommon {
  readonly count: PbLong;
  readonly sum: number;
  readonly quantileValues: readonly { readonly quantile: number; readonly value: number }[];
}

export interface PbMetric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly gauge: { readonly dataPoints: readonly PbNumberDataPoint[] } | null;
  readonly sum: {
    readonly dataPoints: readonly PbNumberDataPoint[];
    readonly aggregationTemporality: number;
    readonly isMonotonic: boolean;
  } | null;
  readonly histogram: {
    readonly dataPoints: readonly PbHistogramDataPoint[];
    readonly aggregationTemporality: number;
  } | null;
  readonly exponentialHistogram: {
    readonly dataPoints: readonly PbExponentialHistogramDataPoint[];
    readonly aggregationTemporality: number;
  } | null;
  readonly summary: { readonly dataPoints: readonly PbSummaryDataPoint[] } | null;
}

export interface PbScopeMetrics {
  readonly scope: { readonly name: string; readonly version: string } | null;
  readonly metrics: readonly PbMetric[];
}

export interface PbResourceMetrics {
  readonly resource: { readonly attributes: readonly PbKeyValue[] } | null;
  readonly scopeMetrics: readonly PbScopeMetrics[];
}

export interface PbExportMetricsServiceRequest {
  readonly resourceMetrics: readonly PbResourceMetrics[];
}

/** The data points of a metric, whatever its type; [] for a metric with no data set. */
export function pbMetricPoints(metric: PbMetric): readonly unknown[] {
  return (
    metric.gauge?.dataPoints ??
    metric.sum?.dataPoints ??
    metric.histogram?.dataPoints ??
    metric.exponentialHistogram?.dataPoints ??
    metric.summary?.dataPoints ??
    []
  );
}
