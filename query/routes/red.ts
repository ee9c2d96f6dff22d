// GET /api/v1/red (rate, errors, duration per service and operation) and GET /api/v1/service-graph
// (calls between services), both answered from the minutely rollups, never from raw spans.
import type { FastifyInstance } from 'fastify';
import { SpanKind } from '../../common/model/span.ts';
import { ApiError } from '../errors.ts';
import { rejectInvalid } from '../filters/validation-errors.ts';
import { alignRange, readRange, readStep } from '../metrics/time-params.ts';
import { readRed } from '../red/red-reader.ts';
import {
  GRAPH_DEFAULT_EDGES,
  GraphQuerySchema,
  GraphResponseSchema,
  RED_DEFAULT_GROUPS,
  RED_DEFAULT_STEPS,
  RED_MAX_STEPS,
  RedQuerySchema,
  RedResponseSchema,
} from '../red/red-schemas.ts';
import type { GraphQuery, RedQuery } from '../red/red-schemas.ts';
import { readServiceGraph } from '../red/service-graph-reader.ts';
import type { RouteContext } from '../route-context.ts';
import { withStorage } from '../storage/storage-work.ts';

const MINUTE_S = 60;
const KIND_NAMES: Readonly<Record<string, number>> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};
const DEFAULT_KINDS = 'server,consumer';

/** Span kind names (or `all`) to OTLP kind numbers. */
export function parseKinds(text: string): { numbers: number[]; names: string[] } {
  const names = text.trim() === 'all' ? Object.keys(KIND_NAMES) : text.split(',').map((k) => k.trim().toLowerCase());
  const numbers = names.map((name) => {
    const n = KIND_NAMES[name];
    if (n === undefined) {
      throw new ApiError('INVALID_ARGUMENT', `kind "${name}" is not one of ${Object.keys(KIND_NAMES).join(', ')}, all`, 'kind');
    }
    return n;
  });
  return { numbers: [...new Set(numbers)].sort(), names: [...new Set(names)] };
}

export function registerRedRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: RedQuery }>(
    '/api/v1/red',
    {
      attachValidation: true,
      schema: {
        tags: ['red'],
        summary: 'Rate, errors and duration per service and operation',
        description:
          'From the red_minutely rollup: calls per second, error ratio and p50/p95/p99 latency (t-digest, approximate) per step and over the whole range. The range is widened to whole minutes.',
        querystring: RedQuerySchema,
        response: { 200: RedResponseSchema },
      },
    },
    async (req) => {
      rejectInvalid(req);
      const q = req.query;
      const range = alignRange(readRange(q, Date.now()), MINUTE_S);
      const stepSeconds = readStep(q.step, range, { multipleOfSeconds: MINUTE_S, maxSteps: RED_MAX_STEPS, defaultSteps: RED_DEFAULT_STEPS });
      const kinds = parseKinds(q.kind ?? DEFAULT_KINDS);
      const { value, stats } = await withStorage(ctx, req, (w) =>
        readRed(w, ctx.target, {
          tenant: req.tenant,
          range,
          stepSeconds,
          kinds: kinds.numbers,
          service: q.service,
          operation: q.operation,
          by: q.by ?? 'operation',
          maxGroups: q.limit ?? RED_DEFAULT_GROUPS,
        }),
      );
      return {
        start: new Date(range.startMs).toISOString(),
        end: new Date(range.endMs).toISOString(),
        step: stepSeconds,
        kinds: kinds.names,
        ...value,
        stats,
      };
    },
  );

  app.get<{ Querystring: GraphQuery }>(
    '/api/v1/service-graph',
    {
      attachValidation: true,
      schema: {
        tags: ['red'],
        summary: 'Service dependency graph: calls, errors and latency per edge',
        description:
          'From the service_edges_minutely rollup. An edge is a caller service calling a callee: client spans naming their peer (peer.service, else server.address), and parent/child spans in different services (a periodic job, for minutes it has processed). The range is widened to whole minutes.',
        querystring: GraphQuerySchema,
        response: { 200: GraphResponseSchema },
      },
    },
    async (req) => {
      rejectInvalid(req);
      const q = req.query;
      const range = alignRange(readRange(q, Date.now()), MINUTE_S);
      const origin = q.origin ?? 'combined';
      const { value, stats } = await withStorage(ctx, req, (w) =>
        readServiceGraph(w, ctx.target, { tenant: req.tenant, range, origin, service: q.service, maxEdges: q.limit ?? GRAPH_DEFAULT_EDGES }),
      );
      return { start: new Date(range.startMs).toISOString(), end: new Date(range.endMs).toISOString(), origin, ...value, stats };
    },
  );
}
