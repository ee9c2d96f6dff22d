// Trace search, log search and live tail:
//   GET /api/v1/traces        traces with a span matching the filters, newest first (or by duration)
//   GET /api/v1/logs          log lines matching filters and full text, newest first
//   GET /api/v1/logs/tail     new matching log lines as they arrive (NDJSON stream)
// Every read is the caller's tenant only, time-bounded, under the request deadline and read
// limits, and cancelled when the client disconnects.
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_READ_LIMITS } from '../storage/read-limits.ts';
import type { ReadLimits } from '../storage/read-limits.ts';
import { parseTime, resolveRange } from '../filters/time-range.ts';
import type { TimeRange } from '../filters/time-range.ts';
import { validationApiError } from '../filters/validation-errors.ts';
import { requestSignal } from '../request-signal.ts';
import type { RouteContext } from '../route-context.ts';
import { decodeCursor, encodeCursor, positionCount, positionText, positionUInt64, searchFingerprint } from '../search/cursor.ts';
import { DEFAULT_LOG_LIMIT, searchLogsWindowed } from '../search/log-search.ts';
import type { LogPosition } from '../search/log-search.ts';
import { LogTail, TAIL_DEFAULT_INTERVAL_MS, TAIL_LATE_MS, TAIL_MAX_DURATION_S } from '../search/log-tail.ts';
import { ErrorResponse, LogSearchQuery, LogSearchResponse, LogTailQuery, TraceSearchQuery, TraceSearchResponse } from '../search/search-schemas.ts';
import { logFilters, traceFilters } from '../search/search-filters.ts';
import { runTail } from '../search/tail-stream.ts';
import { DEFAULT_TRACE_LIMIT, searchTraces } from '../search/trace-search.ts';
import { assertSchemaReady, withStorage } from '../storage/storage-work.ts';

export interface SearchRouteOptions {
  /** Read limits of every query (tests lower them to prove they hold). */
  readonly limits?: ReadLimits;
}

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

function checkValidation(req: FastifyRequest): void {
  if (req.validationError !== undefined) throw validationApiError(req.validationError);
}

/** The request's time range: from the cursor when paging (re-checked: cursors are not signed). */
function pageRange(start: string | undefined, end: string | undefined, cursorWindow: TimeRange | undefined): TimeRange {
  if (cursorWindow !== undefined) return resolveRange({ start: String(cursorWindow.fromMs), end: String(cursorWindow.toMs) }, Date.now(), { start: 'cursor', end: 'cursor' });
  return resolveRange({ start, end }, Date.now());
}

export function registerSearchRoutes(app: FastifyInstance, ctx: RouteContext, options: SearchRouteOptions = {}): void {
  const limits = options.limits ?? DEFAULT_READ_LIMITS;

  app.get<{ Querystring: TraceSearchQuery }>(
    '/api/v1/traces',
    {
      attachValidation: true,
      schema: {
        tags: ['traces'],
        summary: 'Search traces',
        description:
          'Traces with at least one span in the time range that matches every condition (service, operation, status, duration and each filter apply to the same span). ' +
          'Each trace is summarised over its spans in the time range. Sorted newest first by default; paginate with nextCursor.',
        querystring: TraceSearchQuery,
        response: { 200: TraceSearchResponse, ...errors },
      },
    },
    async (req) => {
      checkValidation(req);
      const q = req.query;
      const filters = traceFilters(q);
      const sort = q.sort ?? 'newest';
      const fingerprint = searchFingerprint({ signal: 'traces', sort, ...(filters.definition as object) });
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, fingerprint);
      const range = pageRange(q.start, q.end, cursor?.window);
      const after =
        cursor === undefined
          ? undefined
          : { key: positionUInt64(cursor.position, 'k'), traceId: positionText(cursor.position, 't', /^[0-9a-f]{32}$/) };
      const limit = q.limit ?? DEFAULT_TRACE_LIMIT;
      const { value, stats } = await withStorage(
        ctx,
        req,
        (reader) => searchTraces(reader, ctx.target, { tenant: req.tenant, range, where: filters.where, sort, limit, after }),
        { limits, regexes: filters.regexes },
      );
      const nextCursor = value.next === null ? null : encodeCursor(fingerprint, range, { k: value.next.key, t: value.next.traceId });
      return { traces: value.traces, nextCursor, stats };
    },
  );

  app.get<{ Querystring: LogSearchQuery }>(
    '/api/v1/logs',
    {
      attachValidation: true,
      schema: {
        tags: ['logs'],
        summary: 'Search logs',
        description:
          'Log lines in the time range matching every filter and the full-text query, newest first. nextCursor continues exactly where the page ended: no line is skipped or repeated.',
        querystring: LogSearchQuery,
        response: { 200: LogSearchResponse, ...errors },
      },
    },
    async (req) => {
      checkValidation(req);
      const q = req.query;
      const filters = logFilters(q);
      const fingerprint = searchFingerprint({ signal: 'logs', ...(filters.definition as object) });
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, fingerprint);
      const range = pageRange(q.start, q.end, cursor?.window);
      const after: LogPosition | undefined =
        cursor === undefined
          ? undefined
          : { timeNs: positionUInt64(cursor.position, 't'), hash: positionUInt64(cursor.position, 'h'), seen: positionCount(cursor.position, 'n') };
      const limit = q.limit ?? DEFAULT_LOG_LIMIT;
      const { value, stats } = await withStorage(
        ctx,
        req,
        (reader) => searchLogsWindowed(reader, ctx.target, { tenant: req.tenant, range, filters: filters.where, limit, after }),
        { limits, regexes: filters.regexes },
      );
      const next = value.next;
      const nextCursor = next === null ? null : encodeCursor(fingerprint, range, { t: next.timeNs.toString(), h: next.hash.toString(), n: next.seen });
      return { logs: value.logs, nextCursor, stats };
    },
  );

  app.get<{ Querystring: LogTailQuery }>(
    '/api/v1/logs/tail',
    {
      attachValidation: true,
      schema: {
        tags: ['logs'],
        summary: 'Live tail of logs (NDJSON stream)',
        description:
          'Streams matching log lines as they are stored, as application/x-ndjson, one JSON object per line with a type: ' +
          '`start` (at once), `log` ({log}), `gap` (a poll matched more lines than it sends), `heartbeat` (every 15 s without lines), `end` (last; reason maxDuration or error, and stats). ' +
          `Polls every intervalMs; a line is sent once; lines stored more than ${TAIL_LATE_MS / 1000} s after their own timestamp are not sent. ` +
          'The stream ends after maxDurationS or when the client disconnects (its query is cancelled).',
        querystring: LogTailQuery,
        response: { ...errors },
      },
    },
    async (req, reply) => {
      checkValidation(req);
      assertSchemaReady(ctx);
      const q = req.query;
      const filters = logFilters(q);
      // Refuses a pattern RE2 cannot compile with a 400 now, before the stream starts.
      await withStorage(ctx, req, () => Promise.resolve(), { limits, regexes: filters.regexes });
      const now = Date.now();
      const earliest = now - TAIL_LATE_MS;
      const floorMs = q.start === undefined ? earliest : Math.max(earliest, parseTime(q.start, 'start', now));
      const maxDurationMs = (q.maxDurationS ?? TAIL_MAX_DURATION_S) * 1000;
      // Aborts on client disconnect; its deadline is only a backstop behind the loop's own.
      const { signal, dispose } = requestSignal(req.raw, maxDurationMs + ctx.timeoutMs + 5000);
      const out = new PassThrough();
      void runTail({
        ctx,
        limits,
        regexes: filters.regexes,
        tail: new LogTail(ctx.target, req.tenant, filters.where, floorMs),
        out,
        signal,
        intervalMs: q.intervalMs ?? TAIL_DEFAULT_INTERVAL_MS,
        maxDurationMs,
        log: ctx.logger,
      }).finally(dispose);
      return reply.header('content-type', 'application/x-ndjson').header('cache-control', 'no-store').send(out);
    },
  );
}
