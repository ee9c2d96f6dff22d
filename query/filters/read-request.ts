// The storage side of one API request, the same for every search and DSL route: 503 until the
// schema is in place, a deadline and client-disconnect cancellation (requestSignal), the read
// limits as ClickHouse settings, statistics summed over the request's queries, and failures mapped
// to API errors. `elapsedMs` is the wall time of the storage work as the route saw it.
import type { FastifyRequest } from 'fastify';
import { join, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../errors.ts';
import { requestSignal } from '../request-signal.ts';
import type { RouteContext } from '../route-context.ts';
import type { RegexUse } from './filter-compile.ts';
import { readSettings } from './read-limits.ts';
import type { ReadLimits } from './read-limits.ts';
import { mapReadError } from './storage-errors.ts';

export interface ReadStats {
  rowsRead: number;
  bytesRead: number;
  elapsedMs: number;
}

export interface StorageReader {
  readonly signal: AbortSignal;
  /** Runs one read under the request's deadline and limits, adding its statistics. */
  query<T>(statement: SqlFragment): Promise<T[]>;
}

export function assertSchemaReady(ctx: RouteContext): void {
  const schema = ctx.schemaStatus();
  if (schema !== '') throw new ApiError('UNAVAILABLE', `storage is not ready: ${schema}`);
}

/** Runs `work` as the storage work of `req`; returns its value and the request's statistics. */
export async function withStorage<T>(
  ctx: RouteContext,
  req: FastifyRequest,
  limits: ReadLimits,
  regexes: readonly RegexUse[],
  work: (reader: StorageReader) => Promise<T>,
): Promise<{ value: T; stats: ReadStats }> {
  assertSchemaReady(ctx);
  const started = performance.now();
  const { signal, dispose } = requestSignal(req.raw, ctx.timeoutMs);
  const reader = storageReader(ctx, limits, signal, ctx.timeoutMs);
  try {
    await compileRegexes(reader, regexes);
    const value = await work(reader);
    return { value, stats: { ...reader.stats, elapsedMs: Math.round(performance.now() - started) } };
  } catch (err) {
    throw await mapReadError(err, { ch: ctx.clickhouse, signal, timeoutMs: ctx.timeoutMs, limits, regexes });
  } finally {
    dispose();
  }
}

/**
 * Has the server compile each regular expression once before the real query: current servers
 * skip evaluating a match() that an earlier AND condition already ruled out, so a pattern RE2
 * refuses would otherwise fail on one engine and pass silently on the other.
 */
async function compileRegexes(reader: StorageReader, regexes: readonly RegexUse[]): Promise<void> {
  if (regexes.length === 0) return;
  await reader.query(sql`SELECT ${join(regexes.map((r) => sql`match('', ${r.pattern})`), ', ')}`);
}

/** A reader bound to one signal and deadline; `stats` sums what its queries read. */
export function storageReader(
  ctx: RouteContext,
  limits: ReadLimits,
  signal: AbortSignal,
  timeoutMs: number,
): StorageReader & { readonly stats: Omit<ReadStats, 'elapsedMs'> } {
  const stats = { rowsRead: 0, bytesRead: 0 };
  const settings = readSettings(timeoutMs, limits);
  return {
    signal,
    stats,
    async query<T>(statement: SqlFragment): Promise<T[]> {
      const result = await ctx.clickhouse.queryWithStats<T>(statement, { settings, signal, timeoutMs });
      stats.rowsRead += result.stats.rowsRead;
      stats.bytesRead += result.stats.bytesRead;
      return result.rows;
    },
  };
}
