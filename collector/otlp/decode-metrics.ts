// Entry point for OTLP metrics decoding: turns an OTLP/HTTP request body (protobuf or JSON) into
// Cairn MetricPoints for one tenant, with OTLP partial-success figures counted in data points.
// Throws OtlpDecodeError when the body as a whole cannot be decoded, or holds more data points
// than maxDataPointsPerRequest (answer with HTTP 400).
import type { MetricsDecodeResult } from './metrics-decode-result.ts';
import { decodeJsonMetricsRequest } from './metrics-json-request.ts';
import type { MetricDecodeLimits } from './metrics-limits.ts';
import { defaultMetricDecodeLimits } from './metrics-limits.ts';
import { decodeProtobufMetricsRequest } from './metrics-proto-request.ts';

export { OtlpDecodeError } from './decode-error.ts';
export type { MetricsDecodeResult } from './metrics-decode-result.ts';
export { defaultMetricDecodeLimits } from './metrics-limits.ts';
export type { MetricDecodeLimits } from './metrics-limits.ts';

export function decodeMetricsProtobuf(
  body: Uint8Array,
  tenant: string,
  limits: MetricDecodeLimits = defaultMetricDecodeLimits,
): MetricsDecodeResult {
  return decodeProtobufMetricsRequest(body, tenant, limits);
}

export function decodeMetricsJson(
  body: Uint8Array | string,
  tenant: string,
  limits: MetricDecodeLimits = defaultMetricDecodeLimits,
): MetricsDecodeResult {
  return decodeJsonMetricsRequest(body, tenant, limits);
}
