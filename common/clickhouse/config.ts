// ClickHouse settings shared by every role; called from the services' config.ts with their env.
import { ConfigError, int, str, url } from '../runtime/env.ts';
import type { Env } from '../runtime/env.ts';
import type { ClickHouseEndpoint } from './client.ts';
import { storageTarget } from './topology.ts';
import type { StorageTarget } from './topology.ts';

export interface ClickHouseConfig {
  readonly endpoint: ClickHouseEndpoint;
  readonly target: StorageTarget;
  readonly requestTimeoutMs: number;
}

export function readClickHouseConfig(env: Env, embeddedPath: string | null): ClickHouseConfig {
  const database = str(env, 'CAIRN_CLICKHOUSE_DATABASE', 'cairn');
  const cluster = str(env, 'CAIRN_CLICKHOUSE_CLUSTER', embeddedPath === null ? 'cairn' : '');
  const requestTimeoutMs = int(env, 'CAIRN_CLICKHOUSE_TIMEOUT_MS', 30_000, 100, 600_000);
  let target: StorageTarget;
  try {
    target = storageTarget(database, cluster === '' ? null : cluster);
  } catch (err) {
    throw new ConfigError(`CAIRN_CLICKHOUSE_DATABASE / CAIRN_CLICKHOUSE_CLUSTER: ${(err as Error).message}`);
  }
  if (embeddedPath !== null) {
    if (target.topology.kind === 'cluster') {
      throw new ConfigError('CAIRN_CLICKHOUSE_CLUSTER must be empty with the embedded engine (it has one node)');
    }
    return { endpoint: { kind: 'embedded', path: embeddedPath }, target, requestTimeoutMs };
  }
  return {
    endpoint: {
      kind: 'server',
      url: url(env, 'CAIRN_CLICKHOUSE_URL', 'http://127.0.0.1:8123'),
      username: str(env, 'CAIRN_CLICKHOUSE_USER', 'default'),
      password: str(env, 'CAIRN_CLICKHOUSE_PASSWORD', ''),
    },
    target,
    requestTimeoutMs,
  };
}
