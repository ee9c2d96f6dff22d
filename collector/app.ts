// Builds the collector for a role without listening: receiver (OTLP/HTTP -> Kafka), ingester
// (Kafka -> ClickHouse, one consumer group per signal) or both. Every external client is created
// here and closed in onClose.
import { Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../common/clickhouse/client.ts';
import { awaitSchema } from '../common/clickhouse/schema-ready.ts';
import { createHttpApp } from '../common/runtime/http-app.ts';
import type { Logger } from '../common/runtime/logger.ts';
import { createRegistry } from '../common/runtime/metrics.ts';
import { registerOpsRoutes } from '../common/runtime/ops-routes.ts';
import type { ReadinessCheck } from '../common/runtime/ops-routes.ts';
import { receiverAuth } from './config.ts';
import type { CollectorConfig } from './config.ts';
import { createIngestMetrics } from './ingest/ingest-metrics.ts';
import { MemoryGate } from './ingest/memory-gate.ts';
import { ingesterFor } from './ingest/signal-ingester.ts';
import { createKafka } from './kafka/kafka-client.ts';
import { ensureTopics, signalTopic, topicsFor } from './kafka/topics.ts';
import { createReceiverMetrics } from './receiver/receiver-metrics.ts';
import { registerOtlpReceivers } from './receiver/otlp-receivers.ts';
import { RowProducer } from './receiver/row-producer.ts';
import type { OtlpGrpcServer } from './grpc/otlp-grpc-server.ts';
import { signalsFor } from './signals/all.ts';
import { SeriesLimiter } from './signals/series-limiter.ts';
import type { Signal, SignalName } from './signals/signal.ts';

export interface CollectorApp {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  /** The port this role serves HTTP on (OTLP for receivers, ops-only for a lone ingester). */
  readonly port: number;
  /** The OTLP/gRPC server of a receiver, not yet listening (main.ts binds it). */
  readonly grpc: OtlpGrpcServer | undefined;
}

/** Creates or checks every topic; returns the partition count of each signal's topic. */
async function prepareTopics(kafka: Kafka, config: CollectorConfig, signals: readonly Signal[]): Promise<Map<SignalName, number>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const counts = await ensureTopics(admin, config.kafka, topicsFor(config.kafka, signals.map((s) => s.name)));
    return new Map(signals.map((s) => [s.name, counts.get(signalTopic(config.kafka, s.name).name) ?? config.kafka.partitions[s.name]]));
  } catch (err) {
    throw new Error(
      `cannot prepare Kafka topics on ${config.kafka.brokers.join(',')} (CAIRN_KAFKA_BROKERS): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    await admin.disconnect();
  }
}

async function addReceiver(
  app: FastifyInstance,
  kafka: Kafka,
  config: CollectorConfig,
  registry: Registry,
  logger: Logger,
  checks: ReadinessCheck[],
  signals: readonly Signal[],
  partitions: ReadonlyMap<SignalName, number>,
): Promise<OtlpGrpcServer> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    // Idempotent: a produce the broker wrote but whose ack was lost (leader killed) is retried
    // with the same sequence number and written once, not twice. One request in flight per broker
    // keeps kafkajs' sequence numbers in order. Retries stay bounded (the client was already told
    // 503 at the deadline); Kafka's sequence check covers every retry within the bound.
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000, factor: 0.2, multiplier: 2 },
    // Murmur2, as the Java client: a key maps to the same partition from any producer.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let producerUp = true;
  producer.on(producer.events.DISCONNECT, () => (producerUp = false));
  producer.on(producer.events.CONNECT, () => (producerUp = true));
  checks.push({ name: 'kafka-producer', check: () => (producerUp ? '' : 'Kafka producer disconnected') });
  const metrics = createReceiverMetrics(registry);
  const sink = new RowProducer(producer, config.kafka, metrics, partitions);
  const grpc = await registerOtlpReceivers(
    app,
    { signals, auth: receiverAuth(config), maxRequestBytes: config.maxRequestBytes, maxInflightBytes: config.maxInflightBytes, sink, metrics },
    logger,
  );
  // gRPC exports in flight finish before the producer they publish with goes away.
  app.addHook('onClose', async () => {
    await grpc.close();
    await producer.disconnect();
  });
  return grpc;
}

function addIngesters(
  app: FastifyInstance,
  kafka: Kafka,
  config: CollectorConfig,
  registry: Registry,
  logger: Logger,
  checks: ReadinessCheck[],
  signals: readonly Signal[],
): void {
  const clickhouse = createClickHouse({
    endpoint: config.clickhouse.endpoint,
    requestTimeoutMs: Math.max(config.clickhouse.requestTimeoutMs, config.ingest.insertTimeoutMs + 5000),
    retry: defaultClickHouseRetry,
    logger,
  });
  // The query service's leader applies migrations; ingesters only wait until the schema is current.
  const schema = awaitSchema(clickhouse, config.clickhouse.target, logger.child({ component: 'schema' }));
  const memory = new MemoryGate({ maxRssBytes: config.ingest.maxRssBytes });
  const metrics = createIngestMetrics(registry, () => memory.paused);
  const ingesters = signals.map((signal) => ingesterFor(config, signal, { kafka, clickhouse, metrics, logger, memory }));
  // One hook so the order is explicit: the ingesters stop (finishing their batch and commit)
  // before the ClickHouse client they insert with is closed.
  app.addHook('onClose', async () => {
    schema.stop();
    await Promise.all(ingesters.map((i) => i.close()));
    await clickhouse.close();
  });
  // Consumption starts once the tables exist; until then Kafka simply holds the data.
  app.addHook('onReady', () => {
    schema.ready
      .then(
        () => Promise.all(ingesters.map((i) => i.start())),
        () => undefined,
      )
      .catch((err: unknown) => {
        logger.error({ err }, 'ingester failed to start');
      });
  });
  checks.push({ name: 'schema', check: () => schema.status() });
  checks.push({
    name: 'ingesters',
    check: () => (ingesters.every((i) => i.isRunning) ? '' : 'not every signal consumer is running'),
  });
  checks.push({ name: 'clickhouse', check: async () => ((await clickhouse.ping()) ? '' : 'ClickHouse ping failed') });
}

export async function buildCollectorApp(config: CollectorConfig, logger: Logger): Promise<CollectorApp> {
  const registry = createRegistry('collector');
  const app = createHttpApp(logger, config.maxRequestBytes);
  const checks: ReadinessCheck[] = [];
  const kafka = createKafka(config.kafka, logger);
  // Only receivers decode requests, so only they need (and may refuse by) the series limit.
  const signals = signalsFor(config, config.role === 'ingester' ? undefined : new SeriesLimiter(config.series));
  const partitions = await prepareTopics(kafka, config, signals);
  const grpc = config.role === 'ingester' ? undefined : await addReceiver(app, kafka, config, registry, logger, checks, signals, partitions);
  if (config.role !== 'receiver') addIngesters(app, kafka, config, registry, logger, checks, signals);
  registerOpsRoutes(app, registry, () => checks);
  const port = config.role === 'ingester' ? config.ingesterHttpPort : config.otlpHttpPort;
  return { app, registry, port, grpc };
}
