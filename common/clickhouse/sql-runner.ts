// The narrow surface the rest of Cairn uses to talk to ClickHouse. Everything goes in as a
// SqlFragment built by sql.ts, so no caller can hand a raw string to the server.
import type { SqlFragment } from './sql.ts';

export type Settings = Readonly<Record<string, string | number>>;

export interface RunOptions {
  readonly settings?: Settings;
  readonly signal?: AbortSignal;
  /** Overrides the client's default request timeout for slow statements (DDL on a cluster). */
  readonly timeoutMs?: number;
  readonly queryId?: string;
  /**
   * false: one attempt only. For statements whose failures are their own (a user's SQL over its
   * limits, or refused as read-only), where a retry would only repeat the failure.
   */
  readonly retry?: boolean;
}

/** What a read cost, from the server's own accounting (FORMAT JSON's statistics block). */
export interface QueryStats {
  readonly rowsRead: number;
  readonly bytesRead: number;
  /** Server-side execution time. */
  readonly elapsedMs: number;
}

export interface QueryResult<Row> {
  readonly rows: Row[];
  /** Result columns in order, with their ClickHouse types. */
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly stats: QueryStats;
}

export interface SqlRunner {
  readonly engine: 'server' | 'embedded';
  command(statement: SqlFragment, options?: RunOptions): Promise<void>;
  queryRows<T>(query: SqlFragment, options?: RunOptions): Promise<T[]>;
  /**
   * A read that also returns its statistics. If `signal` aborts (deadline, client gone), the HTTP
   * request is dropped and the query is killed on the server too (KILL QUERY by its id): old
   * servers keep running a query whose client went away.
   */
  queryWithStats<T>(query: SqlFragment, options?: RunOptions): Promise<QueryResult<T>>;
  /** INSERT of pre-encoded JSONEachRow text, sent byte for byte (the dedup guarantee needs that). */
  insertJsonEachRow(table: SqlFragment, body: string, options?: RunOptions): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
