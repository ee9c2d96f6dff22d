// The storage side of one API request, the same for every route that reads ClickHouse: 503 until
// the schema is in place, a deadline and client-disconnect cancellation (requestSignal, so the
// server query never outlives the request), the read limits as ClickHouse settings, statistics
// summed over the request's reads, and failures mapped to API errors (mapReadError) the same way
// on every route.
import type { FastifyRequest } from 'fastify';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { join, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../errors.ts';
import type { RegexUse } from '../filters/filter-compile.ts';
import { DEFAULT_READ_LIMITS, readSettings } from './read-limits.ts';
import type { ReadLimits } from './read-limits.ts';
import { mapReadError } from './storage-errors.ts';
import { requestSignal } from '../request-signal.ts';
import type { RouteContext } from '../route-context.ts';

export interface RequestStats {
  rowsRead: number;
  bytesRead: number;
  /** Wall time of the request's storage work as the route saw it, not the server's own. */
  elapsedMs: number;
}

/** The reads of one request (or one tail poll): one signal, one deadline, one set of limits. */
export class StorageWork {
  private rowsRead = 0;
  private bytesRead = 0;
  private readonly startedAt = performance.now();
  private readonly settings: Settings;

  constructor(
    // Only queryWithStats: the statistics are the point, and a test can stand in for it alone.
    private readonly ch: Pick<SqlRunner, 'queryWithStats'>,
    readonly signal: AbortSignal,
    private readonly timeoutMs: number,
    limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {
    this.settings = readSettings(timeoutMs, limits);
  }

  /** Runs one read under the deadline and limits; its statistics count towards the answer's. */
  async rows<T>(query: SqlFragment): Promise<T[]> {
    const result = await this.ch.queryWithStats<T>(query, { settings: this.settings, signal: this.signal, timeoutMs: this.timeoutMs });
    this.rowsRead += result.stats.rowsRead;
    this.bytesRead += result.stats.bytesRead;
    return result.rows;
  }

  stats(): RequestStats {
    return { rowsRead: this.rowsRead, bytesRead: this.bytesRead, elapsedMs: Math.round(performance.now() - this.startedAt) };
  }
}

export interface StorageOptions {
  /** Default DEFAULT_READ_LIMITS: no route reads unbounded (tests lower them to prove they hold). */
  readonly limits?: ReadLimits;
  /** The request's regular expressions, compiled first and named if the server refuses one. */
  readonly regexes?: readonly RegexUse[];
}

export function assertSchemaReady(ctx: RouteContext): void {
  const schema = ctx.schemaStatus();
  if (schema !== '') throw new ApiError('UNAVAILABLE', `storage is not ready: ${schema}`);
}

/** Runs `work` as the storage work of `req`; returns its value and the request's statistics. */
export async function withStorage<T>(
  ctx: RouteContext,
  req: FastifyRequest,
  work: (w: StorageWork) => Promise<T>,
  options: StorageOptions = {},
): Promise<{ value: T; stats: RequestStats }> {
  const { limits = DEFAULT_READ_LIMITS, regexes = [] } = options;
  assertSchemaReady(ctx);
  const { signal, dispose } = requestSignal(req.raw, ctx.timeoutMs);
  try {
    const w = new StorageWork(ctx.clickhouse, signal, ctx.timeoutMs, limits);
    await compileRegexes(w, regexes);
    const value = await work(w);
    return { value, stats: w.stats() };
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
async function compileRegexes(w: StorageWork, regexes: readonly RegexUse[]): Promise<void> {
  if (regexes.length === 0) return;
  await w.rows(sql`SELECT ${join(regexes.map((r) => sql`match('', ${r.pattern})`), ', ')}`);
}
