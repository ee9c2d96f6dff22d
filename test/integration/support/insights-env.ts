// The two ways the insights tests (RED, service graph, correlation, metrics queries) run Cairn:
// the distributed pipeline on the local stack (receiver -> Kafka -> ingester -> ClickHouse 18.16
// cluster -> query API) and the embedded mode (`cairn start`: receiver -> chdb -> query API).
// Both take two API keys for two tenants, accept OTLP over HTTP and answer the query API over
// HTTP, so one test body exercises both engines.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ingestGroupId } from '../../../collector/ingest/signal-ingester.ts';
import { createKafka } from '../../../collector/kafka/kafka-client.ts';
import { signalTopic } from '../../../collector/kafka/topics.ts';
import type { SignalName } from '../../../collector/signals/signal.ts';
import { readEmbeddedConfig } from '../../../common/cli/config.ts';
import { buildEmbedded } from '../../../common/cli/embedded.ts';
import { createClickHouse, defaultClickHouseRetry } from '../../../common/clickhouse/client.ts';
import type { Settings, SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../../common/clickhouse/topology.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import { eventually, startPipeline } from './pipeline.ts';

export const TENANT_A = 'tenant-a';
export const TENANT_B = 'tenant-b';
export const KEY_A = `insights-a-${randomBytes(8).toString('hex')}`;
export const KEY_B = `insights-b-${randomBytes(8).toString('hex')}`;
const API_KEYS = `${KEY_A}=${TENANT_A},${KEY_B}=${TENANT_B}`;

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export interface InsightsEnv {
  readonly engine: 'cluster' | 'embedded';
  readonly target: StorageTarget;
  /** A client on the same storage, for running the edge job and for direct checks. */
  readonly clickhouse: SqlRunner;
  /** Settings an insert through this client needs (quorum on the cluster). */
  readonly insertSettings: Settings;
  /** Posts one OTLP/HTTP export and requires it to be accepted whole. */
  send(signal: SignalName, body: Uint8Array | string, contentType: string, apiKey: string): Promise<void>;
  /** GET on the query API. */
  get<T>(path: string, apiKey: string): Promise<ApiAnswer<T>>;
  /** Resolves once everything sent is stored (the embedded mode stores before it answers). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

const logger = createLogger(process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'warn', 'test-insights');

async function post(base: string, signal: SignalName, body: Uint8Array | string, contentType: string, apiKey: string): Promise<void> {
  const res = await fetch(`${base}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${apiKey}` },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `POST /v1/${signal}: ${text}`);
  if (contentType === 'application/json') assert.deepEqual(JSON.parse(text), {}, `POST /v1/${signal} accepted whole`);
}

async function get<T>(base: string, path: string, apiKey: string): Promise<ApiAnswer<T>> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: (await res.json()) as T };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

export async function clusterEnv(prefix: string): Promise<InsightsEnv> {
  const p = await startPipeline(prefix, { CAIRN_AUTH: 'api-key', CAIRN_API_KEYS: API_KEYS });
  return {
    engine: 'cluster',
    target: p.collectorConfig.clickhouse.target,
    clickhouse: p.clickhouse,
    insertSettings: { insert_distributed_sync: 1, insert_quorum: 2 },
    send: (signal, body, contentType, apiKey) => post(p.otlpUrl, signal, body, contentType, apiKey),
    get: (path, apiKey) => get(p.queryUrl, path, apiKey),
    async drained() {
      // The ingester commits an offset only after ClickHouse took the rows, so committed offsets
      // at the topics' ends mean everything is stored.
      const kafka = p.collectorConfig.kafka;
      const admin = createKafka(kafka, logger).admin();
      await admin.connect();
      try {
        for (const signal of ['traces', 'logs', 'metrics'] as const) {
          const topic = signalTopic(kafka, signal).name;
          const groupId = ingestGroupId(p.collectorConfig, signal);
          await eventually(`${groupId} to commit every offset of ${topic}`, 60_000, async () => {
            const ends = await admin.fetchTopicOffsets(topic);
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            const byPartition = new Map((committed?.partitions ?? []).map((c) => [c.partition, c]));
            const done = ends.every((end) => {
              const c = byPartition.get(end.partition);
              const offset = c === undefined || c.offset === '-1' ? 0n : BigInt(c.offset);
              return offset === BigInt(end.high) && (c?.metadata ?? '') === '';
            });
            return done ? true : undefined;
          });
        }
      } finally {
        await admin.disconnect();
      }
    },
    close: () => p.close(),
  };
}

export async function embeddedEnv(): Promise<InsightsEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-insights-'));
  const config = readEmbeddedConfig({ CAIRN_DATA_DIR: dir, CAIRN_AUTH: 'api-key', CAIRN_API_KEYS: API_KEYS, CAIRN_LOG_LEVEL: 'warn' });
  const cairn = await buildEmbedded(config, logger);
  await cairn.schemaReady;
  const [receiver, query] = cairn.listeners;
  assert.ok(receiver !== undefined && query !== undefined);
  const otlpUrl = await listen(receiver.app);
  const queryUrl = await listen(query.app);
  // A second client on the same data directory: chdb shares one engine per process.
  const clickhouse = createClickHouse({ endpoint: { kind: 'embedded', path: dir }, requestTimeoutMs: 60_000, retry: defaultClickHouseRetry, logger });
  return {
    engine: 'embedded',
    target: config.query.clickhouse.target,
    clickhouse,
    insertSettings: {},
    send: (signal, body, contentType, apiKey) => post(otlpUrl, signal, body, contentType, apiKey),
    get: (path, apiKey) => get(queryUrl, path, apiKey),
    drained: () => Promise.resolve(),
    async close() {
      await receiver.app.close();
      await query.app.close();
      await clickhouse.close();
      await cairn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
