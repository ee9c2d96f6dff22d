// Real OpenTelemetry SDK exporters over every OTLP transport (HTTP protobuf, HTTP JSON, gRPC) into
// the real pipeline: logs and metrics over all three, traces over gRPC (the HTTP ones are in
// e2e-traces), and API keys deciding the tenant on both HTTP and gRPC.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { fetchTrace } from '../fixtures/otlp-requests.ts';
import { eventually, startPipeline } from './support/pipeline.ts';
import type { Pipeline } from './support/pipeline.ts';

const KEY_A = `key-a-${randomBytes(8).toString('hex')}`;
const KEY_B = `key-b-${randomBytes(8).toString('hex')}`;
let pipeline: Pipeline;

before(async () => {
  pipeline = await startPipeline('transports', { CAIRN_AUTH: 'api-key', CAIRN_API_KEYS: `${KEY_A}=team-a,${KEY_B}=team-b` });
});

after(async () => {
  await pipeline.close();
});

interface StoredLog {
  tenant: string;
  severity_number: number;
  severity_text: string;
  body: string;
  trace_id: string;
  service_name: string;
}

async function logsWithMarker(marker: string): Promise<StoredLog[]> {
  const logs = qualified(pipeline.collectorConfig.clickhouse.target.database, identifier('logs', ['logs']));
  return pipeline.clickhouse.queryRows<StoredLog>(
    sql`SELECT tenant, severity_number, severity_text, body, trace_id, service_name FROM ${logs} WHERE has(attr_values, ${marker}) ORDER BY time_unix_nano`,
  );
}

async function emitLogs(exporter: LogRecordExporter, marker: string): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'log-emitter' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('e2e-transports', '1.0.0');
  for (let i = 0; i < 5; i++) {
    logger.emit({
      severityNumber: i === 4 ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: i === 4 ? 'ERROR' : 'INFO',
      body: `payment ${i} processed`,
      attributes: { marker, i },
      // Distinct times, so ORDER BY time_unix_nano gives emission order.
      timestamp: Date.now() + i,
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const bearer = { Authorization: `Bearer ${KEY_A}` };

for (const [transport, make] of [
  ['HTTP protobuf', () => new ProtoLogExporter({ url: `${pipeline.otlpUrl}/v1/logs`, headers: bearer })],
  ['HTTP JSON', () => new JsonLogExporter({ url: `${pipeline.otlpUrl}/v1/logs`, headers: bearer })],
  [
    'gRPC',
    () => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${KEY_A}`);
      return new GrpcLogExporter({ url: pipeline.grpcUrl, metadata });
    },
  ],
] as const) {
  void test(`logs from the SDK exporter over ${transport} are stored with their tenant`, async () => {
    const marker = randomBytes(8).toString('hex');
    await emitLogs(make(), marker);
    const rows = await eventually(`5 logs with marker ${marker}`, 60_000, async () => {
      const r = await logsWithMarker(marker);
      return r.length >= 5 ? r : undefined;
    });
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.map((r) => r.body), [0, 1, 2, 3, 4].map((i) => `payment ${i} processed`));
    assert.ok(rows.every((r) => r.tenant === 'team-a' && r.service_name === 'log-emitter'));
    assert.deepEqual(rows.map((r) => r.severity_number), [9, 9, 9, 9, 17]);
  });
}

void test('traces from the SDK exporter over gRPC are stored and readable', async () => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${KEY_B}`);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'grpc-tracer' }),
    spanProcessors: [new SimpleSpanProcessor(new GrpcTraceExporter({ url: pipeline.grpcUrl, metadata }))],
  });
  const tracer = provider.getTracer('e2e-transports');
  const root = tracer.startSpan('grpc root');
  const traceId = root.spanContext().traceId;
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  const spans = qualified(pipeline.collectorConfig.clickhouse.target.database, identifier('spans', ['spans']));
  const rows = await eventually('the gRPC span', 60_000, async () => {
    const r = await pipeline.clickhouse.queryRows<{ tenant: string; name: string }>(sql`SELECT tenant, name FROM ${spans} WHERE trace_id = ${traceId}`);
    return r.length > 0 ? r : undefined;
  });
  assert.deepEqual(rows, [{ tenant: 'team-b', name: 'grpc root' }]);
  // The query API reads as the caller's tenant: team-b's key finds the trace, team-a's does not,
  // and no key is refused.
  // The trace_index row comes from a view; its replica copy can trail the span's quorum insert.
  const found = await eventually('the trace through the query API', 30_000, () => fetchTrace(pipeline.queryUrl, traceId, KEY_B));
  assert.equal(found.spans.length, 1);
  assert.equal(await fetchTrace(pipeline.queryUrl, traceId, KEY_A), undefined);
  const anonymous = await fetch(`${pipeline.queryUrl}/api/v1/traces/${traceId}`);
  assert.equal(anonymous.status, 401);
  assert.match(await anonymous.text(), /UNAUTHENTICATED.*API key/);
});

void test('a missing or unknown API key is refused with 401 and a message; nothing is stored', async () => {
  const body = JSON.stringify({ resourceLogs: [] });
  for (const headers of [{}, { authorization: 'Bearer not-a-key-0000000000' }, { authorization: 'Basic abc' }]) {
    const res = await fetch(`${pipeline.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(await res.text(), /API key|Authorization/);
  }
});

function grpcMetadata(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

async function recordMetrics(exporter: PushMetricExporter, marker: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'metric-emitter' }), readers: [reader] });
  const meter = provider.getMeter('e2e-transports');
  const requests = meter.createCounter('e2e.requests');
  const latency = meter.createHistogram('e2e.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
  const queue = meter.createGauge('e2e.queue_depth');
  for (let i = 0; i < 10; i++) {
    requests.add(1, { marker, route: i % 2 === 0 ? '/a' : '/b' });
    latency.record(5 + i * 50, { marker });
  }
  queue.record(42, { marker });
  // shutdown() collects and exports once; a forceFlush() before it would export the cumulative
  // sums a second time (same values, later timestamp), which the assertions would count twice.
  await provider.shutdown();
}

async function metricRows(table: string, marker: string): Promise<Array<Record<string, unknown>>> {
  const t = qualified(pipeline.collectorConfig.clickhouse.target.database, identifier(table, ['metrics_sum', 'metrics_histogram', 'metrics_gauge', 'metric_series']));
  return pipeline.clickhouse.queryRows(sql`SELECT * FROM ${t} WHERE has(attr_values, ${marker}) ORDER BY metric_name, attr_values`);
}

for (const [transport, make] of [
  ['HTTP protobuf', () => new ProtoMetricExporter({ url: `${pipeline.otlpUrl}/v1/metrics`, headers: bearer })],
  ['HTTP JSON', () => new JsonMetricExporter({ url: `${pipeline.otlpUrl}/v1/metrics`, headers: bearer })],
  ['gRPC', () => new GrpcMetricExporter({ url: pipeline.grpcUrl, metadata: grpcMetadata(KEY_A) })],
] as const) {
  void test(`metrics from the SDK exporter over ${transport} are stored as sums, histograms, gauges and series`, async () => {
    const marker = randomBytes(8).toString('hex');
    await recordMetrics(make(), marker);
    const sums = await eventually('two counter series', 60_000, async () => {
      const r = await metricRows('metrics_sum', marker);
      return r.length >= 2 ? r : undefined;
    });
    assert.deepEqual(sums.map((r) => [r['metric_name'], r['value'], r['is_monotonic'], r['tenant']]), [
      ['e2e.requests', 5, 1, 'team-a'],
      ['e2e.requests', 5, 1, 'team-a'],
    ]);
    const [histogram] = await eventually('the histogram', 60_000, async () => {
      const r = await metricRows('metrics_histogram', marker);
      return r.length >= 1 ? r : undefined;
    });
    assert.ok(histogram);
    assert.equal(histogram['count'], '10');
    assert.deepEqual(histogram['explicit_bounds'], [10, 100, 1000]);
    // 5, 55 | 105 ... 455 | none above 1000: buckets (-inf,10], (10,100], (100,1000], (1000,+inf)
    assert.deepEqual(histogram['bucket_counts'], ['1', '1', '8', '0']);
    const [gauge] = await eventually('the gauge', 60_000, async () => {
      const r = await metricRows('metrics_gauge', marker);
      return r.length >= 1 ? r : undefined;
    });
    assert.ok(gauge);
    assert.equal(gauge['value'], 42);
    const series = await eventually('four series', 60_000, async () => {
      const r = await metricRows('metric_series', marker);
      return r.length >= 4 ? r : undefined;
    });
    assert.equal(new Set(series.map((r) => r['series_fingerprint'])).size, 4);
  });
}
