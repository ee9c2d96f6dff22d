// The OTLP/gRPC receiver on a real port: spans from the OpenTelemetry JS gRPC exporter (plain and
// gzip) reach the sink as rows; raw grpc-js calls pin down status codes, retry hints, size limits,
// partial success and graceful shutdown. The sink is an in-memory fake of Cairn's own interface.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Metadata, compressionAlgorithms, credentials, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import protobuf from 'protobufjs';
import { SPAN_ROW_FORMAT, encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { OtlpGrpcServer } from '../../collector/grpc/otlp-grpc-server.ts';
import { decodeTracesProtobuf } from '../../collector/otlp/decode-traces.ts';
import { exportTraceServiceRequestType } from '../../collector/otlp/proto-schema.ts';
import type { ApiAuth } from '../../common/auth/api-keys.ts';
import { HttpError } from '../../common/runtime/http-error.ts';
import { createReceiverMetrics } from '../../collector/receiver/receiver-metrics.ts';
import type { ReceiverMetrics } from '../../collector/receiver/receiver-metrics.ts';
import type { KafkaRow, Signal } from '../../collector/signals/signal.ts';

const TENANT = 'acme';
const MAX_MESSAGE_BYTES = 64 * 1024;
const METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

// Independent of collector/signals/traces.ts, so this test pins the server, not that signal.
const traces: Signal = {
  name: 'traces',
  httpPath: '/v1/traces',
  grpcMethod: METHOD,
  rejectedField: 'rejectedSpans',
  decode(body, _encoding, tenant) {
    const decoded = decodeTracesProtobuf(body, tenant);
    return {
      rows: decoded.spans.map((span) => ({ key: span.traceId, format: SPAN_ROW_FORMAT, value: encodeSpanRow(span) })),
      accepted: decoded.spans.length,
      rejected: decoded.rejectedSpans,
      errorMessage: decoded.errorMessage,
    };
  },
  tables: new Map(),
};

/** Collects rows; `next` lets a test make the next publish fail or block. */
class MemorySink {
  readonly rows: KafkaRow[] = [];
  next: ((rows: readonly KafkaRow[]) => Promise<void>) | undefined;

  async publish(signal: Signal, rows: readonly KafkaRow[]): Promise<void> {
    assert.equal(signal.name, 'traces');
    const next = this.next;
    this.next = undefined;
    if (next !== undefined) await next(rows);
    this.rows.push(...rows);
  }
}

// Response and error-detail messages, decoded only to check what the server wrote.
const schema = protobuf.parse(`
  syntax = "proto3";
  message PartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
  message ExportResponse { PartialSuccess partial_success = 1; }
  message Duration { int64 seconds = 1; int32 nanos = 2; }
  message RetryInfo { Duration retry_delay = 1; }
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
`).root;
const decodeAs = (type: string, bytes: Uint8Array): Record<string, unknown> =>
  schema.lookupType(type).toObject(schema.lookupType(type).decode(bytes), { longs: Number, defaults: true });

interface ServerExtras {
  readonly auth?: ApiAuth;
  readonly shutdownGraceMs?: number;
  readonly maxInflightBytes?: number;
}

function startServer(sink: MemorySink, extra: ServerExtras = {}): { server: OtlpGrpcServer; metrics: ReceiverMetrics } {
  const metrics = createReceiverMetrics(new Registry());
  const logger = pino({ level: 'silent' });
  const server = new OtlpGrpcServer({
    signals: [traces],
    auth: { mode: 'none', tenant: TENANT },
    sink,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    metrics,
    logger,
    ...extra,
  });
  return { server, metrics };
}

interface CallResult {
  readonly err: ServiceError | null;
  readonly response: Buffer | undefined;
}

function rawExport(client: Client, body: Uint8Array, metadata = new Metadata()): Promise<CallResult> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      METHOD,
      (b) => b,
      (b) => b,
      Buffer.from(body),
      metadata,
      { deadline: Date.now() + 10_000 },
      (err, response) => {
        resolve({ err, response });
      },
    );
  });
}

function spanBody(spans: Record<string, unknown>[]): Uint8Array {
  const request = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] };
  return exportTraceServiceRequestType.encode(exportTraceServiceRequestType.fromObject(request)).finish();
}

function handmadeSpan(traceIdBytes: number, name: string): Record<string, unknown> {
  return {
    traceId: Buffer.alloc(traceIdBytes, 0xab),
    spanId: Buffer.alloc(8, 0xcd),
    name,
    kind: 1,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000001000',
  };
}

async function sdkSpans(names: readonly string[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'grpc-test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('grpc-receiver-test');
  for (const name of names) tracer.startSpan(name).end();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

async function exportWith(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => {
    exporter.export(spans, resolve);
  });
}

// Promise.withResolvers arrives in Node 22.
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function counterValue(metrics: ReceiverMetrics, which: 'items' | 'requests', labels: Record<string, string>): Promise<number> {
  const { values } = await metrics[which].get();
  const found = values.find((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want));
  return found?.value ?? 0;
}

void describe('OTLP/gRPC receiver', () => {
  const sink = new MemorySink();
  const { server, metrics } = startServer(sink);
  let port = 0;
  let client: Client;

  before(async () => {
    port = await server.listen('127.0.0.1', 0);
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  for (const compression of [CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP]) {
    void it(`stores spans from the OTel gRPC exporter (compression ${compression})`, async () => {
      sink.rows.length = 0;
      const spans = await sdkSpans(['a', 'b', 'c']);
      const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}`, compression });
      try {
        const result = await exportWith(exporter, spans);
        assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      } finally {
        await exporter.shutdown();
      }
      assert.deepEqual(sink.rows.map((r) => r.key), spans.map((s) => s.spanContext().traceId));
      const decoded = sink.rows.map((r) => {
        assert.equal(r.format, SPAN_ROW_FORMAT);
        return JSON.parse(r.value) as { tenant: string; name: string; service_name: string };
      });
      assert.deepEqual(decoded.map((d) => [d.tenant, d.name, d.service_name]), [
        [TENANT, 'a', 'grpc-test'],
        [TENANT, 'b', 'grpc-test'],
        [TENANT, 'c', 'grpc-test'],
      ]);
    });
  }

  void it('answers a partly invalid request with OK and partial_success', async () => {
    sink.rows.length = 0;
    const { err, response } = await rawExport(client, spanBody([handmadeSpan(16, 'good'), handmadeSpan(15, 'short id')]));
    assert.equal(err, null);
    assert.ok(response !== undefined);
    const partial = decodeAs('ExportResponse', response).partialSuccess as { rejectedSpans: number; errorMessage: string };
    assert.equal(partial.rejectedSpans, 1);
    assert.match(partial.errorMessage, /trace_id must be 16 bytes, got 15/);
    assert.equal(sink.rows.length, 1);
    assert.equal(await counterValue(metrics, 'items', { signal: 'traces', outcome: 'rejected_invalid' }), 1);
  });

  void it('answers a fully valid request with an empty response', async () => {
    const { err, response } = await rawExport(client, spanBody([handmadeSpan(16, 'good')]));
    assert.equal(err, null);
    assert.equal(response?.length, 0);
  });

  void it('rejects an undecodable body with INVALID_ARGUMENT and the reason', async () => {
    const body = spanBody([handmadeSpan(16, 'truncated')]);
    const { err } = await rawExport(client, body.subarray(0, body.length - 5));
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /^invalid protobuf/);
    assert.equal(await counterValue(metrics, 'requests', { signal: 'traces', code: 'INVALID_ARGUMENT' }), 1);
  });

  void it('maps an unavailable sink to UNAVAILABLE with retry pushback and RetryInfo', async () => {
    sink.next = () => Promise.reject(new HttpError(503, 'storage buffer (Kafka) is unavailable, retry later', 5));
    const { err } = await rawExport(client, spanBody([handmadeSpan(16, 'x')]));
    assert.equal(err?.code, status.UNAVAILABLE);
    assert.equal(err.details, 'storage buffer (Kafka) is unavailable, retry later');
    assert.deepEqual(err.metadata.get('grpc-retry-pushback-ms'), ['5000']);
    const [details] = err.metadata.get('grpc-status-details-bin');
    assert.ok(Buffer.isBuffer(details));
    const rpcStatus = decodeAs('Status', details) as { code: number; details: { typeUrl: string; value: Uint8Array }[] };
    assert.equal(rpcStatus.code, status.UNAVAILABLE);
    assert.equal(rpcStatus.details[0]?.typeUrl, 'type.googleapis.com/google.rpc.RetryInfo');
    assert.deepEqual(decodeAs('RetryInfo', rpcStatus.details[0].value), { retryDelay: { seconds: 5, nanos: 0 } });
  });

  void it('hides unexpected sink errors behind INTERNAL', async () => {
    sink.next = () => Promise.reject(new Error('secret connection string in here'));
    const { err } = await rawExport(client, spanBody([handmadeSpan(16, 'x')]));
    assert.equal(err?.code, status.INTERNAL);
    assert.equal(err.details, 'internal error');
  });

  void it('rejects a message over maxMessageBytes with RESOURCE_EXHAUSTED', async () => {
    sink.rows.length = 0;
    const { err } = await rawExport(client, spanBody([handmadeSpan(16, 'x'.repeat(MAX_MESSAGE_BYTES))]));
    assert.equal(err?.code, status.RESOURCE_EXHAUSTED);
    assert.equal(sink.rows.length, 0);
  });

  void it('applies maxMessageBytes to the inflated size of a gzip message', async () => {
    const gzipClient = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
      'grpc.default_compression_algorithm': compressionAlgorithms.gzip,
    });
    try {
      const { err } = await rawExport(gzipClient, spanBody([handmadeSpan(16, 'y'.repeat(4 * MAX_MESSAGE_BYTES))]));
      assert.equal(err?.code, status.RESOURCE_EXHAUSTED);
      assert.match(err.details, /decompresses to a size larger than/);
    } finally {
      gzipClient.close();
    }
  });
});

void describe('OTLP/gRPC receiver with API keys', () => {
  const KEY = 'k'.repeat(24);
  const sink = new MemorySink();
  const { server } = startServer(sink, { auth: { mode: 'api-key', keys: new Map([[KEY, 'team-a']]) } });
  let port = 0;
  let client: Client;

  before(async () => {
    port = await server.listen('127.0.0.1', 0);
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  void it('stores exporter spans under the tenant of the key in the authorization metadata', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${KEY}`);
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}`, metadata });
    try {
      const result = await exportWith(exporter, await sdkSpans(['authorized']));
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    } finally {
      await exporter.shutdown();
    }
    assert.deepEqual(sink.rows.map((r) => (JSON.parse(r.value) as { tenant: string }).tenant), ['team-a']);
  });

  for (const [what, header] of [['no key', undefined], ['an unknown key', `Bearer ${'x'.repeat(24)}`]] as const) {
    void it(`rejects a call with ${what} as UNAUTHENTICATED`, async () => {
      const metadata = new Metadata();
      if (header !== undefined) metadata.set('authorization', header);
      const { err } = await rawExport(client, spanBody([handmadeSpan(16, 'x')]), metadata);
      assert.equal(err?.code, status.UNAUTHENTICATED);
      assert.match(err.details, /API key/);
    });
  }
});

void describe('OTLP/gRPC receiver in-flight limit', () => {
  void it('answers RESOURCE_EXHAUSTED with RetryInfo while the budget is held', async () => {
    const sink = new MemorySink();
    const body = spanBody([handmadeSpan(16, 'held')]);
    const { server, metrics } = startServer(sink, { maxInflightBytes: body.length + 10 });
    const port = await server.listen('127.0.0.1', 0);
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const { promise: reached, resolve: reach } = deferred();
      const { promise: released, resolve: release } = deferred();
      sink.next = async () => {
        reach();
        await released;
      };
      const first = rawExport(client, body);
      await reached;
      const { err } = await rawExport(client, body);
      assert.equal(err?.code, status.RESOURCE_EXHAUSTED);
      assert.deepEqual(err.metadata.get('grpc-retry-pushback-ms'), ['1000']);
      assert.equal(err.metadata.get('grpc-status-details-bin').length, 1);
      assert.equal(await counterValue(metrics, 'items', { signal: 'traces', outcome: 'rejected_overload' }), 1);
      release();
      assert.equal((await first).err, null);
      assert.equal((await rawExport(client, body)).err, null, 'the budget is released after the call');
    } finally {
      client.close();
      await server.close();
    }
  });
});

void describe('OTLP/gRPC receiver shutdown', () => {
  void it('lets a running export finish, then closes; close is idempotent', async () => {
    const sink = new MemorySink();
    const { server } = startServer(sink);
    const port = await server.listen('127.0.0.1', 0);
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const { promise: reached, resolve: reach } = deferred();
      const { promise: released, resolve: release } = deferred();
      sink.next = async () => {
        reach();
        await released;
      };
      const call = rawExport(client, spanBody([handmadeSpan(16, 'slow')]));
      await reached;
      const closed = server.close();
      assert.equal(server.close(), closed);
      release();
      assert.equal((await call).err, null);
      await closed;
      assert.equal(sink.rows.length, 1);
      await assert.rejects(server.listen('127.0.0.1', 0), /closed/);
    } finally {
      client.close();
      await server.close();
    }
  });

  void it('cuts an export still running at the grace deadline', async () => {
    const sink = new MemorySink();
    const { server } = startServer(sink, { shutdownGraceMs: 100 });
    const port = await server.listen('127.0.0.1', 0);
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const { promise: reached, resolve: reach } = deferred();
      sink.next = () => {
        reach();
        return new Promise<void>(() => undefined);
      };
      const call = rawExport(client, spanBody([handmadeSpan(16, 'stuck')]));
      await reached;
      await server.close();
      const { err } = await call;
      assert.ok(err !== null && err.code !== status.OK, 'the client must not see success');
    } finally {
      client.close();
    }
  });
});
