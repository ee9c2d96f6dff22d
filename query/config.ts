// The query service's configuration: the only place the query service reads the environment.
import { readClickHouseConfig } from '../common/clickhouse/config.ts';
import type { ClickHouseConfig } from '../common/clickhouse/config.ts';
import type { ApiAuth } from '../common/auth/api-keys.ts';
import { readAuth } from '../common/auth/auth-config.ts';
import { int, oneOf, port, str } from '../common/runtime/env.ts';
import type { Env } from '../common/runtime/env.ts';

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
  /** Identity written with migrations this replica applies. */
  readonly memberId: string;
}

export function readQueryConfig(env: Env, embeddedPath: string | null = null): QueryConfig {
  return {
    logLevel: oneOf(env, 'CAIRN_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    host: str(env, 'CAIRN_LISTEN_HOST', '0.0.0.0'),
    port: port(env, 'CAIRN_QUERY_PORT', 8080),
    auth: readAuth(env, 'api-key'),
    clickhouse: readClickHouseConfig(env, embeddedPath),
    queryTimeoutMs: int(env, 'CAIRN_QUERY_TIMEOUT_MS', 10_000, 100, 600_000),
    maxTraceSpans: int(env, 'CAIRN_QUERY_MAX_TRACE_SPANS', 10_000, 1, 1_000_000),
    memberId: str(env, 'CAIRN_MEMBER_ID', `query-${process.pid}`),
  };
}
