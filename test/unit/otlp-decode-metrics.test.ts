// OTLP metrics decoding: round-trips bodies from the OpenTelemetry JS serializers (protobuf and
// JSON) for every type they write, hand-built bodies for summaries and exemplars, every rejection
// rule, the request-wide point limit, undecodable bodies, and series fingerprint stability.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  defaultMetricDecodeLimits,
  OtlpDecodeError,
} from '../../collector/otlp/decode-metrics.ts';
import type { MetricsDecodeResult } from '../../collector/otlp/decode-metrics.ts';
import { exportMetricsServiceRequestType } from '../../collector/otlp/metrics-proto-schema.ts';
import { canonicalAttributes, seriesFingerprint } from '../../collector/otlp/series-fingerprint.ts';
import type { MetricPoint } from '../../common/model/metric.ts';
import type { Attribute } from '../../common/model/span.ts';

const TENANT = 'acme';
const RESOURCE: Attribute[] = [
  { key: 'service.name', value: { type: 'string', value: 'checkout' } },
  { key: 'host.name', value: { type: 'string', value: 'web-1' } },
];

/** Every type the OTel JS SDK exports (it has no summaries), with non-default values throughout. */
function sdkResourceMetrics(): ResourceMetrics {
  const start: [number, number] = [1700000000, 0];
  const end: [number, number] = [1700000010, 5];
  return {
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-1' }),
    scopeMetrics: [
      {
        scope: { name: '@cairn/test-meter', version: '1.2.3' },
        metrics: [
          {
            descriptor: { name: 'queue.depth', description: 'items waiting', unit: '{item}', valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [{ startTime: start, endTime: end, attributes: { queue: 'orders', shard: 3 }, value: 12.5 }],
          },
          {
            descriptor: { name: 'http.requests', description: 'requests served', unit: '{request}', valueType: ValueType.INT },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.SUM,
            isMonotonic: true,
            dataPoints: [
              { startTime: start, endTime: end, attributes: { route: '/a' }, value: 42 },
              { startTime: start, endTime: end, attributes: { route: '/b' }, value: -7 },
            ],
          },
          {
            descriptor: { name: 'http.duration', description: 'latency', unit: 'ms', valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints: [
              {
                startTime: start,
                endTime: end,
                attributes: { route: '/a' },
                value: { buckets: { boundaries: [10, 100], counts: [1, 3, 2] }, count: 6, sum: 640.5, min: 2, max: 300 },
              },
            ],
          },
          {
            descriptor: { name: 'payload.size', description: '', unit: 'By', valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
            dataPoints: [
              {
                startTime: start,
                endTime: end,
                attributes: {},
                value: {
                  count: 9,
                  sum: 1234.5,
                  scale: 3,
                  zeroCount: 1,
                  positive: { offset: -2, bucketCounts: [1, 2, 3] },
                  negative: { offset: 5, bucketCounts: [2] },
                  min: -40,
                  max: 700,
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const str = (key: string, value: string): Attribute => ({ key, value: { type: 'string', value } });
const int = (key: string, value: bigint): Attribute => ({ key, value: { type: 'int', value } });

function common(metricName: string, description: string, unit: string, type: MetricPoint['type'], attributes: Attribute[]) {
  return {
    tenant: TENANT,
    metricName,
    description,
    unit,
    serviceName: 'checkout',
    resourceAttributes: RESOURCE,
    scopeName: '@cairn/test-meter',
    scopeVersion: '1.2.3',
    attributes,
    startTimeUnixNano: 1700000000_000000000n,
    timeUnixNano: 1700000010_000000005n,
    flags: 0,
    exemplars: [],
    seriesFingerprint: seriesFingerprint(TENANT, metricName, type, canonicalAttributes(RESOURCE), attributes),
  };
}

const expectedSdkPoints: MetricPoint[] = [
  { ...common('queue.depth', 'items waiting', '{item}', 'gauge', [str('queue', 'orders'), int('shard', 3n)]), type: 'gauge', value: { type: 'double', value: 12.5 } },
  { ...common('http.requests', 'requests served', '{request}', 'sum', [str('route', '/a')]), type: 'sum', value: { type: 'int', value: 42n }, temporality: 2, monotonic: true },
  { ...common('http.requests', 'requests served', '{request}', 'sum', [str('route', '/b')]), type: 'sum', value: { type: 'int', value: -7n }, temporality: 2, monotonic: true },
  {
    ...common('http.duration', 'latency', 'ms', 'histogram', [str('route', '/a')]),
    type: 'histogram', temporality: 1, count: 6n, sum: 640.5, min: 2, max: 300, bucketCounts: [1n, 3n, 2n], explicitBounds: [10, 100],
  },
  {
    ...common('payload.size', '', 'By', 'exponential_histogram', []),
    type: 'exponential_histogram', temporality: 1, count: 9n, sum: 1234.5, min: -40, max: 700, scale: 3, zeroCount: 1n, zeroThreshold: 0,
    positive: { offset: -2, bucketCounts: [1n, 2n, 3n] }, negative: { offset: 5, bucketCounts: [2n] },
  },
];

/** An OTLP/JSON request with one resource (RESOURCE) and one scope holding `metrics`. */
function jsonRequest(metrics: object[], resourceAttributes: object[] = [{ key: 'service.name', value: { stringValue: 'checkout' } }]): string {
  return JSON.stringify({ resourceMetrics: [{ resource: { attributes: resourceAttributes }, scopeMetrics: [{ scope: { name: 's' }, metrics }] }] });
}

/** The same request as protobuf, encoded by Cairn's own schema from the JSON-shaped object. */
function protobufRequest(json: string): Uint8Array {
  // OTLP/JSON ids are hex; protobufjs' fromObject reads strings for bytes fields as base64.
  const hexIds = (key: string, value: unknown): unknown =>
    (key === 'traceId' || key === 'spanId') && typeof value === 'string' ? Buffer.from(value, 'hex') : value;
  const message = exportMetricsServiceRequestType.fromObject(JSON.parse(json, hexIds) as Record<string, unknown>);
  return exportMetricsServiceRequestType.encode(message).finish();
}

/** Decodes a JSON request through both decoders and checks they agree. */
function decodeBoth(json: string, limits = defaultMetricDecodeLimits): MetricsDecodeResult {
  const fromJson = decodeMetricsJson(json, TENANT, limits);
  const fromProto = decodeMetricsProtobuf(protobufRequest(json), TENANT, limits);
  assert.deepEqual(fromProto, fromJson, 'protobuf and JSON decoders disagree');
  return fromJson;
}

const gaugePoint = (extra: object = {}): object => ({ timeUnixNano: '1700000000000000000', asDouble: 1.5, ...extra });
const gauge = (points: object[], name = 'g'): object => ({ name, gauge: { dataPoints: points } });

const summaryJson = jsonRequest([
  {
    name: 'rpc.latency',
    unit: 's',
    summary: {
      dataPoints: [
        {
          attributes: [{ key: 'method', value: { stringValue: 'Get' } }],
          startTimeUnixNano: '1699999990000000000',
          timeUnixNano: '1700000000000000000',
          count: '1000',
          sum: 52.5,
          quantileValues: [{ quantile: 0, value: 0.001 }, { quantile: 0.99, value: 0.25 }, { quantile: 1, value: 1.5 }],
          flags: 0,
        },
      ],
    },
  },
]);

const exemplarJson = jsonRequest([
  {
    name: 'jobs',
    sum: {
      aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
      isMonotonic: false,
      dataPoints: [
        {
          timeUnixNano: '1700000000000000000',
          asInt: '-9223372036854775808',
          flags: 1,
          exemplars: [
            {
              timeUnixNano: '1699999999000000000',
              asDouble: 0.5,
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              filteredAttributes: [{ key: 'user', value: { stringValue: 'u-1' } }],
            },
            { timeUnixNano: '1699999999500000000', asInt: '9007199254740993' },
          ],
        },
      ],
    },
  },
]);

void describe('OTLP metrics decoding: OTel serializer round trip', () => {
  void it('protobuf: every SDK metric type decodes to the expected points', () => {
    const body = ProtobufMetricsSerializer.serializeRequest(sdkResourceMetrics());
    assert.ok(body !== undefined);
    assert.deepEqual(decodeMetricsProtobuf(body, TENANT), { points: expectedSdkPoints, rejected: 0, errorMessage: '' });
  });

  void it('JSON: the same points as protobuf', () => {
    const body = JsonMetricsSerializer.serializeRequest(sdkResourceMetrics());
    assert.ok(body !== undefined);
    assert.deepEqual(decodeMetricsJson(body, TENANT), { points: expectedSdkPoints, rejected: 0, errorMessage: '' });
  });

  void it('summary (hand-built, the SDK has none): count, sum and quantiles', () => {
    const { points, rejected } = decodeBoth(summaryJson);
    assert.equal(rejected, 0);
    const [point] = points;
    assert.ok(point?.type === 'summary');
    assert.equal(point.count, 1000n);
    assert.equal(point.sum, 52.5);
    assert.equal(point.startTimeUnixNano, 1699999990000000000n);
    assert.deepEqual(point.quantileValues, [{ quantile: 0, value: 0.001 }, { quantile: 0.99, value: 0.25 }, { quantile: 1, value: 1.5 }]);
    assert.deepEqual(point.exemplars, []);
  });

  void it('exemplars: double and int values, ids, filtered attributes; int64 extremes exact', () => {
    const { points } = decodeBoth(exemplarJson);
    const [point] = points;
    assert.ok(point?.type === 'sum');
    assert.deepEqual(point.value, { type: 'int', value: -(2n ** 63n) });
    assert.equal(point.temporality, 1);
    assert.equal(point.monotonic, false);
    assert.equal(point.flags, 1);
    assert.deepEqual(point.exemplars, [
      {
        timeUnixNano: 1699999999000000000n,
        value: { type: 'double', value: 0.5 },
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        filteredAttributes: [str('user', 'u-1')],
      },
      { timeUnixNano: 1699999999500000000n, value: { type: 'int', value: 9007199254740993n }, traceId: '', spanId: '', filteredAttributes: [] },
    ]);
  });

  void it('a metric with no data field is ignored, not rejected', () => {
    const result = decodeBoth(jsonRequest([{ name: 'empty', unit: '1' }, gauge([gaugePoint()])]));
    assert.equal(result.points.length, 1);
    assert.equal(result.rejected, 0);
    assert.equal(result.errorMessage, '');
  });

  void it('a point flagged "no recorded value" without a value stores NaN', () => {
    const { points } = decodeBoth(jsonRequest([gauge([{ timeUnixNano: '1', flags: 1 }])]));
    assert.ok(points[0]?.type === 'gauge');
    assert.deepEqual(points[0].value, { type: 'double', value: Number.NaN });
  });
});

/** Asserts the request rejects exactly `rejected` points, with `reason` in the message. */
function assertRejects(json: string, rejected: number, reason: RegExp, limits = defaultMetricDecodeLimits): void {
  const result = decodeBoth(json, limits);
  assert.equal(result.rejected, rejected, result.errorMessage);
  assert.match(result.errorMessage, reason);
  assert.match(result.errorMessage, new RegExp(`^${rejected} data points? rejected: `));
}

const histogram = (point: object): object => ({
  name: 'h',
  histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '5', ...point }] },
});
const expHistogram = (point: object): object => ({
  name: 'e',
  exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: '5', ...point }] },
});
const summary = (point: object): object => ({ name: 's', summary: { dataPoints: [{ timeUnixNano: '5', ...point }] } });

void describe('OTLP metrics decoding: rejection rules (counted in data points)', () => {
  void it('time_unix_nano 0', () => {
    assertRejects(jsonRequest([gauge([gaugePoint(), gaugePoint({ timeUnixNano: '0' })])]), 1, /point 1: time_unix_nano must not be 0/);
  });

  void it('histogram: bucket_counts length must be explicit_bounds + 1, unless both are empty', () => {
    assertRejects(jsonRequest([histogram({ count: '3', bucketCounts: ['1', '2'], explicitBounds: [1, 2] })]), 1, /bucket_counts has 2 entries/);
    assertRejects(jsonRequest([histogram({ count: '0', bucketCounts: [], explicitBounds: [1] })]), 1, /want bounds \+ 1/);
    const ok = decodeBoth(jsonRequest([histogram({ count: '3', sum: 4 })]));
    assert.equal(ok.rejected, 0);
  });

  void it('histogram: bucket counts must sum to count, bounds strictly increase', () => {
    assertRejects(jsonRequest([histogram({ count: '4', bucketCounts: ['1', '2'], explicitBounds: [1] })]), 1, /sum to 3, count is 4/);
    assertRejects(jsonRequest([histogram({ count: '3', bucketCounts: ['1', '1', '1'], explicitBounds: [2, 1] })]), 1, /strictly increasing/);
  });

  void it('exponential histogram: zero_count + buckets must equal count; scale and zero_threshold in range', () => {
    const positive = { offset: 0, bucketCounts: ['2'] };
    assertRejects(jsonRequest([expHistogram({ count: '5', zeroCount: '1', positive })]), 1, /sum to 3, count is 5/);
    assertRejects(jsonRequest([expHistogram({ count: '3', zeroCount: '1', positive, scale: 21 })]), 1, /scale must be -10..20/);
    assertRejects(jsonRequest([expHistogram({ count: '3', zeroCount: '1', positive, zeroThreshold: -1 })]), 1, /zero_threshold/);
    assert.equal(decodeBoth(jsonRequest([expHistogram({ count: '3', zeroCount: '1', positive, scale: -10 })])).rejected, 0);
  });

  void it('summary: quantiles outside [0, 1] and negative quantile values', () => {
    assertRejects(jsonRequest([summary({ quantileValues: [{ quantile: 1.5, value: 1 }] })]), 1, /quantile must be in \[0, 1\], got 1.5/);
    assertRejects(jsonRequest([summary({ quantileValues: [{ quantile: -0.1, value: 1 }] })]), 1, /got -0.1/);
    assertRejects(jsonRequest([summary({ quantileValues: [{ quantile: 'NaN', value: 1 }] })]), 1, /got NaN/);
    assertRejects(jsonRequest([summary({ quantileValues: [{ quantile: 0.5, value: -1 }] })]), 1, /must not be negative/);
  });

  void it('attribute limits as for spans: point, exemplar and resource attributes', () => {
    const limits = { ...defaultMetricDecodeLimits, maxAttributes: 1, maxAttributeValueBytes: 4 };
    const two = [{ key: 'a', value: { stringValue: 'x' } }, { key: 'b', value: { stringValue: 'y' } }];
    const svc = [{ key: 'service.name', value: { stringValue: 'svc' } }];
    assertRejects(jsonRequest([gauge([gaugePoint({ attributes: two }), gaugePoint()])], svc), 1, /2 attributes, limit maxAttributes=1/, limits);
    assertRejects(
      jsonRequest([gauge([gaugePoint({ attributes: [{ key: 'a', value: { stringValue: 'too long' } }] })])], svc),
      1,
      /attribute 'a' value is 8 bytes, limit maxAttributeValueBytes=4/,
      limits,
    );
    assertRejects(
      jsonRequest([gauge([gaugePoint({ exemplars: [{ timeUnixNano: '1', asDouble: 1, filteredAttributes: two }] })])], svc),
      1,
      /2 exemplar attributes/,
      limits,
    );
    // A bad resource rejects every point under it.
    assertRejects(jsonRequest([gauge([gaugePoint(), gaugePoint()]), summary({})], two), 3, /^3 data points rejected: resource 0: 2 resource attributes/, limits);
  });

  void it('metric name empty or over 255 bytes rejects all of its points', () => {
    assertRejects(jsonRequest([gauge([gaugePoint(), gaugePoint()], '')]), 2, /metric 0: metric name must not be empty/);
    assertRejects(jsonRequest([gauge([gaugePoint()], 'é'.repeat(128))]), 1, /metric name is 256 bytes, limit maxMetricNameBytes=255/);
    assert.equal(decodeBoth(jsonRequest([gauge([gaugePoint()], 'm'.repeat(255))])).rejected, 0);
  });

  void it('number point without a value, bad exemplar ids, bad temporality', () => {
    assertRejects(jsonRequest([gauge([{ timeUnixNano: '1' }])]), 1, /value must be set/);
    // Ids are hex in JSON and bytes in protobuf, so the two messages differ; each decoder separately.
    const badId = jsonRequest([gauge([gaugePoint({ exemplars: [{ timeUnixNano: '1', asDouble: 1, traceId: 'abcd' }] })])]);
    assert.match(decodeMetricsJson(badId, TENANT).errorMessage, /exemplar trace_id must be 32 hex characters, got 4/);
    assert.match(decodeMetricsProtobuf(protobufRequest(badId), TENANT).errorMessage, /exemplar trace_id must be 16 bytes, got 2/);
    assertRejects(jsonRequest([{ name: 's', sum: { aggregationTemporality: 3, dataPoints: [gaugePoint()] } }]), 1, /aggregation_temporality must be 0..2, got 3/);
  });

  void it('the summary message is bounded and worded for data points', () => {
    const result = decodeBoth(jsonRequest([gauge(Array.from({ length: 5 }, () => gaugePoint({ timeUnixNano: '0' })))]));
    assert.equal(result.rejected, 5);
    assert.match(result.errorMessage, /^5 data points rejected: (resource 0 scope 0 metric 0 point \d: time_unix_nano must not be 0; ){2}.*; \.\.\.$/);
  });
});

void describe('OTLP metrics decoding: whole-request failures', () => {
  void it('more data points than maxDataPointsPerRequest fails the request', () => {
    const limits = { ...defaultMetricDecodeLimits, maxDataPointsPerRequest: 2 };
    const json = jsonRequest([gauge([gaugePoint(), gaugePoint()]), summary({})]);
    const expected = { name: 'OtlpDecodeError', message: 'too many data points: 3 > 2 (CAIRN_MAX_DATA_POINTS_PER_REQUEST)' };
    assert.throws(() => decodeMetricsJson(json, TENANT, limits), expected);
    assert.throws(() => decodeMetricsProtobuf(protobufRequest(json), TENANT, limits), expected);
    assert.equal(defaultMetricDecodeLimits.maxDataPointsPerRequest, 50_000);
  });

  void it('undecodable protobuf and JSON bodies throw OtlpDecodeError', () => {
    assert.throws(() => decodeMetricsProtobuf(new Uint8Array([0x0a, 0xff, 0xff, 0xff]), TENANT), OtlpDecodeError);
    assert.throws(() => decodeMetricsJson('{"resourceMetrics": [', TENANT), /invalid JSON/);
    assert.throws(() => decodeMetricsJson('[]', TENANT), /request body must be a JSON object/);
    assert.throws(() => decodeMetricsJson('{"resourceMetrics": {}}', TENANT), /resourceMetrics must be an array/);
    assert.throws(
      () => decodeMetricsJson(jsonRequest([{ name: 'g', gauge: { dataPoints: 'x' } }]), TENANT),
      /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints must be an array/,
    );
  });

  void it('arbitrary bytes never throw anything but OtlpDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMetricsProtobuf(bytes, TENANT);
        } catch (err) {
          assert.ok(err instanceof OtlpDecodeError, String(err));
        }
      }),
    );
  });
});

void describe('series fingerprint', () => {
  const res = canonicalAttributes(RESOURCE);
  const attrs = [str('route', '/a'), int('code', 200n), str('method', 'GET')];

  void it('the same labels in any order give the same fingerprint', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(attrs, { minLength: 3, maxLength: 3 }), fc.shuffledSubarray(RESOURCE, { minLength: 2, maxLength: 2 }), (a, r) => {
        assert.equal(seriesFingerprint(TENANT, 'm', 'gauge', canonicalAttributes(r), a), seriesFingerprint(TENANT, 'm', 'gauge', res, attrs));
      }),
    );
  });

  void it('any different label, name, type, tenant or attribute type gives a different fingerprint', () => {
    const base = seriesFingerprint(TENANT, 'm', 'gauge', res, attrs);
    const variants = [
      seriesFingerprint(TENANT, 'm', 'gauge', res, [str('route', '/b'), int('code', 200n), str('method', 'GET')]),
      seriesFingerprint(TENANT, 'm', 'gauge', res, [str('route', '/a'), str('code', '200'), str('method', 'GET')]),
      seriesFingerprint(TENANT, 'm', 'gauge', res, attrs.slice(1)),
      seriesFingerprint(TENANT, 'm', 'gauge', canonicalAttributes(RESOURCE.slice(1)), attrs),
      seriesFingerprint(TENANT, 'm2', 'gauge', res, attrs),
      seriesFingerprint(TENANT, 'm', 'sum', res, attrs),
      seriesFingerprint('other', 'm', 'gauge', res, attrs),
    ];
    assert.equal(new Set([base, ...variants]).size, variants.length + 1);
    for (const f of [base, ...variants]) assert.ok(f >= 0n && f < 2n ** 64n);
  });

  void it('is stable across releases (pinned value)', () => {
    assert.equal(seriesFingerprint('t', 'g', 'gauge', canonicalAttributes([str('service.name', 'svc')]), [int('a', 1n)]), 5817454190851477792n);
  });

  void it('decoded points with reordered attributes share a fingerprint', () => {
    const a = [{ key: 'x', value: { stringValue: '1' } }, { key: 'y', value: { intValue: '2' } }];
    const { points } = decodeBoth(jsonRequest([gauge([gaugePoint({ attributes: a }), gaugePoint({ attributes: [...a].reverse() })])]));
    assert.equal(points.length, 2);
    assert.equal(points[0]?.seriesFingerprint, points[1]?.seriesFingerprint);
  });
});
