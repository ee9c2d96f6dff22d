// One test per row of docs/failure-modes.md: each dependency is made unavailable for real
// (unreachable address, or its processes frozen with SIGSTOP) and Cairn must behave as documented,
// then recover with every acknowledged span stored exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import { identifier, inList, qualified, sql } from '../../common/clickhouse/sql.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { buildCollectorApp } from '../../collector/app.ts';
import { readCollectorConfig } from '../../collector/config.ts';
import { createIngestMetrics } from '../../collector/ingest/ingest-metrics.ts';
import { MemoryGate } from '../../collector/ingest/memory-gate.ts';
import { ingesterFor } from '../../collector/ingest/signal-ingester.ts';
import type { SignalIngester } from '../../collector/ingest/signal-ingester.ts';
import { createKafka } from '../../collector/kafka/kafka-client.ts';
import { tracesSignal } from '../../collector/signals/traces.ts';
import { buildQueryApp } from '../../query/app.ts';
import { readQueryConfig } from '../../query/config.ts';
import { fetchTrace, otlpJsonRequest, randomHexId } from '../fixtures/otlp-requests.ts';
import { waitForIngestDrained } from '../fixtures/ingest-drained.ts';
import { pauseServices } from './support/pause-process.ts';
import { eventually, startCollector, startPipeline } from './support/pipeline.ts';
import type { Pipeline } from './support/pipeline.ts';
import { isolatedEnv, uniqueName } from './support/stack-env.ts';

const logger = createLogger('silent', 'test-failure-modes');
const DEAD_URL = 'http://127.0.0.1:1';
const KAFKA_BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'];

let pipeline: Pipeline;

before(async () => {
  pipeline = await startPipeline('faults');
});

after(async () => {
  await pipeline.close();
});

function traceRequest(spans: number): { traceId: string; body: string } {
  const traceId = randomHexId(16);
  const ids = Array.from({ length: spans }, () => randomHexId(8));
  const body = otlpJsonRequest(
    traceId,
    ids.map((spanId, i) => ({ spanId, parentSpanId: i === 0 ? '' : (ids[0] ?? ''), name: `op-${i}` })),
    BigInt(Date.now()) * 1_000_000n,
  );
  return { traceId, body: JSON.stringify(body) };
}

async function post(url: string, body: string): Promise<{ status: number; retryAfter: string | null; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
}

async function storedSpans(traceIds: readonly string[]): Promise<number> {
  const table = qualified(pipeline.collectorConfig.clickhouse.target.database, identifier('spans', ['spans']));
  const [row] = await pipeline.clickhouse.queryRows<{ n: string }>(
    sql`SELECT count() AS n FROM ${table} WHERE trace_id IN ${inList(traceIds)}`,
  );
  return Number(row?.n ?? 0);
}

void test('Kafka unreachable at start-up: the collector refuses to start and names CAIRN_KAFKA_BROKERS', async () => {
  const env = isolatedEnv(uniqueName('nokafka'), { CAIRN_KAFKA_BROKERS: '127.0.0.1:1' });
  await assert.rejects(buildCollectorApp(readCollectorConfig(env, 'receiver'), logger), /CAIRN_KAFKA_BROKERS/);
});

void test('Kafka down: the receiver answers 503 with Retry-After, acknowledges nothing, and accepts again once Kafka is back', async (t) => {
  const before = traceRequest(3);
  assert.equal((await post(pipeline.otlpUrl, before.body)).status, 200);

  const during = traceRequest(3);
  const paused = pauseServices(KAFKA_BROKERS);
  let refused;
  try {
    refused = await post(pipeline.otlpUrl, during.body);
  } finally {
    paused.resume();
  }
  t.diagnostic(`answer while Kafka was frozen: ${refused.status} after ${refused.ms} ms`);
  assert.equal(refused.status, 503);
  assert.equal(refused.retryAfter, '5');
  const deadline = pipeline.collectorConfig.kafka.produceDeadlineMs;
  assert.ok(refused.ms < deadline + 2000, `answered within the produce deadline (${deadline} ms), took ${refused.ms} ms`);

  // The client retries as told; once Kafka is back the same request is acknowledged.
  const resumedAt = Date.now();
  await eventually('the receiver to accept again', 120_000, async () => ((await post(pipeline.otlpUrl, during.body)).status === 200 ? true : undefined));
  t.diagnostic(`accepted again ${Date.now() - resumedAt} ms after Kafka was thawed`);
  for (const r of [before, during]) {
    const trace = await eventually(`trace ${r.traceId}`, 60_000, () => fetchTrace(pipeline.queryUrl, r.traceId).then((x) => (x?.spans.length === 3 ? x : undefined)));
    assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, 3);
  }
});

void test('ZooKeeper down: spans are still acknowledged and reads answered; once it is back every span is stored once', async (t) => {
  const stored = traceRequest(3);
  assert.equal((await post(pipeline.otlpUrl, stored.body)).status, 200);
  await eventually('first trace readable', 60_000, () => fetchTrace(pipeline.queryUrl, stored.traceId).then((x) => (x?.spans.length === 3 ? x : undefined)));

  const during = [traceRequest(3), traceRequest(3)];
  const paused = pauseServices(['zookeeper']);
  const pausedAt = Date.now();
  try {
    for (const r of during) assert.equal((await post(pipeline.otlpUrl, r.body)).status, 200, 'Kafka needs no ZooKeeper');
    const read = await fetchTrace(pipeline.queryUrl, stored.traceId);
    assert.equal(read?.spans.length, 3, 'reads do not need ZooKeeper');
    // Longer than ClickHouse's ZooKeeper session timeout, so replicated tables really go read-only.
    await new Promise((r) => setTimeout(r, 25_000));
  } finally {
    paused.resume();
  }
  const resumedAt = Date.now();
  const ids = during.map((r) => r.traceId);
  await eventually('spans sent while ZooKeeper was down to be stored', 180_000, async () => ((await storedSpans(ids)) >= 6 ? true : undefined));
  t.diagnostic(`ZooKeeper frozen ${resumedAt - pausedAt} ms; stored ${Date.now() - resumedAt} ms after it was thawed`);
  await waitForIngestDrained(pipeline, 60_000);
  assert.equal(await storedSpans(ids), 6, 'each span stored exactly once');
});

void test('ClickHouse down for the ingester: nothing is committed, Kafka holds the spans, a healthy ingester stores each once', async () => {
  await waitForIngestDrained(pipeline, 60_000);
  await pipeline.stopCollector();
  // The pipeline's own ingester is stopped; a lone receiver keeps feeding Kafka.
  const receiver = await startCollector(pipeline.env, 'receiver');
  const requests = [traceRequest(4), traceRequest(4)];
  try {
    for (const r of requests) assert.equal((await post(receiver.url, r.body)).status, 200);
  } finally {
    await receiver.app.close();
  }
  const config = pipeline.collectorConfig;
  const kafka = createKafka(config.kafka, logger);
  const ingester = (url: string, registry: Registry): SignalIngester =>
    ingesterFor(config, tracesSignal, {
      kafka,
      clickhouse: createClickHouse({ endpoint: { kind: 'server', url, username: 'default', password: '' }, requestTimeoutMs: 65_000, retry: defaultClickHouseRetry, logger }),
      metrics: createIngestMetrics(registry),
      logger,
      memory: new MemoryGate({ maxRssBytes: 0 }),
    });

  const failingRegistry = new Registry();
  const failing = ingester(DEAD_URL, failingRegistry);
  await failing.start();
  try {
    await eventually('insert failures while ClickHouse is unreachable', 60_000, async () => {
      const m = await failingRegistry.getSingleMetric('cairn_ingest_insert_failures_total')?.get();
      return (m?.values[0]?.value ?? 0) >= 2 ? true : undefined;
    });
  } finally {
    await failing.close();
  }
  const traceIds = requests.map((r) => r.traceId);
  assert.equal(await storedSpans(traceIds), 0, 'nothing reached ClickHouse');

  const healthy = ingester(pipeline.env['CAIRN_CLICKHOUSE_URL'] ?? '', new Registry());
  await healthy.start();
  try {
    await eventually('all 8 spans stored', 60_000, async () => ((await storedSpans(traceIds)) >= 8 ? true : undefined));
    await waitForIngestDrained(pipeline, 60_000);
    assert.equal(await storedSpans(traceIds), 8, 'each span stored exactly once');
  } finally {
    await healthy.close();
  }
});

void test('ClickHouse down for the query service: /readyz says why, reads answer 503 UNAVAILABLE', async () => {
  const env = isolatedEnv(uniqueName('noch'), { CAIRN_CLICKHOUSE_URL: DEAD_URL, CAIRN_QUERY_TIMEOUT_MS: '3000' });
  const { app } = buildQueryApp(readQueryConfig(env), logger);
  try {
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.body, /clickhouse|schema/i);
    const read = await app.inject({ method: 'GET', url: `/api/v1/traces/${randomHexId(16)}` });
    assert.equal(read.statusCode, 503);
    const body = read.json<{ error: { code: string; message: string } }>();
    assert.equal(body.error.code, 'UNAVAILABLE');
    assert.match(body.error.message, /not ready|unavailable/i);
  } finally {
    await app.close();
  }
});
