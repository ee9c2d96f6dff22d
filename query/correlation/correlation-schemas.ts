// Request and response schemas of the trace <-> log routes (validation and the OpenAPI document),
// and the id checks both share.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ApiError } from '../errors.ts';
import { QueryStatsSchema } from '../storage/stats-schema.ts';
import { TIME_FORMAT_HELP } from '../metrics/time-params.ts';
import { LogJsonSchema } from '../logs/log-json.ts';
import { TRACE_LOG_PAD_SECONDS } from './trace-logs-reader.ts';

export const TRACE_LOGS_DEFAULT_LIMIT = 1000;
export const TRACE_LOGS_MAX_LIMIT = 10_000;

const TRACE_ID = /^[0-9a-fA-F]{32}$/;
const SPAN_ID = /^[0-9a-fA-F]{16}$/;

/** A trace id as stored (lower-case hex), or INVALID_ARGUMENT naming `field`. */
export function checkTraceId(text: string, field: string): string {
  if (!TRACE_ID.test(text) || /^0+$/.test(text)) {
    throw new ApiError('INVALID_ARGUMENT', `${field} must be 32 hexadecimal characters and not all zeros`, field);
  }
  return text.toLowerCase();
}

/** A span id as stored (lower-case hex), or INVALID_ARGUMENT naming `field`. */
export function checkSpanId(text: string, field: string): string {
  if (!SPAN_ID.test(text) || /^0+$/.test(text)) {
    throw new ApiError('INVALID_ARGUMENT', `${field} must be 16 hexadecimal characters and not all zeros`, field);
  }
  return text.toLowerCase();
}

export const TraceLogsParamsSchema = Type.Object({ traceId: Type.String({ description: '32 hexadecimal characters' }) });
export type TraceLogsParams = Static<typeof TraceLogsParamsSchema>;

export const TraceLogsQuerySchema = Type.Object({
  spanId: Type.Optional(Type.String({ description: 'Only the logs of this span (16 hexadecimal characters)' })),
  start: Type.Optional(
    Type.String({ description: `With end: read this range instead of the trace's own (${TIME_FORMAT_HELP}); needed when none of the trace's spans is stored` }),
  ),
  end: Type.Optional(Type.String({ description: `With start: end of the range to read (${TIME_FORMAT_HELP})` })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: TRACE_LOGS_MAX_LIMIT, description: `Log records returned at most (default ${TRACE_LOGS_DEFAULT_LIMIT})` })),
});
export type TraceLogsQuery = Static<typeof TraceLogsQuerySchema>;

export const TraceLogsResponseSchema = Type.Object({
  traceId: Type.String(),
  spanId: Type.Optional(Type.String()),
  start: Type.String({ description: `Start of the range read: the trace's first span start minus ${TRACE_LOG_PAD_SECONDS} s, or the given start` }),
  end: Type.String({ description: `End of the range read: the trace's last span end plus ${TRACE_LOG_PAD_SECONDS} s, or the given end` }),
  truncated: Type.Boolean({ description: 'More log records matched than limit; the earliest are returned' }),
  logs: Type.Array(LogJsonSchema, { description: 'In time order' }),
  links: Type.Object({ trace: Type.String({ description: 'The whole trace' }) }),
  stats: QueryStatsSchema,
});

export const LogTraceQuerySchema = Type.Object({
  traceId: Type.String({ description: "The log record's trace id (32 hexadecimal characters)" }),
  spanId: Type.Optional(Type.String({ description: "The log record's span id (16 hexadecimal characters)" })),
});
export type LogTraceQuery = Static<typeof LogTraceQuerySchema>;

const SpanBriefSchema = Type.Object({
  spanId: Type.String(),
  parentSpanId: Type.String(),
  serviceName: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  startTimeUnixNano: Type.String(),
  endTimeUnixNano: Type.String(),
  durationNano: Type.String(),
});

export const LogTraceResponseSchema = Type.Object({
  traceId: Type.String(),
  trace: Type.Object({
    startTimeUnixNano: Type.String(),
    endTimeUnixNano: Type.String(),
    durationNano: Type.String(),
    spanCount: Type.Integer(),
    errorCount: Type.Integer({ description: 'Spans with status ERROR' }),
    services: Type.Array(Type.String()),
    root: Type.Union([SpanBriefSchema, Type.Null()], { description: 'The earliest span without a parent' }),
    truncated: Type.Boolean({ description: 'The trace has more spans than were summarized' }),
  }),
  span: Type.Union([SpanBriefSchema, Type.Null()], { description: "The log's span; null if not given or not stored" }),
  path: Type.Array(SpanBriefSchema, { description: "Root first, down to the log's span" }),
  links: Type.Object({
    trace: Type.String({ description: 'The whole trace' }),
    logs: Type.String({ description: "Every log of the trace (or of the log's span)" }),
  }),
  stats: QueryStatsSchema,
});
