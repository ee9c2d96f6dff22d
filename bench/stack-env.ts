// The environment of the benchmark's collector processes: the local stack's endpoints (as
// `cairn stack up` wrote them), plus a database, topics and consumer groups of the run's own.
import { readFileSync } from 'node:fs';
import type { StackEndpoints } from '../deploy/local/stack.ts';

export function readStackEndpoints(path: string): StackEndpoints {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StackEndpoints;
  } catch (err) {
    throw new Error(`cannot read ${path}; start the stack with \`node bin/cairn.js stack up\``, { cause: err });
  }
}

export interface RunPorts {
  readonly otlpHttp: number;
  readonly otlpGrpc: number;
  readonly ingesterHttp: number;
}

/** Names unique to this run: database, topic prefix and consumer group prefix. */
export function runNames(runId: string): { database: string; topicPrefix: string; groupPrefix: string } {
  return { database: `bench_${runId}`, topicPrefix: `bench_${runId}.`, groupPrefix: `bench_${runId}` };
}

export function collectorEnv(base: NodeJS.ProcessEnv, e: StackEndpoints, runId: string, ports: RunPorts): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(base).filter((kv): kv is [string, string] => kv[1] !== undefined && !kv[0].startsWith('CAIRN_')),
  );
  const names = runNames(runId);
  return {
    ...inherited,
    CAIRN_KAFKA_BROKERS: e.kafkaBrokers.join(','),
    CAIRN_CLICKHOUSE_URL: e.clickhouseHttp[0] ?? '',
    CAIRN_CLICKHOUSE_CLUSTER: e.clickhouseCluster,
    CAIRN_CLICKHOUSE_DATABASE: names.database,
    CAIRN_KAFKA_TOPIC_PREFIX: names.topicPrefix,
    CAIRN_INGEST_GROUP_PREFIX: names.groupPrefix,
    CAIRN_AUTH: 'none',
    CAIRN_LISTEN_HOST: '127.0.0.1',
    CAIRN_OTLP_HTTP_PORT: String(ports.otlpHttp),
    CAIRN_OTLP_GRPC_PORT: String(ports.otlpGrpc),
    CAIRN_INGESTER_HTTP_PORT: String(ports.ingesterHttp),
    CAIRN_LOG_LEVEL: 'warn',
  };
}
