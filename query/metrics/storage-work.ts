// One request's storage work, shared by the metrics, RED, service-graph and correlation routes:
// every read carries the request's signal (deadline or client gone -> the server query is killed)
// and max_execution_time, the statistics of all the request's reads are summed for the answer,
// and failures map to API errors the same way on every route.
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError, classifyStorageError } from '../errors.ts';
import { requestSignal } from '../request-signal.ts';
import type { RouteContext } from '../route-context.ts';

export interface QueryStatsJson {
  rowsRead: number;
  bytesRead: number;
  /** Wall time of the request's storage work, measured here. */
  elapsedMs: number;
}

export const QueryStatsSchema = Type.Object(
  {
    rowsRead: Type.Integer({ description: 'Rows ClickHouse read, summed over the request\'s queries' }),
    bytesRead: Type.Integer({ description: 'Bytes ClickHouse read, summed over the request\'s queries' }),
    elapsedMs: Type.Integer({ description: 'Wall time of the request\'s storage work in milliseconds' }),
  },
  { description: 'What answering cost' },
);

export class StorageWork {
  private rowsRead = 0;
  private bytesRead = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly ch: SqlRunner,
    readonly signal: AbortSignal,
    private readonly timeoutMs: number,
  ) {}

  /** Runs one read; its statistics count towards the answer's. */
  async rows<T>(query: SqlFragment): Promise<T[]> {
    const result = await this.ch.queryWithStats<T>(query, {
      signal: this.signal,
      timeoutMs: this.timeoutMs,
      settings: { max_execution_time: Math.max(1, Math.ceil(this.timeoutMs / 1000)) },
    });
    this.rowsRead += result.stats.rowsRead;
    this.bytesRead += result.stats.bytesRead;
    return result.rows;
  }

  stats(): QueryStatsJson {
    return { rowsRead: this.rowsRead, bytesRead: this.bytesRead, elapsedMs: Math.round(performance.now() - this.startedAt) };
  }
}

/**
 * Runs a route's storage work under the request's deadline and returns its answer with `stats`.
 * Refuses with 503 while the schema is not in place.
 */
export async function withStorage<T extends object>(
  req: FastifyRequest,
  ctx: RouteContext,
  work: (w: StorageWork) => Promise<T>,
): Promise<T & { stats: QueryStatsJson }> {
  const schema = ctx.schemaStatus();
  if (schema !== '') throw new ApiError('UNAVAILABLE', `storage is not ready: ${schema}`);
  const { signal, dispose } = requestSignal(req.raw, ctx.timeoutMs);
  try {
    const w = new StorageWork(ctx.clickhouse, signal, ctx.timeoutMs);
    const answer = await work(w);
    return { ...answer, stats: w.stats() };
  } catch (err) {
    throw classifyStorageError(err, signal, ctx.timeoutMs);
  } finally {
    dispose();
  }
}

/**
 * Routes validate with `attachValidation`, so a schema violation reaches the handler and becomes
 * the API's error body with the offending field named in `field`, like every other bad input.
 */
export function rejectInvalid(req: FastifyRequest): void {
  const err = req.validationError;
  if (err === undefined) return;
  const first = (err.validation as readonly { instancePath?: string; params?: Record<string, unknown>; message?: string }[] | undefined)?.[0];
  const missing = first?.params?.['missingProperty'];
  const path = (first?.instancePath ?? '').replace(/^\//, '').split('/')[0] ?? '';
  const field = path !== '' ? path : typeof missing === 'string' ? missing : err.validationContext;
  throw new ApiError('INVALID_ARGUMENT', `${field}: ${first?.message ?? err.message}`, field);
}
