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
}

export interface SqlRunner {
  readonly engine: 'server' | 'embedded';
  command(statement: SqlFragment, options?: RunOptions): Promise<void>;
  queryRows<T>(query: SqlFragment, options?: RunOptions): Promise<T[]>;
  /** INSERT of pre-encoded JSONEachRow text, sent byte for byte (the dedup guarantee needs that). */
  insertJsonEachRow(table: SqlFragment, body: string, options?: RunOptions): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
