// Request and response schemas of the metrics routes (validation and the OpenAPI document), with
// their limits.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { QueryStatsSchema } from '../storage/stats-schema.ts';
import { MAX_MATCHERS } from './label-matchers.ts';
import { FUNCTIONS } from './metrics-query.ts';
import { AGGREGATIONS } from './series-groups.ts';
import { DURATION_FORMAT_HELP, TIME_FORMAT_HELP } from './time-params.ts';

export const SERIES_DEFAULT_LIMIT = 1000;
export const SERIES_MAX_LIMIT = 10_000;
/** Series one metrics query may read. */
export const QUERY_MAX_SERIES = 1000;
export const QUERY_MAX_STEPS = 1500;
export const QUERY_DEFAULT_STEPS = 100;

const name = Type.String({ minLength: 1, maxLength: 1024, description: 'Metric name' });
const match = Type.Optional(
  Type.Array(Type.String(), {
    maxItems: MAX_MATCHERS,
    description:
      'Label matcher, repeatable: key=value, key!=value, key=~regex, key!~regex (RE2, anchored). Labels are the resource and point attributes; a missing label is ""',
  }),
);

export const SeriesQuerySchema = Type.Object({
  name,
  match,
  start: Type.Optional(Type.String({ description: `With end: only series with a point in [start, end) (${TIME_FORMAT_HELP}); without: every known series` })),
  end: Type.Optional(Type.String({ description: `End of that range (${TIME_FORMAT_HELP}); default now` })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SERIES_MAX_LIMIT, description: `Series returned at most (default ${SERIES_DEFAULT_LIMIT})` })),
});
export type SeriesQuery = Static<typeof SeriesQuerySchema>;

const Labels = Type.Record(Type.String(), Type.String());

export const SeriesResponseSchema = Type.Object({
  name: Type.String(),
  truncated: Type.Boolean({ description: 'More series matched than limit' }),
  series: Type.Array(
    Type.Object({
      fingerprint: Type.String({ description: 'Series id (unsigned 64-bit, decimal)' }),
      type: Type.String({ description: 'gauge, sum, histogram, exponential_histogram or summary' }),
      unit: Type.String(),
      description: Type.String(),
      service: Type.String(),
      labels: Labels,
      lastSeen: Type.String({ description: 'Time of the latest point' }),
    }),
  ),
  stats: QueryStatsSchema,
});

export const MetricsQuerySchema = Type.Object({
  name,
  match,
  fn: Type.Optional(
    Type.Union(
      FUNCTIONS.map((f) => Type.Literal(f)),
      {
        description:
          'raw: last value per step (gauge, sum). increase / rate: what a counter (monotonic sum) or a histogram (observation count) counted per step / per second; resets and delta or cumulative temporality handled, no extrapolation. quantile: q-quantile of a histogram or exponential histogram per step. Default raw',
      },
    ),
  ),
  q: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Quantile for fn=quantile, 0..1' })),
  by: Type.Optional(Type.String({ description: 'Comma-separated labels to group by; default: one group for all series' })),
  agg: Type.Optional(
    Type.Union(
      AGGREGATIONS.map((a) => Type.Literal(a)),
      { description: 'How series of a group combine per step (default sum); none: every series is its own group. quantile always merges the buckets' },
    ),
  ),
  start: Type.Optional(Type.String({ description: `Start of the range (${TIME_FORMAT_HELP}); default an hour before end` })),
  end: Type.Optional(Type.String({ description: `End of the range, exclusive (${TIME_FORMAT_HELP}); default now` })),
  step: Type.Optional(Type.String({ description: `Step, whole seconds: ${DURATION_FORMAT_HELP}. Default: the range in about ${QUERY_DEFAULT_STEPS} steps` })),
});
export type MetricsQueryParams = Static<typeof MetricsQuerySchema>;

export const MetricsQueryResponseSchema = Type.Object({
  name: Type.String(),
  type: Type.String({ description: "The metric's type; '' when no series matched" }),
  fn: Type.String(),
  q: Type.Optional(Type.Number()),
  by: Type.Array(Type.String()),
  agg: Type.String(),
  start: Type.String(),
  end: Type.String(),
  step: Type.Integer({ description: 'Seconds' }),
  seriesMatched: Type.Integer({ description: 'Series read' }),
  series: Type.Array(
    Type.Object({
      labels: Labels,
      points: Type.Array(
        Type.Object({
          time: Type.String({ description: 'Start of the step' }),
          value: Type.Union([Type.Number(), Type.Null()], { description: 'null for NaN, infinities, or an empty histogram' }),
        }),
        { description: 'Steps with data, in time order' },
      ),
    }),
  ),
  stats: QueryStatsSchema,
});
