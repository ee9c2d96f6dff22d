// `cairn start`, the embedded default, as a user runs it: a real child process with no Kafka and
// no ClickHouse server. Traces sent over OTLP/HTTP and OTLP/gRPC are readable from the query API, the process
// stops cleanly on SIGINT, and the trace is still there after a restart. With --demo, a newcomer
// sees the demo shop's traces and error logs through the API within a minute.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { fetchTrace, otlpJsonRequest, randomHexId } from '../fixtures/otlp-requests.ts';
import { embeddedEnv, startEmbedded } from './support/embedded-process.ts';

/** One span recorded by the OTel SDK and sent with its OTLP/gRPC exporter; returns its trace id. */
async function sendOverGrpc(port: number): Promise<string> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'embedded-grpc' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  provider.getTracer('embedded-start-test').startSpan('over-grpc').end();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}` });
  try {
    const result = await new Promise<ExportResult>((resolve) => {
      exporter.export(spans, resolve);
    });
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  } finally {
    await exporter.shutdown();
  }
  const traceId = spans[0]?.spanContext().traceId;
  assert.ok(traceId !== undefined);
  return traceId;
}

void test('cairn start ingests and answers with no external services, and keeps data across a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-embedded-'));
  const env = await embeddedEnv(dataDir);
  const otlp = `http://127.0.0.1:${env.CAIRN_OTLP_HTTP_PORT}`;
  const query = `http://127.0.0.1:${env.CAIRN_QUERY_PORT}`;
  const traceId = randomHexId(16);
  const spans = [randomHexId(8), randomHexId(8)].map((spanId, i) => ({ spanId, parentSpanId: '', name: `embedded-${i}` }));
  try {
    const first = await startEmbedded(env);
    try {
      const res = await fetch(`${otlp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Recent: the embedded engine applies retention TTL, which drops rows older than a week.
        body: JSON.stringify(otlpJsonRequest(traceId, spans, BigInt(Date.now() - 60_000) * 1_000_000n)),
      });
      assert.equal(res.status, 200, await res.text());
      // Acknowledged after the insert: readable at once, no polling needed.
      const trace = await fetchTrace(query, traceId);
      assert.deepEqual(trace?.spans.map((s) => s.spanId).sort(), spans.map((s) => s.spanId).sort());
      const grpcTraceId = await sendOverGrpc(Number(env.CAIRN_OTLP_GRPC_PORT));
      const overGrpc = await fetchTrace(query, grpcTraceId);
      assert.deepEqual(overGrpc?.spans.map((s) => s.name), ['over-grpc']);
    } finally {
      assert.equal(await first.stop(), 0, `first run exits cleanly:\n${first.output()}`);
    }
    const second = await startEmbedded(env);
    try {
      const trace = await fetchTrace(query, traceId);
      assert.equal(trace?.spans.length, 2, 'the trace survived the restart');
    } finally {
      assert.equal(await second.stop(), 0, `second run exits cleanly:\n${second.output()}`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

void test('cairn start --demo: the demo shop\'s traces and error logs are queryable within a minute, and it all stops on SIGINT', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-demo-'));
  const env = await embeddedEnv(dataDir);
  const query = `http://127.0.0.1:${env.CAIRN_QUERY_PORT}`;
  const started = Date.now();
  const running = await startEmbedded(env, ['--demo']);
  try {
    const within = async (path: string, what: string): Promise<void> => {
      for (;;) {
        const res = await fetch(`${query}${path}`);
        const body = (await res.json()) as { traces?: unknown[]; logs?: unknown[] };
        if ((body.traces ?? body.logs ?? []).length > 0) return;
        assert.ok(Date.now() - started < 60_000, `no ${what} within a minute of start:\n${running.output()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await within('/api/v1/traces?service=demo-frontend&limit=1', 'demo traces');
    await within('/api/v1/logs?service=demo-payments&severity=error&limit=1', 'demo error logs');
  } finally {
    assert.equal(await running.stop(), 0, `exits cleanly:\n${running.output()}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  assert.match(running.output(), /Demo shop running/);
});
