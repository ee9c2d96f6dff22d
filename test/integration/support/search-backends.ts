// The two deployments the search and query DSL tests run against, both fed through their real
// ingestion path with API keys for two tenants:
// - cluster: receiver -> Kafka -> ingester -> ClickHouse 18.16 (2 shards x 2 replicas) -> query
//   service (startPipeline, its own database and topics);
// - embedded: `cairn start` built in-process: receiver -> chdb (current ClickHouse) -> query.
// One embedded engine per process, so a test file opens the embedded backend at most once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readEmbeddedConfig } from '../../../common/cli/config.ts';
import { buildEmbedded } from '../../../common/cli/embedded.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../../../common/clickhouse/topology.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import { startPipeline } from './pipeline.ts';

export interface Backend {
  readonly name: string;
  readonly otlpUrl: string;
  readonly queryUrl: string;
  /** API key of tenant "team-a" and of tenant "team-b". */
  readonly keyA: string;
  readonly keyB: string;
  /** The backend's storage, for tests that assemble their own query app on it. */
  readonly clickhouse: SqlRunner;
  readonly target: StorageTarget;
  close(): Promise<void>;
}

function keys(): { keyA: string; keyB: string; env: Record<string, string> } {
  const keyA = `key-a-${randomBytes(8).toString('hex')}`;
  const keyB = `key-b-${randomBytes(8).toString('hex')}`;
  return { keyA, keyB, env: { CAIRN_AUTH: 'api-key', CAIRN_API_KEYS: `${keyA}=team-a,${keyB}=team-b` } };
}

export async function clusterBackend(prefix: string, extraEnv: Record<string, string> = {}): Promise<Backend> {
  const k = keys();
  const p = await startPipeline(prefix, { ...k.env, ...extraEnv });
  return {
    name: 'ClickHouse 18.16 cluster',
    otlpUrl: p.otlpUrl,
    queryUrl: p.queryUrl,
    keyA: k.keyA,
    keyB: k.keyB,
    clickhouse: p.clickhouse,
    target: p.collectorConfig.clickhouse.target,
    close: () => p.close(),
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

export async function embeddedBackend(extraEnv: Record<string, string> = {}): Promise<Backend> {
  const k = keys();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-search-'));
  const env = { CAIRN_DATA_DIR: dir, CAIRN_LOG_LEVEL: process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'warn', ...k.env, ...extraEnv };
  const config = readEmbeddedConfig(env);
  const cairn = await buildEmbedded(config, createLogger(config.query.logLevel, 'test-embedded'));
  const [receiver, query] = cairn.listeners;
  if (receiver === undefined || query === undefined) throw new Error('embedded mode has a receiver and a query listener');
  const otlpUrl = await listen(receiver.app);
  const queryUrl = await listen(query.app);
  // Ready once the schema is current and both servers listen.
  await cairn.schemaReady;
  return {
    name: 'embedded engine (chdb)',
    otlpUrl,
    queryUrl,
    keyA: k.keyA,
    keyB: k.keyB,
    clickhouse: cairn.clickhouse,
    target: config.query.clickhouse.target,
    async close() {
      await Promise.all(cairn.listeners.map((l) => l.app.close()));
      await cairn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs an OTLP/JSON export as the tenant of `key`; throws unless it was accepted whole. */
export async function sendOtlp(b: Backend, path: '/v1/traces' | '/v1/logs', body: unknown, key: string): Promise<void> {
  const res = await fetch(`${b.otlpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 200 || text.includes('partialSuccess')) throw new Error(`OTLP ${path}: HTTP ${res.status} ${text}`);
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** GET or POST on the query API as the tenant of `key`; returns status and parsed JSON. */
export async function api<T = Record<string, unknown>>(b: Backend, path: string, key: string, body?: unknown): Promise<ApiAnswer<T>> {
  const res = await fetch(`${b.queryUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as T };
}
