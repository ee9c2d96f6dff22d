// Trace <-> log correlation. GET /api/v1/traces/:traceId/logs: the logs written while serving a
// trace (or one of its spans). GET /api/v1/logs/trace: from the trace and span ids a log line
// carries to where that span sits in its trace, with links to the trace and its logs.
import type { FastifyInstance } from 'fastify';
import { logJson } from '../logs/log-json.ts';
import { readLogTrace } from '../correlation/log-trace-reader.ts';
import {
  checkSpanId,
  checkTraceId,
  LogTraceQuerySchema,
  LogTraceResponseSchema,
  TRACE_LOGS_DEFAULT_LIMIT,
  TraceLogsParamsSchema,
  TraceLogsQuerySchema,
  TraceLogsResponseSchema,
} from '../correlation/correlation-schemas.ts';
import type { LogTraceQuery, TraceLogsParams, TraceLogsQuery } from '../correlation/correlation-schemas.ts';
import { readTraceLogs } from '../correlation/trace-logs-reader.ts';
import { ApiError } from '../errors.ts';
import { rejectInvalid } from '../filters/validation-errors.ts';
import { readRange } from '../metrics/time-params.ts';
import type { TimeRange } from '../metrics/time-params.ts';
import type { RouteContext } from '../route-context.ts';
import { withStorage } from '../storage/storage-work.ts';

const traceLink = (traceId: string): string => `/api/v1/traces/${traceId}`;
const logsLink = (traceId: string, spanId: string | undefined): string =>
  `/api/v1/traces/${traceId}/logs${spanId === undefined ? '' : `?spanId=${spanId}`}`;

/** Both start and end, or neither (the trace's own window). */
function explicitRange(q: TraceLogsQuery): TimeRange | undefined {
  if (q.start === undefined && q.end === undefined) return undefined;
  if (q.start === undefined) throw new ApiError('INVALID_ARGUMENT', 'start is required with end', 'start');
  if (q.end === undefined) throw new ApiError('INVALID_ARGUMENT', 'end is required with start', 'end');
  return readRange(q, Date.now());
}

export function registerCorrelationRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: TraceLogsParams; Querystring: TraceLogsQuery }>(
    '/api/v1/traces/:traceId/logs',
    {
      attachValidation: true,
      schema: {
        tags: ['correlation'],
        summary: 'The logs of a trace, or of one of its spans',
        description:
          "Log records carrying the trace id (and the span id, if given), in time order. Read within the trace's time range from its spans, widened a little either side; give start and end to read logs of a trace whose spans are not stored.",
        params: TraceLogsParamsSchema,
        querystring: TraceLogsQuerySchema,
        response: { 200: TraceLogsResponseSchema },
      },
    },
    async (req) => {
      rejectInvalid(req);
      const traceId = checkTraceId(req.params.traceId, 'traceId');
      const spanId = req.query.spanId === undefined ? undefined : checkSpanId(req.query.spanId, 'spanId');
      const range = explicitRange(req.query);
      const limit = req.query.limit ?? TRACE_LOGS_DEFAULT_LIMIT;
      const { value: answer, stats } = await withStorage(ctx, req, async (w) => {
        const found = await readTraceLogs(w, ctx.target, { tenant: req.tenant, traceId, spanId, range, limit });
        if (found === null) {
          throw new ApiError('NOT_FOUND', `trace ${traceId} has no stored spans to bound its logs by; give start and end to read them anyway`, 'traceId');
        }
        return found;
      });
      return {
        traceId,
        ...(spanId === undefined ? {} : { spanId }),
        start: new Date(answer.fromS * 1000).toISOString(),
        end: new Date(answer.toS * 1000).toISOString(),
        truncated: answer.truncated,
        logs: answer.logs.map(logJson),
        links: { trace: traceLink(traceId) },
        stats,
      };
    },
  );

  app.get<{ Querystring: LogTraceQuery }>(
    '/api/v1/logs/trace',
    {
      attachValidation: true,
      schema: {
        tags: ['correlation'],
        summary: "From a log line to its trace",
        description:
          "Given the traceId and spanId of a log record: the trace's time span, span and error counts and services, the log's span and its ancestry from the root, and links to the whole trace and to its logs.",
        querystring: LogTraceQuerySchema,
        response: { 200: LogTraceResponseSchema },
      },
    },
    async (req) => {
      rejectInvalid(req);
      const traceId = checkTraceId(req.query.traceId, 'traceId');
      const spanId = req.query.spanId === undefined || req.query.spanId === '' ? undefined : checkSpanId(req.query.spanId, 'spanId');
      const { value, stats } = await withStorage(ctx, req, async (w) => {
        const found = await readLogTrace(w, ctx.target, { tenant: req.tenant, traceId, spanId });
        if (found === null) throw new ApiError('NOT_FOUND', `trace ${traceId} not found`, 'traceId');
        return found;
      });
      return { traceId, ...value, stats, links: { trace: traceLink(traceId), logs: logsLink(traceId, spanId) } };
    },
  );
}
