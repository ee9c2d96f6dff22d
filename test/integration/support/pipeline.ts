// Starts Cairn's collector (receiver + ingester) and query service in this process against the
// local stack, on ephemeral ports, and tears them down with their database and topics.
import { createClickHouse, defaultClickHouseRetry } from '../../../common/clickhouse/client.ts';
import { dropDatabase } from '../../../common/clickhouse/ddl.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import { buildCollectorApp } from '../../../collector/app.ts';
import { readCollectorConfig } from '../../../collector/config.ts';
import type { CollectorConfig, CollectorRole } from '../../../collector/config.ts';
import { createKafka } from '../../../collector/kafka/kafka-client.ts';
import { buildQueryApp } from '../../../query/app.ts';
import { readQueryConfig } from '../../../query/config.ts';
import type { FastifyInstance } from 'fastify';
import { isolatedEnv, uniqueName } from './stack-env.ts';

export interface Pipeline {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly collectorConfig: CollectorConfig;
  /** Base URL of the OTLP/HTTP receiver, e.g. http://127.0.0.1:41234 */
  readonly otlpUrl: string;
  /** Address of the OTLP/gRPC receiver, e.g. http://127.0.0.1:41235 */
  readonly grpcUrl: string;
  readonly queryUrl: string;
  /** A client on the cluster for assertions (reads through the Distributed tables). */
  readonly clickhouse: SqlRunner;
  stopCollector(): Promise<void>;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

export interface RunningCollector {
  readonly app: FastifyInstance;
  readonly url: string;
  /** '' for a lone ingester. */
  readonly grpcUrl: string;
  readonly config: CollectorConfig;
}

export async function startCollector(env: Record<string, string>, role: CollectorRole): Promise<RunningCollector> {
  const config = readCollectorConfig(env, role);
  const { app, grpc } = await buildCollectorApp(config, createLogger(env['CAIRN_LOG_LEVEL'] ?? 'warn', `test-collector-${role}`));
  const url = await listen(app);
  const grpcUrl = grpc === undefined ? '' : `http://127.0.0.1:${await grpc.listen('127.0.0.1', 0)}`;
  return { app, url, grpcUrl, config };
}

export async function startPipeline(prefix: string, extraEnv: Record<string, string> = {}): Promise<Pipeline> {
  const name = uniqueName(prefix);
  const env = isolatedEnv(name, extraEnv);
  const logger = createLogger(env['CAIRN_LOG_LEVEL'] ?? 'warn', 'test');
  let collector: RunningCollector | null = await startCollector(env, 'all');
  const queryConfig = readQueryConfig(env);
  const query = buildQueryApp(queryConfig, logger);
  await query.schemaReady;
  const queryUrl = await listen(query.app);
  const clickhouse = createClickHouse({
    endpoint: queryConfig.clickhouse.endpoint,
    requestTimeoutMs: 120_000,
    retry: defaultClickHouseRetry,
    logger,
  });
  const collectorConfig = collector.config;
  const stopCollector = async (): Promise<void> => {
    const c = collector;
    collector = null;
    await c?.app.close();
  };
  return {
    name,
    env,
    collectorConfig,
    otlpUrl: collector.url,
    grpcUrl: collector.grpcUrl,
    queryUrl,
    clickhouse,
    stopCollector,
    async close() {
      await stopCollector();
      await query.app.close();
      await clickhouse.command(dropDatabase(queryConfig.clickhouse.target), { timeoutMs: 120_000 });
      await clickhouse.close();
      const admin = createKafka(collectorConfig.kafka, logger).admin();
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${name}.`));
        if (topics.length > 0) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs` naming what it waited for. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
