// GET /api/v1/metrics/series (the series of a metric matching label matchers) and
// GET /api/v1/metrics/query (time-stepped values, rates, increases and quantiles per group).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { rejectInvalid } from '../filters/validation-errors.ts';
import { parseMatchers } from '../metrics/label-matchers.ts';
import { runMetricsQuery } from '../metrics/metrics-query.ts';
import {
  MetricsQueryResponseSchema,
  MetricsQuerySchema,
  QUERY_DEFAULT_STEPS,
  QUERY_MAX_SERIES,
  QUERY_MAX_STEPS,
  SERIES_DEFAULT_LIMIT,
  SeriesQuerySchema,
  SeriesResponseSchema,
} from '../metrics/metrics-schemas.ts';
import type { MetricsQueryParams, SeriesQuery } from '../metrics/metrics-schemas.ts';
import { readSeries } from '../metrics/series-reader.ts';
import { readRange, readStep } from '../metrics/time-params.ts';
import type { RouteContext } from '../route-context.ts';
import { withStorage } from '../storage/storage-work.ts';

const MAX_BY_LABELS = 20;

function parseBy(text: string | undefined): string[] {
  const keys = (text ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (keys.length > MAX_BY_LABELS) throw new ApiError('INVALID_ARGUMENT', `by names more than ${MAX_BY_LABELS} labels`, 'by');
  return [...new Set(keys)];
}

export function registerMetricsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: SeriesQuery }>(
    '/api/v1/metrics/series',
    {
      attachValidation: true,
      schema: {
        tags: ['metrics'],
        summary: 'Series of a metric matching label matchers',
        description: 'Each series with its fingerprint, type, unit and labels (resource attributes, then point attributes).',
        querystring: SeriesQuerySchema,
        response: { 200: SeriesResponseSchema },
      },
    },
    async (req) => {
      rejectInvalid(req);
      const q = req.query;
      const matchers = parseMatchers(q.match ?? []);
      const range = q.start === undefined && q.end === undefined ? undefined : readRange(q, Date.now());
      const limit = q.limit ?? SERIES_DEFAULT_LIMIT;
      const points = range === undefined ? undefined : { startS: Math.floor(range.startMs / 1000), endS: Math.ceil(range.endMs / 1000) };
      const { value: found, stats } = await withStorage(ctx, req, (w) =>
        readSeries(w, ctx.target, { tenant: req.tenant, name: q.name, matchers, points, limit }),
      );
      return { name: q.name, series: found.slice(0, limit), truncated: found.length > limit, stats };
    },
  );

  app.get<{ Querystring: MetricsQueryParams }>(
    '/api/v1/metrics/query',
    {
      attachValidation: true,
      schema: {
        tags: ['metrics'],
        summary: 'Values, rates, increases and quantiles of a metric per step and group',
        description: `At most ${QUERY_MAX_SERIES} series and ${QUERY_MAX_STEPS} steps per query. Steps start at start.`,
        querystring: MetricsQuerySchema,
        response: { 200: MetricsQueryResponseSchema },
      },
    },
    async (req) => {
      rejectInvalid(req);
      const p = req.query;
      const matchers = parseMatchers(p.match ?? []);
      const fn = p.fn ?? 'raw';
      if (fn === 'quantile' && p.q === undefined) throw new ApiError('INVALID_ARGUMENT', 'q (0..1) is required with fn=quantile', 'q');
      const by = parseBy(p.by);
      const agg = p.agg ?? 'sum';
      const requested = readRange(p, Date.now());
      // Whole seconds: steps are whole seconds from start.
      const range = { startMs: Math.floor(requested.startMs / 1000) * 1000, endMs: Math.ceil(requested.endMs / 1000) * 1000 };
      const stepSeconds = readStep(p.step, range, { multipleOfSeconds: 1, maxSteps: QUERY_MAX_STEPS, defaultSteps: QUERY_DEFAULT_STEPS });
      const { value, stats } = await withStorage(ctx, req, (w) =>
        runMetricsQuery(w, ctx.target, { tenant: req.tenant, name: p.name, matchers, fn, q: p.q, by, agg, range, stepSeconds, maxSeries: QUERY_MAX_SERIES }),
      );
      return {
        name: p.name,
        fn,
        ...(p.q === undefined ? {} : { q: p.q }),
        by,
        agg,
        start: new Date(range.startMs).toISOString(),
        end: new Date(range.endMs).toISOString(),
        step: stepSeconds,
        ...value,
        stats,
      };
    },
  );
}
