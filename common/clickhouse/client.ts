// Builds a SqlRunner over @clickhouse/client: HTTP to a server, or the embedded engine (chdb)
// plugged in as the client's connection, so both paths share every call site.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection';
import { createRequire } from 'node:module';
import type { Logger } from '../runtime/logger.ts';
import { withRetry } from '../runtime/retry.ts';
import type { RetryPolicy } from '../runtime/retry.ts';
import { isRetryableClickHouseError } from './errors.ts';
import { randomUUID } from 'node:crypto';
import type { QueryResult, RunOptions, SqlRunner } from './sql-runner.ts';
import { sql } from './sql.ts';
import type { SqlFragment } from './sql.ts';

export type ClickHouseEndpoint =
  | { readonly kind: 'server'; readonly url: string; readonly username: string; readonly password: string }
  | { readonly kind: 'embedded'; readonly path: string };

export interface ClickHouseClientOptions {
  readonly endpoint: ClickHouseEndpoint;
  readonly requestTimeoutMs: number;
  /** Applied to reads and DDL; inserts are retried by their caller, who owns the batch. */
  readonly retry: RetryPolicy;
  readonly logger: Logger;
}

export const defaultClickHouseRetry: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 3000, deadlineMs: 20_000 };

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/**
 * chdb, the embedded engine, loads a native library of the whole ClickHouse engine (~160 MB of
 * resident memory in a process that loads it), so only processes that use it do: `cairn start`
 * and tests. The cluster roles never load it.
 */
function loadChdb(): typeof CreateChdbConnection {
  const require = createRequire(import.meta.url);
  return (require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection }).createChdbConnection;
}

function build(endpoint: ClickHouseEndpoint, requestTimeoutMs: number): ClickHouseClient {
  if (endpoint.kind === 'embedded') {
    // chdb declares the Connection type from its own copy of @clickhouse/client-common; the shapes
    // are the same, the declarations are not, hence the cast at this one boundary.
    const connection = loadChdb()({ path: endpoint.path }) as unknown as ClientConnection;
    return createClient({ connection });
  }
  return createClient({
    url: endpoint.url,
    username: endpoint.username,
    password: endpoint.password,
    request_timeout: requestTimeoutMs,
    max_open_connections: 16,
    // The client's own warnings are about its defaults, not about requests; failures surface as
    // errors to the caller, who logs them with context.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

export function createClickHouse(options: ClickHouseClientOptions): SqlRunner {
  const client = build(options.endpoint, options.requestTimeoutMs);
  const log = options.logger.child({ component: 'clickhouse' });
  let closed = false;

  const retried = <T>(what: string, fn: () => Promise<T>, signal?: AbortSignal, retry = true): Promise<T> => {
    if (!retry) return fn();
    return withRetry(
      options.retry,
      {
        isRetryable: isRetryableClickHouseError,
        onRetry: (err, attempt, delayMs) => {
          log.warn({ err, attempt, delayMs, what }, 'clickhouse call failed, retrying');
        },
        ...(signal === undefined ? {} : { signal }),
      },
      fn,
    );
  };

  const abortSignal = (o: RunOptions | undefined): AbortSignal | undefined => {
    const signals = [o?.signal, o?.timeoutMs === undefined ? undefined : AbortSignal.timeout(o.timeoutMs)];
    const present = signals.filter((x): x is AbortSignal => x !== undefined);
    return present.length === 0 ? undefined : AbortSignal.any(present);
  };
  const common = (o: RunOptions | undefined): Record<string, unknown> => {
    const signal = abortSignal(o);
    return {
      ...(o?.settings === undefined ? {} : { clickhouse_settings: o.settings }),
      ...(signal === undefined ? {} : { abort_signal: signal }),
      ...(o?.queryId === undefined ? {} : { query_id: o.queryId }),
    };
  };

  return {
    engine: options.endpoint.kind === 'embedded' ? 'embedded' : 'server',
    async command(statement: SqlFragment, o?: RunOptions): Promise<void> {
      await retried('command', () => client.command({ query: statement.text, ...common(o) }), o?.signal, o?.retry ?? true);
    },
    async queryRows<T>(query: SqlFragment, o?: RunOptions): Promise<T[]> {
      return retried(
        'query',
        async () => {
          const rs = await client.query({
            query: query.text,
            format: 'JSONEachRow',
            ...common(o),
            // Current servers stopped quoting 64-bit integers in JSON by default; nanosecond
            // timestamps need them quoted to survive JSON.parse, so ask for it on every read.
            clickhouse_settings: { output_format_json_quote_64bit_integers: 1, ...o?.settings },
          });
          return rs.json<T>();
        },
        o?.signal,
        o?.retry ?? true,
      );
    },
    async queryWithStats<T>(query: SqlFragment, o?: RunOptions): Promise<QueryResult<T>> {
      let current: string | undefined;
      const kill = (): void => {
        // The embedded engine runs in this process and stops with the aborted call.
        if (current === undefined || options.endpoint.kind === 'embedded') return;
        client.command({ query: sql`KILL QUERY WHERE query_id = ${current} ASYNC`.text }).catch((err: unknown) => {
          log.warn({ err, queryId: current }, 'could not kill an abandoned query');
        });
      };
      o?.signal?.addEventListener('abort', kill, { once: true });
      try {
        return await retried(
          'query',
          async () => {
            // A fresh id per attempt: the server refuses an id that is still running.
            current = `${o?.queryId ?? 'cairn'}-${randomUUID()}`;
            const rs = await client.query({
              query: query.text,
              format: 'JSON',
              ...common(o),
              query_id: current,
              clickhouse_settings: { output_format_json_quote_64bit_integers: 1, ...o?.settings },
            });
            const body = await rs.json<T>();
            const st = body.statistics;
            return {
              rows: body.data,
              columns: (body.meta ?? []).map((m) => ({ name: m.name, type: m.type })),
              stats: {
                rowsRead: st?.rows_read ?? 0,
                bytesRead: st?.bytes_read ?? 0,
                elapsedMs: Math.round((st?.elapsed ?? 0) * 1000),
              },
            };
          },
          o?.signal,
          o?.retry ?? true,
        );
      } finally {
        o?.signal?.removeEventListener('abort', kill);
      }
    },
    async insertJsonEachRow(table: SqlFragment, body: string, o?: RunOptions): Promise<void> {
      // Sent as one statement with the rows inline: both the HTTP client and the embedded engine
      // then pass the bytes through untouched.
      await client.command({ query: `INSERT INTO ${table.text} FORMAT JSONEachRow\n${body}`, ...common(o) });
    },
    async ping(): Promise<boolean> {
      const r = await client.ping();
      return r.success;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
