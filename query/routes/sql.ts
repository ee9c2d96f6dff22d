// POST /api/v1/sql: read-only SQL for experts. The statement passes the guard (one SELECT over
// Cairn's tables, rewritten to the caller's tenant), then runs once, read-only, under the limits
// in sql/limits.ts. A query over a limit gets 422 naming the limit; a statement the server
// refuses gets 400 with the server's reason; the deadline and a client disconnect kill it.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { clickhouseErrorCode, isRetryableClickHouseError } from '../../common/clickhouse/errors.ts';
import { ApiError, classifyStorageError } from '../errors.ts';
import { requestSignal } from '../request-signal.ts';
import type { RouteContext } from '../route-context.ts';
import { guardUserSql, MAX_SQL_LENGTH, SQL_TABLES, SqlGuardError } from '../sql/guard.ts';
import { LIMIT_CODES, SQL_DEFAULT_ROWS, SQL_MAX_ROWS, sqlLimitSettings } from '../sql/limits.ts';

const SqlBody = Type.Object(
  {
    sql: Type.String({ minLength: 1, maxLength: MAX_SQL_LENGTH, description: `One SELECT over ${SQL_TABLES.join(', ')}. No FORMAT or SETTINGS.` }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SQL_MAX_ROWS, default: SQL_DEFAULT_ROWS, description: 'Most rows returned.' })),
  },
  { additionalProperties: false },
);
type SqlBody = Static<typeof SqlBody>;

const SqlResponse = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  truncated: Type.Boolean({ description: 'More rows exist than `limit` (or the result byte bound) allowed.' }),
  stats: Type.Object({ rowsRead: Type.Number(), bytesRead: Type.Number(), elapsedMs: Type.Number() }),
});

/** The first line of the server's message, without its C++ decoration. */
function serverReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = (message.split('\n')[0] ?? '').replace(/^Code: \d+, e\.displayText\(\) = DB::Exception: /, '').replace(/, e\.what\(\) = DB::Exception$/, '');
  return line.length > 500 ? `${line.slice(0, 500)}...` : line;
}

export function registerSqlRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: SqlBody }>(
    '/api/v1/sql',
    {
      schema: {
        tags: ['sql'],
        summary: 'Run one read-only SELECT over your tenant\'s rows',
        body: SqlBody,
        response: { 200: SqlResponse },
      },
    },
    async (req) => {
      const limit = req.body.limit ?? SQL_DEFAULT_ROWS;
      let query;
      try {
        query = guardUserSql(req.body.sql, ctx.target, req.tenant);
      } catch (err) {
        if (err instanceof SqlGuardError) throw new ApiError('INVALID_ARGUMENT', err.message, 'sql');
        throw err;
      }
      const schema = ctx.schemaStatus();
      if (schema !== '') throw new ApiError('UNAVAILABLE', `storage is not ready: ${schema}`);
      const started = performance.now();
      const { signal, dispose } = requestSignal(req.raw, ctx.timeoutMs);
      try {
        const result = await ctx.clickhouse.queryWithStats<Record<string, unknown>>(query, {
          signal,
          timeoutMs: ctx.timeoutMs,
          settings: sqlLimitSettings(ctx.timeoutMs, limit),
          retry: false,
          queryId: 'cairn-sql',
        });
        return {
          columns: result.columns,
          rows: result.rows.slice(0, limit),
          truncated: result.rows.length > limit,
          stats: { ...result.stats, elapsedMs: Math.round(performance.now() - started) },
        };
      } catch (err) {
        throw sqlError(err, signal, ctx.timeoutMs);
      } finally {
        dispose();
      }
    },
  );
}

function sqlError(err: unknown, signal: AbortSignal, timeoutMs: number): ApiError {
  const code = clickhouseErrorCode(err);
  if (signal.aborted || code === undefined) return classifyStorageError(err, signal, timeoutMs);
  const limit = LIMIT_CODES.get(code);
  if (limit !== undefined) {
    return new ApiError('RESOURCE_EXHAUSTED', `query refused because ${limit}: narrow the time range or add filters (${serverReason(err)})`, 'sql', { cause: err });
  }
  if (isRetryableClickHouseError(err) && code !== 164) return classifyStorageError(err, signal, timeoutMs);
  return new ApiError('INVALID_ARGUMENT', `ClickHouse refused the query: ${serverReason(err)}`, 'sql', { cause: err });
}
