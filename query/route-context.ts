// What every query route needs from the service: storage, the deadline, and whether the schema
// is ready. One object so adding a route does not widen buildQueryApp.
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../common/clickhouse/topology.ts';
import type { Logger } from '../common/runtime/logger.ts';

export interface RouteContext {
  readonly clickhouse: SqlRunner;
  readonly target: StorageTarget;
  /** '' when the schema is in place; otherwise why reads cannot be answered yet. */
  readonly schemaStatus: () => string;
  /** Deadline of one request's storage work (CAIRN_QUERY_TIMEOUT_MS). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}
