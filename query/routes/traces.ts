// GET /api/v1/traces/:traceId — one whole trace. The ClickHouse query is cancelled if the client
// goes away or the deadline passes.
import type { FastifyInstance } from 'fastify';
import { ApiError, classifyStorageError } from '../errors.ts';
import { requestSignal } from '../request-signal.ts';
import type { RouteContext } from '../route-context.ts';
import { spanJson } from '../traces/trace-json.ts';
import { readTrace } from '../traces/trace-reader.ts';

export interface TraceRouteOptions extends RouteContext {
  readonly maxSpans: number;
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

export function registerTraceRoutes(app: FastifyInstance, o: TraceRouteOptions): void {
  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId', async (req, reply) => {
    const { traceId } = req.params;
    if (!TRACE_ID.test(traceId) || /^0+$/.test(traceId)) {
      throw new ApiError('INVALID_ARGUMENT', 'traceId must be 32 hexadecimal characters and not all zeros', 'traceId');
    }
    const schema = o.schemaStatus();
    if (schema !== '') throw new ApiError('UNAVAILABLE', `storage is not ready: ${schema}`);
    const started = performance.now();
    const { signal, dispose } = requestSignal(req.raw, o.timeoutMs);
    try {
      const result = await readTrace(o.clickhouse, o.target, req.tenant, traceId.toLowerCase(), {
        signal,
        timeoutMs: o.timeoutMs,
        maxSpans: o.maxSpans,
      });
      if (result === null) throw new ApiError('NOT_FOUND', `trace ${traceId} not found`, 'traceId');
      return await reply.send({
        traceId: traceId.toLowerCase(),
        spans: result.spans.map(spanJson),
        truncated: result.truncated,
        stats: { elapsedMs: Math.round(performance.now() - started) },
      });
    } catch (err) {
      throw classifyStorageError(err, signal, o.timeoutMs);
    } finally {
      dispose();
    }
  });
}
