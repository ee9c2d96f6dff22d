// JSON schemas of the search endpoints' query strings and answers. The OpenAPI document at /docs
// is generated from them, so the descriptions are the endpoints' reference documentation.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { MAX_FILTER_TEXT_LENGTH } from '../filters/filter-text.ts';
import { MAX_QUERY_TEXT_LENGTH } from '../filters/full-text.ts';
import { MAX_TRACE_LIMIT, TRACE_SORTS } from './trace-search.ts';
import type { TraceSort } from './trace-search.ts';
import { MAX_LOG_LIMIT } from './log-search.ts';
import { TAIL_MAX_DURATION_S, TAIL_MAX_INTERVAL_MS, TAIL_MIN_INTERVAL_MS } from './log-tail.ts';

export const MAX_FILTERS = 32;

const timeDoc = 'RFC 3339, Unix milliseconds, `now` or `now-<n><s|m|h|d>`';

export const FILTER_DOC =
  'Repeatable. `<field><op><value>` with op one of = != =~ !~ > >= < <=, or `exists:<field>` / `!exists:<field>`. ' +
  'Fields: the named columns, or attributes `span.<key>`, `resource.<key>` (traces), `log.<key>`, `resource.<key>` (logs). ' +
  '`=`/`!=` compare text (`!=` also matches rows without the attribute); `=~`/`!~` are RE2 regular expressions (unanchored); ' +
  '`>`..`<=` compare numbers (attributes whose text is a number; others never match). ' +
  'A key with operator characters is quoted: span."a=b"=x. Examples: span.http.status_code>=500, resource.k8s.pod=~api-.*, exists:span.error.';

const filterParam = Type.Array(Type.String({ maxLength: MAX_FILTER_TEXT_LENGTH }), { maxItems: MAX_FILTERS, description: FILTER_DOC });
const start = Type.String({ maxLength: 64, description: `Start of the time range (inclusive), ${timeDoc}. Default: one hour before end. At most 7 days before end.` });
const end = Type.String({ maxLength: 64, description: `End of the time range (exclusive), ${timeDoc}. Default: now.` });
const cursor = Type.String({ maxLength: 1024, description: 'nextCursor of the previous page. The first page\'s time range is kept; filters and sort must be unchanged.' });

export const TraceSearchQuery = Type.Object({
  service: Type.Optional(Type.String({ maxLength: 1024, description: 'A span of the trace has this service.name' })),
  operation: Type.Optional(Type.String({ maxLength: 1024, description: 'A span of the trace has this name (same span as the other conditions)' })),
  status: Type.Optional(Type.String({ maxLength: 32, description: 'Span status: unset, ok, error' })),
  minDurationMs: Type.Optional(Type.Number({ minimum: 0, description: 'A matching span lasted at least this long (ms)' })),
  maxDurationMs: Type.Optional(Type.Number({ minimum: 0, description: 'A matching span lasted at most this long (ms)' })),
  filter: Type.Optional(filterParam),
  start: Type.Optional(start),
  end: Type.Optional(end),
  sort: Type.Optional(
    Type.Unsafe<TraceSort>({ type: 'string', enum: [...TRACE_SORTS], description: 'newest (default) or oldest trace start; longest or shortest trace duration' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TRACE_LIMIT, description: `Traces per page (default 20, at most ${MAX_TRACE_LIMIT})` })),
  cursor: Type.Optional(cursor),
});
export type TraceSearchQuery = Static<typeof TraceSearchQuery>;

const logFilters = {
  q: Type.Optional(
    Type.String({
      maxLength: MAX_QUERY_TEXT_LENGTH,
      description: 'Full text over the body, case-insensitive substrings: terms (all must match), "quoted phrases", -term and -"phrase" to exclude',
    }),
  ),
  severity: Type.Optional(Type.String({ maxLength: 32, description: 'trace, debug, info, warn, error, fatal (each the 4 OTLP numbers of the level) or a number 0..24' })),
  service: Type.Optional(Type.String({ maxLength: 1024, description: 'service.name' })),
  traceId: Type.Optional(Type.String({ maxLength: 64, description: 'Trace id (hex)' })),
  spanId: Type.Optional(Type.String({ maxLength: 32, description: 'Span id (hex)' })),
  filter: Type.Optional(filterParam),
};

export const LogSearchQuery = Type.Object({
  ...logFilters,
  start: Type.Optional(start),
  end: Type.Optional(end),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LOG_LIMIT, description: `Lines per page (default 100, at most ${MAX_LOG_LIMIT})` })),
  cursor: Type.Optional(cursor),
});
export type LogSearchQuery = Static<typeof LogSearchQuery>;

export const LogTailQuery = Type.Object({
  ...logFilters,
  start: Type.Optional(
    Type.String({ maxLength: 64, description: `Oldest record time to send (${timeDoc}); default and earliest: 30 s before the tail starts` }),
  ),
  intervalMs: Type.Optional(
    Type.Integer({ minimum: TAIL_MIN_INTERVAL_MS, maximum: TAIL_MAX_INTERVAL_MS, description: 'Poll interval (default 1000 ms)' }),
  ),
  maxDurationS: Type.Optional(Type.Integer({ minimum: 1, maximum: TAIL_MAX_DURATION_S, description: `The stream ends after this long (default and at most ${TAIL_MAX_DURATION_S} s)` })),
});
export type LogTailQuery = Static<typeof LogTailQuery>;

const Stats = Type.Object(
  {
    rowsRead: Type.Number({ description: 'Rows ClickHouse read' }),
    bytesRead: Type.Number({ description: 'Bytes ClickHouse read' }),
    elapsedMs: Type.Number({ description: 'Wall time of the storage work (ms)' }),
  },
  { description: 'What the request cost' },
);

const TraceSummary = Type.Object({
  traceId: Type.String(),
  rootServiceName: Type.Union([Type.String(), Type.Null()], { description: 'null when the root span is not in the time range' }),
  rootSpanName: Type.Union([Type.String(), Type.Null()]),
  startTimeUnixNano: Type.String({ description: 'Earliest span start in the range, decimal nanoseconds' }),
  durationMs: Type.Number({ description: 'Latest span end minus earliest start, over the spans in the range' }),
  spanCount: Type.Integer({ description: 'Distinct spans in the range' }),
  error: Type.Boolean({ description: 'A span in the range has status error' }),
});

export const TraceSearchResponse = Type.Object({
  traces: Type.Array(TraceSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  stats: Stats,
});

const AnyJson = Type.Unknown();
const LogLine = Type.Object(
  {
    timeUnixNano: Type.String(),
    observedTimeUnixNano: Type.String(),
    severityNumber: Type.Integer(),
    severityText: Type.String(),
    body: AnyJson,
    attributes: AnyJson,
    resource: AnyJson,
    scope: AnyJson,
    traceId: Type.String(),
    spanId: Type.String(),
    flags: Type.Integer(),
    eventName: Type.String(),
    serviceName: Type.String(),
    droppedAttributesCount: Type.Integer(),
  },
  { description: 'A log record in OTLP/JSON conventions (AnyValue body and attributes, 64-bit integers as decimal strings)' },
);

export const LogSearchResponse = Type.Object({
  logs: Type.Array(LogLine, { description: 'Newest first' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next (older) page; null on the last page' }),
  stats: Stats,
});

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
  },
  { description: 'What went wrong; field names the parameter at fault' },
);
