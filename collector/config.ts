// The collector's configuration: the only place the collector reads the environment. Invalid
// values fail start-up with a message naming the variable.
import { readClickHouseConfig } from '../common/clickhouse/config.ts';
import type { ClickHouseConfig } from '../common/clickhouse/config.ts';
import { hostPorts, int, oneOf, port, str } from '../common/runtime/env.ts';
import type { Env } from '../common/runtime/env.ts';
import { readAuth } from '../common/auth/auth-config.ts';
import type { ApiAuth } from '../common/auth/api-keys.ts';
import type { SeriesLimiterOptions } from './signals/series-limiter.ts';
import type { SignalName } from './signals/signal.ts';

export type CollectorRole = 'receiver' | 'ingester' | 'all';

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topicPrefix: string;
  /** Partitions of each signal's topic when Cairn creates it. */
  readonly partitions: Readonly<Record<SignalName, number>>;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly requestTimeoutMs: number;
  /** Broker-side wait for acks=all before the produce request fails. */
  readonly produceTimeoutMs: number;
  /**
   * Longest a receiver waits for Kafka (all retries included) before answering 503. Below the
   * 10 s default timeout of OTel exporters, so clients get an answer rather than a hang-up.
   */
  readonly produceDeadlineMs: number;
}

export interface CollectorConfig {
  readonly role: CollectorRole;
  readonly logLevel: string;
  readonly host: string;
  readonly otlpHttpPort: number;
  readonly otlpGrpcPort: number;
  /** Port for /healthz, /readyz, /metrics when the process runs only the ingester. */
  readonly ingesterHttpPort: number;
  /** null for a lone ingester: it serves no OTLP, so it needs no API keys. */
  readonly auth: ApiAuth | null;
  readonly maxRequestBytes: number;
  /** Decompressed bytes being decoded or awaiting Kafka acks before new requests get 429. */
  readonly maxInflightBytes: number;
  /** Data points one metrics export may carry; more is refused whole (400). */
  readonly maxDataPointsPerRequest: number;
  readonly series: SeriesLimiterOptions;
  readonly kafka: KafkaConfig;
  readonly clickhouse: ClickHouseConfig;
  readonly ingest: {
    /** Consumer groups are <groupPrefix>-<signal>. */
    readonly groupPrefix: string;
    readonly maxBatchRows: number;
    readonly insertQuorum: number;
    readonly insertTimeoutMs: number;
    /** Kafka partitions of one signal an ingester writes at once. */
    readonly concurrency: number;
    /** Consumption waits while the process's RSS is above this (0: never). */
    readonly maxRssBytes: number;
    /** Fewer, larger inserts mean fewer parts (less merging and ZooKeeper work) but later reads. */
    readonly fetchMinBytes: number;
    readonly fetchWaitMs: number;
  };
}

/** The auth settings of a role that serves OTLP (receiver, all); those roles always read them. */
export function receiverAuth(config: CollectorConfig): ApiAuth {
  if (config.auth === null) throw new Error(`the ${config.role} role reads no auth settings; only receiver and all serve OTLP`);
  return config.auth;
}

export function readCollectorConfig(env: Env, role: CollectorRole): CollectorConfig {
  const clickhouse = readClickHouseConfig(env, null);
  const cluster = clickhouse.target.topology.kind === 'cluster';
  return {
    role,
    logLevel: oneOf(env, 'CAIRN_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    host: str(env, 'CAIRN_LISTEN_HOST', '0.0.0.0'),
    otlpHttpPort: port(env, 'CAIRN_OTLP_HTTP_PORT', 4318),
    otlpGrpcPort: port(env, 'CAIRN_OTLP_GRPC_PORT', 4317),
    ingesterHttpPort: port(env, 'CAIRN_INGESTER_HTTP_PORT', 8319),
    auth: role === 'ingester' ? null : readAuth(env, 'api-key'),
    maxRequestBytes: int(env, 'CAIRN_MAX_REQUEST_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxInflightBytes: int(env, 'CAIRN_MAX_INFLIGHT_BYTES', 256 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
    maxDataPointsPerRequest: int(env, 'CAIRN_MAX_DATA_POINTS_PER_REQUEST', 50_000, 1, 10_000_000),
    series: {
      maxSeriesPerMetric: int(env, 'CAIRN_MAX_SERIES_PER_METRIC', 10_000, 1, 100_000_000),
      maxTrackedSeries: int(env, 'CAIRN_MAX_TRACKED_SERIES', 1_000_000, 1, 1_000_000_000),
      windowMs: int(env, 'CAIRN_SERIES_LIMIT_WINDOW_S', 3600, 1, 7 * 24 * 3600) * 1000,
    },
    kafka: {
      brokers: hostPorts(env, 'CAIRN_KAFKA_BROKERS', ['127.0.0.1:9092']),
      clientId: str(env, 'CAIRN_KAFKA_CLIENT_ID', `cairn-${role}`),
      topicPrefix: str(env, 'CAIRN_KAFKA_TOPIC_PREFIX', 'cairn.'),
      partitions: {
        traces: int(env, 'CAIRN_KAFKA_SPANS_PARTITIONS', 6, 1, 10_000),
        logs: int(env, 'CAIRN_KAFKA_LOGS_PARTITIONS', 6, 1, 10_000),
        metrics: int(env, 'CAIRN_KAFKA_METRICS_PARTITIONS', 6, 1, 10_000),
      },
      replicationFactor: int(env, 'CAIRN_KAFKA_REPLICATION_FACTOR', 3, 1, 16),
      minInsyncReplicas: int(env, 'CAIRN_KAFKA_MIN_INSYNC_REPLICAS', 2, 1, 16),
      requestTimeoutMs: int(env, 'CAIRN_KAFKA_REQUEST_TIMEOUT_MS', 10_000, 100, 300_000),
      produceTimeoutMs: int(env, 'CAIRN_KAFKA_PRODUCE_TIMEOUT_MS', 5000, 100, 300_000),
      produceDeadlineMs: int(env, 'CAIRN_KAFKA_PRODUCE_DEADLINE_MS', 8000, 100, 300_000),
    },
    clickhouse,
    ingest: {
      groupPrefix: str(env, 'CAIRN_INGEST_GROUP_PREFIX', 'cairn-ingest'),
      maxBatchRows: int(env, 'CAIRN_INGEST_MAX_BATCH_ROWS', 20_000, 1, 1_000_000),
      // On a cluster an insert counts only once two replicas of the shard have it; see README.
      insertQuorum: int(env, 'CAIRN_INSERT_QUORUM', cluster ? 2 : 0, 0, 16),
      insertTimeoutMs: int(env, 'CAIRN_INSERT_TIMEOUT_MS', 60_000, 1000, 600_000),
      // 18.16 takes one quorum insert per replicated table at a time and refuses the others
      // (code 286); with spans fanned out to five tables, 3 partitions at once mostly collided.
      // 2 gave the shortest ack->queryable tail in the ingest bench on the local 2x2 cluster.
      // Servers with parallel quorum inserts (21.x on) gain from more.
      concurrency: int(env, 'CAIRN_INGEST_CONCURRENCY', 2, 1, 64),
      maxRssBytes: int(env, 'CAIRN_INGEST_MAX_RSS_BYTES', 1536 * 1024 * 1024, 0, 1024 * 1024 * 1024 * 1024),
      fetchMinBytes: int(env, 'CAIRN_INGEST_FETCH_MIN_BYTES', 64 * 1024, 1, 64 * 1024 * 1024),
      fetchWaitMs: int(env, 'CAIRN_INGEST_FETCH_WAIT_MS', 500, 10, 30_000),
    },
  };
}
