// Starts Cairn's collector (receiver + ingester) and query service in this process against the
// local stack, on ephemeral ports, and tears them down with their database, topics and election.
// The pipeline's query app is elected leader (its database has an election of its own) and
// applies the schema, as in production; a collector started on its own gets the schema applied
// up front, since no query service runs beside it.
import { createClickHouse, defaultClickHouseRetry } from '../../../common/clickhouse/client.ts';
import { dropDatabase } from '../../../common/clickhouse/ddl.ts';
import { migrate } from '../../../common/clickhouse/migrations.ts';
import { appliedSchemaVersion, latestSchemaVersion } from '../../../common/clickhouse/schema-ready.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import type { Logger } from '../../../common/runtime/logger.ts';
import { buildCollectorApp } from '../../../collector/app.ts';
import { readCollectorConfig } from '../../../collector/config.ts';
import type { CollectorConfig, CollectorRole } from '../../../collector/config.ts';
import { createKafka } from '../../../collector/kafka/kafka-client.ts';
import { buildQueryApp } from '../../../query/app.ts';
import { readQueryConfig } from '../../../query/config.ts';
import type { QueryConfig } from '../../../query/config.ts';
import { electionPaths } from '../../../query/ha/election-paths.ts';
import { zkCode } from '../../../query/ha/zk-errors.ts';
import { ZkSession } from '../../../query/ha/zk-session.ts';
import type { FastifyInstance } from 'fastify';
import { isolatedEnv, stackEndpoints, uniqueName } from './stack-env.ts';

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

/** Applies the schema unless it is current (as an operator would before starting ingesters alone). */
async function prepareSchema(config: CollectorConfig, logger: Logger): Promise<void> {
  const ch = createClickHouse({ endpoint: config.clickhouse.endpoint, requestTimeoutMs: 120_000, retry: defaultClickHouseRetry, logger });
  try {
    const current = await appliedSchemaVersion(ch, config.clickhouse.target).catch(() => 0);
    if (current < latestSchemaVersion()) await migrate(ch, config.clickhouse.target, { epoch: 0n, member: 'test-setup' });
  } finally {
    await ch.close();
  }
}

export interface StartCollectorOptions {
  /** 'prepare' (default): apply the schema first; 'leader': a query app's leader will. */
  readonly schema?: 'prepare' | 'leader';
}

export async function startCollector(env: Record<string, string>, role: CollectorRole, options: StartCollectorOptions = {}): Promise<RunningCollector> {
  const config = readCollectorConfig(env, role);
  const logger = createLogger(env['CAIRN_LOG_LEVEL'] ?? 'warn', `test-collector-${role}`);
  if ((options.schema ?? 'prepare') === 'prepare') await prepareSchema(config, logger);
  const { app, grpc } = await buildCollectorApp(config, logger);
  const url = await listen(app);
  const grpcUrl = grpc === undefined ? '' : `http://127.0.0.1:${await grpc.listen('127.0.0.1', 0)}`;
  return { app, url, grpcUrl, config };
}

export async function startPipeline(prefix: string, extraEnv: Record<string, string> = {}): Promise<Pipeline> {
  const name = uniqueName(prefix);
  // Port 0: the app listens on an ephemeral port, so it advertises no URL to (absent) peers.
  const env = isolatedEnv(name, { CAIRN_ZOOKEEPER: stackEndpoints().zookeeper, CAIRN_QUERY_PORT: '0', ...extraEnv });
  const logger = createLogger(env['CAIRN_LOG_LEVEL'] ?? 'warn', 'test');
  // The ingesters wait for the schema, which the query app below applies once it leads.
  let collector: RunningCollector | null = await startCollector(env, 'all', { schema: 'leader' });
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
      await removeElection(queryConfig);
      await clickhouse.command(dropDatabase(queryConfig.clickhouse.target), { timeoutMs: 120_000 });
      await clickhouse.close();
      await deleteTopics(collectorConfig, name, logger);
    },
  };
}

/** Opens a ZooKeeper session on the stack for a test's own reads and clean-up. */
/** Deletes the topics a test created under its prefix (`<prefix>.spans` and the rest). */
export async function deleteTopics(config: CollectorConfig, prefix: string, logger: Logger): Promise<void> {
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

export function openZooKeeper(): Promise<ZkSession> {
  return ZkSession.open({ connect: stackEndpoints().zookeeper, sessionTimeoutMs: 10_000, connectTimeoutMs: 10_000, logger: createLogger('silent', 'test-zookeeper') });
}

/** Deletes `path` and everything under it (absent is fine). */
export async function removeTree(zk: ZkSession, path: string): Promise<void> {
  let children: string[];
  try {
    children = await zk.getChildren(path);
  } catch (err) {
    if (zkCode(err) === 'NO_NODE') return;
    throw err;
  }
  for (const child of children) await removeTree(zk, `${path}/${child}`);
  await zk.remove(path);
}

/** Deletes a test database's election tree (members, epoch, action records, leader state). */
export async function removeElection(config: QueryConfig): Promise<void> {
  if (config.coordination.kind !== 'zookeeper') return;
  const zk = await openZooKeeper();
  try {
    await removeTree(zk, electionPaths(config.coordination.root, config.clickhouse.target.database.name).base);
  } finally {
    await zk.close();
  }
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
