// Real OpenTelemetry SDK exporters over every OTLP transport (HTTP protobuf, HTTP JSON, gRPC) into
// the real pipeline: logs over all three, traces over gRPC (the HTTP ones are in e2e-traces), and
// API keys deciding the tenant on both HTTP and gRPC.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
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
      timestamp: Date.now(),
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
  // The query service reads as its own tenant (CAIRN_TENANT), not team-b: the trace is not there.
  assert.equal(await fetchTrace(pipeline.queryUrl, traceId), undefined);
});

void test('a missing or unknown API key is refused with 401 and a message; nothing is stored', async () => {
  const body = JSON.stringify({ resourceLogs: [] });
  for (const headers of [{}, { authorization: 'Bearer not-a-key-0000000000' }, { authorization: 'Basic abc' }]) {
    const res = await fetch(`${pipeline.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(await res.text(), /API key|Authorization/);
  }
});
