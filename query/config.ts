// The query service's configuration: the only place the query service reads the environment.
import { hostname } from 'node:os';
import { readClickHouseConfig } from '../common/clickhouse/config.ts';
import type { ClickHouseConfig } from '../common/clickhouse/config.ts';
import type { RetentionDays } from '../common/clickhouse/retention-job.ts';
import type { ApiAuth } from '../common/auth/api-keys.ts';
import { readAuth } from '../common/auth/auth-config.ts';
import { ConfigError, hostPorts, int, oneOf, port, str, url } from '../common/runtime/env.ts';
import type { Env } from '../common/runtime/env.ts';
import { isValidRoot } from './ha/election-paths.ts';

/** How replicas agree on a leader: ZooKeeper, or (embedded mode) the process elects itself. */
export type Coordination =
  | { readonly kind: 'zookeeper'; readonly connect: string; readonly root: string; readonly sessionTimeoutMs: number }
  | { readonly kind: 'standalone' };

export interface QueryConfig {
  readonly logLevel: string;
  readonly host: string;
  readonly port: number;
  /** Who may read which tenant's rows: API keys (the default) or `none` (one tenant). */
  readonly auth: ApiAuth;
  readonly clickhouse: ClickHouseConfig;
  /** Deadline of one API request's ClickHouse work; also sent as max_execution_time. */
  readonly queryTimeoutMs: number;
  readonly maxTraceSpans: number;
  /** This replica's name in the election, in /api/v1/cluster and with the migrations it applies. */
  readonly memberId: string;
  /** Where other replicas reach this one over HTTP; null if unknown (port 0). */
  readonly memberUrl: string | null;
  readonly coordination: Coordination;
  /** Leader-only jobs. */
  readonly retention: { readonly days: RetentionDays; readonly intervalMs: number };
  readonly rollup: { readonly intervalMs: number; readonly settleSeconds: number };
  /** insert_quorum of the leader's rollup inserts (0: none). */
  readonly insertQuorum: number;
}

function defaultMemberUrl(host: string, listenPort: number): string | null {
  if (listenPort === 0) return null;
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${listenPort}`;
}

function readCoordination(env: Env, embedded: boolean): Coordination {
  if (embedded) return { kind: 'standalone' };
  const root = str(env, 'CAIRN_ZK_ROOT', '/cairn');
  if (!isValidRoot(root)) throw new ConfigError(`CAIRN_ZK_ROOT=${root} must be an absolute znode path such as /cairn (letters, digits, _ . -; no trailing slash)`);
  return {
    kind: 'zookeeper',
    connect: hostPorts(env, 'CAIRN_ZOOKEEPER', ['127.0.0.1:12181']).join(','),
    root,
    sessionTimeoutMs: int(env, 'CAIRN_ZK_SESSION_TIMEOUT_MS', 4000, 1000, 120_000),
  };
}

export function readQueryConfig(env: Env, embeddedPath: string | null = null): QueryConfig {
  const host = str(env, 'CAIRN_LISTEN_HOST', '0.0.0.0');
  const listenPort = port(env, 'CAIRN_QUERY_PORT', 8080);
  const clickhouse = readClickHouseConfig(env, embeddedPath);
  const memberUrl = str(env, 'CAIRN_MEMBER_URL', '') === '' ? defaultMemberUrl(host, listenPort) : url(env, 'CAIRN_MEMBER_URL', '');
  return {
    logLevel: oneOf(env, 'CAIRN_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    host,
    port: listenPort,
    auth: readAuth(env, 'api-key'),
    clickhouse,
    queryTimeoutMs: int(env, 'CAIRN_QUERY_TIMEOUT_MS', 10_000, 100, 600_000),
    maxTraceSpans: int(env, 'CAIRN_QUERY_MAX_TRACE_SPANS', 10_000, 1, 1_000_000),
    memberId: str(env, 'CAIRN_MEMBER_ID', `query-${process.pid}`),
    memberUrl: memberUrl === null ? null : memberUrl.replace(/\/+$/, ''),
    coordination: readCoordination(env, embeddedPath !== null),
    retention: {
      days: {
        traces: int(env, 'CAIRN_RETENTION_DAYS_TRACES', 7, 1, 3650),
        logs: int(env, 'CAIRN_RETENTION_DAYS_LOGS', 7, 1, 3650),
        metrics: int(env, 'CAIRN_RETENTION_DAYS_METRICS', 30, 1, 3650),
      },
      intervalMs: int(env, 'CAIRN_RETENTION_INTERVAL_S', 3600, 10, 7 * 24 * 3600) * 1000,
    },
    rollup: {
      intervalMs: int(env, 'CAIRN_ROLLUP_INTERVAL_S', 60, 1, 3600) * 1000,
      settleSeconds: int(env, 'CAIRN_ROLLUP_SETTLE_S', 300, 0, 24 * 3600),
    },
    insertQuorum: int(env, 'CAIRN_INSERT_QUORUM', clickhouse.target.topology.kind === 'cluster' ? 2 : 0, 0, 16),
  };
}
