// Effectively-once ingestion against the real stack: an ingester that dies after its insert but
// before its offset commit leaves a plan behind; the next ingester replays exactly that offset
// range, byte for byte, and ClickHouse's block deduplication stores it once. Also: consumption
// held under memory pressure resumes without loss.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import { dropDatabase } from '../../common/clickhouse/ddl.ts';
import { migrate } from '../../common/clickhouse/migrations.ts';
import { SPAN_ROW_FORMAT, encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { identifier, inList, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { readCollectorConfig } from '../../collector/config.ts';
import type { CollectorConfig } from '../../collector/config.ts';
import { createIngestMetrics } from '../../collector/ingest/ingest-metrics.ts';
import { MemoryGate } from '../../collector/ingest/memory-gate.ts';
import type { IngestMetrics } from '../../collector/ingest/ingest-metrics.ts';
import { ingesterFor, ingestGroupId } from '../../collector/ingest/signal-ingester.ts';
import type { SignalIngester } from '../../collector/ingest/signal-ingester.ts';
import { createKafka } from '../../collector/kafka/kafka-client.ts';
import { tracesSignal } from '../../collector/signals/traces.ts';
import { FORMAT_HEADER } from '../../collector/kafka/headers.ts';
import { deadLetterTopic, ensureTopics, signalTopic } from '../../collector/kafka/topics.ts';
import { eventually } from './support/pipeline.ts';
import { isolatedEnv, uniqueName } from './support/stack-env.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';

const SPANS = 250;
const BATCH = 100;
const name = uniqueName('replay');
const env = isolatedEnv(name, { CAIRN_KAFKA_SPANS_PARTITIONS: '1', CAIRN_INGEST_MAX_BATCH_ROWS: String(BATCH) });
const config: CollectorConfig = readCollectorConfig(env, 'ingester');
const logger = createLogger(env['CAIRN_LOG_LEVEL'] ?? 'warn', 'test-replay');
let kafka: Kafka;
let clickhouse: SqlRunner;

before(async () => {
  kafka = createKafka(config.kafka, logger);
  clickhouse = createClickHouse({
    endpoint: config.clickhouse.endpoint,
    requestTimeoutMs: 120_000,
    retry: defaultClickHouseRetry,
    logger,
  });
  await migrate(clickhouse, config.clickhouse.target, { epoch: 0n, member: 'test' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config.kafka, [signalTopic(config.kafka, 'traces'), deadLetterTopic(config.kafka, 'traces')]);
  await admin.disconnect();
});

after(async () => {
  await clickhouse.command(dropDatabase(config.clickhouse.target), { timeoutMs: 120_000 });
  await clickhouse.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [signalTopic(config.kafka, 'traces').name, deadLetterTopic(config.kafka, 'traces').name] });
  await admin.deleteGroups([ingestGroupId(config, 'traces')]).catch(() => undefined);
  await admin.disconnect();
});

function ingester(runner: SqlRunner, metrics: IngestMetrics, maxBatchRows: number, memory = new MemoryGate({ maxRssBytes: 0 })): SignalIngester {
  return ingesterFor(config, tracesSignal, { kafka, clickhouse: runner, metrics, logger, memory }, { maxBatchRows });
}

async function storedCount(traceIds: readonly string[]): Promise<number> {
  const table = qualified(config.clickhouse.target.database, identifier('spans', ['spans']));
  const [row] = await clickhouse.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${table} WHERE trace_id IN ${inList(traceIds)}`);
  return Number(row?.n ?? 0);
}

async function committed(): Promise<{ offset: string; metadata: string | null }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: ingestGroupId(config, 'traces'), topics: [signalTopic(config.kafka, 'traces').name] });
    const p = topic?.partitions[0];
    return { offset: p?.offset ?? '-1', metadata: p?.metadata ?? null };
  } finally {
    await admin.disconnect();
  }
}

void test('a batch inserted before a crash and replayed after it is stored once', async () => {
  const spans = Array.from({ length: SPANS }, (_, i) => syntheticSpan(i, 'replay'));
  const traceIds = [...new Set(spans.map((s) => s.traceId))];
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({
    topic: signalTopic(config.kafka, 'traces').name,
    acks: -1,
    messages: spans.map((s) => ({ key: s.traceId, value: encodeSpanRow(s), headers: { [FORMAT_HEADER]: SPAN_ROW_FORMAT } })),
  });
  await producer.disconnect();

  // Ingester A: its first insert reaches ClickHouse, then the process "dies" before the commit.
  let crashed!: () => void;
  const crashedOnce = new Promise<void>((resolve) => (crashed = resolve));
  let first = true;
  const crashing: SqlRunner = {
    ...clickhouse,
    engine: clickhouse.engine,
    insertJsonEachRow: async (table, body, o) => {
      await clickhouse.insertJsonEachRow(table, body, o);
      if (first) {
        first = false;
        void a.close();
        crashed();
        throw new Error('simulated crash after insert, before commit');
      }
    },
  };
  const a = ingester(crashing, createIngestMetrics(new Registry()), BATCH);
  await a.start();
  await crashedOnce;
  await a.close();

  assert.equal(await storedCount(traceIds), BATCH, 'the first batch reached ClickHouse');
  const plan = await committed();
  assert.equal(plan.offset, '0', 'only the plan was committed, not the batch end');
  assert.equal(plan.metadata, `cairn.plan.v1:0-${BATCH - 1}`);

  // Ingester B batches differently (as after a restart with other fetch sizes); the plan still
  // makes it replay [0, BATCH-1] exactly, then it goes on with the rest in its own batch size.
  const registry = new Registry();
  const b = ingester(clickhouse, createIngestMetrics(registry), BATCH + 50);
  await b.start();
  try {
    await eventually('all offsets committed', 60_000, async () => ((await committed()).offset === String(SPANS) ? true : undefined));
    assert.equal(await storedCount(traceIds), SPANS, 'every span stored exactly once');
    const batches = await registry.getSingleMetric('cairn_ingest_batches_total')?.get();
    const replays = batches?.values.find((v) => v.labels['kind'] === 'replay')?.value;
    assert.equal(replays, 1, 'the planned batch was replayed once');
  } finally {
    await b.close();
  }
});

void test('consumption waits while the process is over its memory budget, then resumes without loss', async () => {
  const extra = Array.from({ length: 40 }, (_, i) => syntheticSpan(i, 'memory'));
  const traceIds = [...new Set(extra.map((s) => s.traceId))];
  let overBudget = true;
  // The gate reads a reported RSS; the test reports "over" until it lets go.
  const memory = new MemoryGate({ maxRssBytes: 1000, rss: () => (overBudget ? 2000 : 10), pollMs: 50 });
  const registry = new Registry();
  const gated = ingester(clickhouse, createIngestMetrics(registry, () => memory.paused), BATCH, memory);
  await gated.start();
  try {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: signalTopic(config.kafka, 'traces').name,
      acks: -1,
      messages: extra.map((s) => ({ key: s.traceId, value: encodeSpanRow(s), headers: { [FORMAT_HEADER]: SPAN_ROW_FORMAT } })),
    });
    await producer.disconnect();
    await eventually('the partition to wait for memory', 30_000, async () => Promise.resolve(memory.paused > 0 ? true : undefined));
    const paused = await registry.getSingleMetric('cairn_ingest_paused_partitions')?.get();
    assert.equal(paused?.values[0]?.value, 1);
    assert.equal(await storedCount(traceIds), 0, 'nothing inserted while over budget');
    overBudget = false;
    await eventually('all spans stored after memory dropped', 60_000, async () => ((await storedCount(traceIds)) === extra.length ? true : undefined));
    await eventually('all offsets committed', 60_000, async () => ((await committed()).offset === String(SPANS + extra.length) ? true : undefined));
    assert.equal(await storedCount(traceIds), extra.length, 'each stored once');
  } finally {
    await gated.close();
  }
});
