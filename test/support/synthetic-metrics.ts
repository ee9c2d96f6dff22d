// One data point of every metric type, with what is hardest to store: int64 extremes, NaN and
// infinities, -0, exemplars of both value types, odd text. Shared by the row and storage tests.
import { canonicalAttributes, seriesFingerprint } from '../../collector/otlp/series-fingerprint.ts';
import type { MetricPoint, MetricPointCommon, MetricType } from '../../common/model/metric.ts';
import type { Attribute } from '../../common/model/span.ts';

const RESOURCE: Attribute[] = [
  { key: 'service.name', value: { type: 'string', value: 'checkout' } },
  { key: 'host.name', value: { type: 'string', value: `web-'1"\\` } },
];

function base(tenant: string, name: string, type: MetricType, i: number, timeUnixNano: bigint): MetricPointCommon {
  const attributes: Attribute[] = [
    { key: 'route', value: { type: 'string', value: `/r/${i}` } },
    { key: 'code', value: { type: 'int', value: 200n } },
  ];
  return {
    tenant,
    metricName: name,
    description: `the ${type} "metric"`,
    unit: 'ms',
    serviceName: 'checkout',
    resourceAttributes: RESOURCE,
    scopeName: 'scope',
    scopeVersion: '1.0',
    attributes,
    startTimeUnixNano: timeUnixNano - 10_000_000_000n,
    timeUnixNano,
    flags: i % 2,
    exemplars: [],
    seriesFingerprint: seriesFingerprint(tenant, name, type, canonicalAttributes(RESOURCE), attributes),
  };
}

/** Five points (one per type) for index `i`; values that parse exactly on every engine. */
export function syntheticMetricPoints(tenant: string, i: number, timeUnixNano: bigint): MetricPoint[] {
  const exemplars = [
    {
      timeUnixNano: timeUnixNano - 1n,
      value: { type: 'double' as const, value: 0.25 },
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      filteredAttributes: [{ key: 'user', value: { type: 'string' as const, value: 'u-1' } }],
    },
    { timeUnixNano: 2n ** 64n - 1n, value: { type: 'int' as const, value: -(2n ** 63n) }, traceId: '', spanId: '', filteredAttributes: [] },
  ];
  return [
    { ...base(tenant, 'queue.depth', 'gauge', i, timeUnixNano), exemplars, type: 'gauge', value: { type: 'double', value: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 12.5][i % 5] ?? 0 } },
    { ...base(tenant, 'http.requests', 'sum', i, timeUnixNano), type: 'sum', value: { type: 'int', value: 2n ** 63n - 1n - BigInt(i) }, temporality: 2, monotonic: true },
    {
      ...base(tenant, 'http.duration', 'histogram', i, timeUnixNano),
      exemplars,
      type: 'histogram', temporality: 1, count: 6n + BigInt(i), sum: 640.5, min: null, max: 300,
      bucketCounts: [1n, 3n, 2n + BigInt(i)], explicitBounds: [0.1, 100],
    },
    {
      ...base(tenant, 'payload.size', 'exponential_histogram', i, timeUnixNano),
      type: 'exponential_histogram', temporality: 1, count: 9n, sum: null, min: -40, max: 700, scale: -3, zeroCount: 1n, zeroThreshold: 1e-9,
      positive: { offset: -2, bucketCounts: [1n, 2n, 3n] }, negative: { offset: 5, bucketCounts: [2n] },
    },
    {
      ...base(tenant, 'rpc.latency', 'summary', i, timeUnixNano),
      type: 'summary', count: 18446744073709551615n, sum: 52.5,
      quantileValues: [{ quantile: 0, value: 0.001 }, { quantile: 0.99, value: 0.25 }, { quantile: 1, value: 1.5 }],
    },
  ];
}
