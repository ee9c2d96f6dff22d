// Builds the collector for a role without listening: receiver (OTLP/HTTP -> Kafka), ingester
// (Kafka -> ClickHouse) or both. Every external client is created here and closed in onClose.
import type { FastifyInstance } from 'fastify';
import { Partitioners } from 'kafkajs';
import type { Registry } from 'prom-client';
import { createClickHouse, defaultClickHouseRetry } from '../common/clickhouse/client.ts';
import { ensureSchema } from '../common/clickhouse/schema-ready.ts';
import type { Logger } from '../common/runtime/logger.ts';
import { createHttpApp } from '../common/runtime/http-app.ts';
import { createRegistry } from '../common/runtime/metrics.ts';
import { registerOpsRoutes } from '../common/runtime/ops-routes.ts';
import type { ReadinessCheck } from '../common/runtime/ops-routes.ts';
import type { CollectorConfig } from './config.ts';
import { createIngestMetrics } from './ingest/ingest-metrics.ts';
import { spanIngesterFor } from './ingest/span-ingester.ts';
import { createKafka } from './kafka/kafka-client.ts';
import { deadLetterTopic, ensureTopics, spansTopic } from './kafka/topics.ts';
import { defaultTraceDecodeLimits } from './otlp/decode-traces.ts';
import { createReceiverMetrics } from './receiver/receiver-metrics.ts';
import { SpanProducer } from './receiver/span-producer.ts';
import { otlpHttpRoutes } from './routes/otlp-http.ts';

export interface CollectorApp {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  /** The port this role serves HTTP on (OTLP for receivers, ops-only for a lone ingester). */
  readonly port: number;
}

export async function buildCollectorApp(config: CollectorConfig, logger: Logger): Promise<CollectorApp> {
  const registry = createRegistry('collector');
  const app = createHttpApp(logger, config.maxRequestBytes);
  const checks: ReadinessCheck[] = [];
  const kafka = createKafka(config.kafka, logger);
  const topics = [spansTopic(config.kafka), deadLetterTopic(config.kafka, 'spans')];

  const admin = kafka.admin();
  try {
    await admin.connect();
    await ensureTopics(admin, config.kafka, topics);
  } catch (err) {
    throw new Error(
      `cannot prepare Kafka topics on ${config.kafka.brokers.join(',')} (CAIRN_KAFKA_BROKERS): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    await admin.disconnect();
  }

  if (config.role !== 'ingester') {
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      maxInFlightRequests: 5,
      // Murmur2, as the Java client: a trace_id maps to the same partition from any producer.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    let producerUp = true;
    producer.on(producer.events.DISCONNECT, () => (producerUp = false));
    producer.on(producer.events.CONNECT, () => (producerUp = true));
    app.addHook('onClose', async () => producer.disconnect());
    checks.push({ name: 'kafka-producer', check: () => (producerUp ? '' : 'Kafka producer disconnected') });
    const metrics = createReceiverMetrics(registry);
    const spanProducer = new SpanProducer(
      producer,
      spansTopic(config.kafka).name,
      config.kafka.produceTimeoutMs,
      config.kafka.produceDeadlineMs,
      metrics,
    );
    await app.register(otlpHttpRoutes, {
      tenant: config.tenant,
      maxRequestBytes: config.maxRequestBytes,
      maxInflightBytes: config.maxInflightBytes,
      limits: defaultTraceDecodeLimits,
      sink: spanProducer,
      metrics,
    });
  }

  if (config.role !== 'receiver') {
    const clickhouse = createClickHouse({
      endpoint: config.clickhouse.endpoint,
      requestTimeoutMs: Math.max(config.clickhouse.requestTimeoutMs, config.ingest.insertTimeoutMs + 5000),
      retry: defaultClickHouseRetry,
      logger,
    });
    const schema = ensureSchema(clickhouse, config.clickhouse.target, config.kafka.clientId, logger.child({ component: 'schema' }));
    const ingester = spanIngesterFor(config, { kafka, clickhouse, metrics: createIngestMetrics(registry), logger });
    // One hook so the order is explicit: the ingester stops (finishing its batch and commit)
    // before the ClickHouse client it inserts with is closed.
    app.addHook('onClose', async () => {
      schema.stop();
      await ingester.close();
      await clickhouse.close();
    });
    // Consumption starts once the tables exist; until then Kafka simply holds the data.
    app.addHook('onReady', () => {
      schema.ready.then(
        () => ingester.start(),
        () => undefined,
      ).catch((err: unknown) => {
        logger.error({ err }, 'span ingester failed to start');
      });
    });
    checks.push({ name: 'schema', check: () => schema.status() });
    checks.push({ name: 'span-ingester', check: () => (ingester.isRunning ? '' : 'consumer not running') });
    checks.push({ name: 'clickhouse', check: async () => ((await clickhouse.ping()) ? '' : 'ClickHouse ping failed') });
  }

  registerOpsRoutes(app, registry, () => checks);
  const port = config.role === 'ingester' ? config.ingesterHttpPort : config.otlpHttpPort;
  return { app, registry, port };
}
