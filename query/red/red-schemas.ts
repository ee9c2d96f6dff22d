// Request and response schemas of the RED and service-graph routes (validation and the OpenAPI
// document), with their limits.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { QueryStatsSchema } from '../storage/stats-schema.ts';
import { DURATION_FORMAT_HELP, TIME_FORMAT_HELP } from '../metrics/time-params.ts';
import { RollupStatsSchema } from './rollup-stats.ts';
import { COMBINE_RULE, ORIGIN_CHOICES } from './service-graph-reader.ts';

export const RED_DEFAULT_GROUPS = 100;
export const RED_MAX_GROUPS = 1000;
export const RED_MAX_STEPS = 1440;
/** Steps a range is cut into when the request names no step. */
export const RED_DEFAULT_STEPS = 60;
export const GRAPH_DEFAULT_EDGES = 500;
export const GRAPH_MAX_EDGES = 5000;

const start = Type.Optional(Type.String({ description: `Start of the range, ${TIME_FORMAT_HELP}; rounded down to the minute. Default: an hour before end` }));
const end = Type.Optional(Type.String({ description: `End of the range (exclusive), ${TIME_FORMAT_HELP}; rounded up to the minute. Default: now` }));

export const RedQuerySchema = Type.Object({
  service: Type.Optional(Type.String({ minLength: 1, description: 'Only this service (service.name)' })),
  operation: Type.Optional(Type.String({ minLength: 1, description: 'Only this operation (span name)' })),
  kind: Type.Optional(
    Type.String({
      description: 'Span kinds counted as calls, comma-separated: server, consumer, client, producer, internal, unspecified, or all. Default: server,consumer (requests a service handled)',
    }),
  ),
  by: Type.Optional(Type.Union([Type.Literal('operation'), Type.Literal('service')], { description: 'Group per operation (default) or per service' })),
  start,
  end,
  step: Type.Optional(Type.String({ description: `Step of the time series, a whole number of minutes: ${DURATION_FORMAT_HELP}. Default: the range in about ${RED_DEFAULT_STEPS} steps` })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: RED_MAX_GROUPS, description: `Groups returned at most, busiest first (default ${RED_DEFAULT_GROUPS})` })),
});
export type RedQuery = Static<typeof RedQuerySchema>;

const RedPointSchema = Type.Composite([Type.Object({ time: Type.String({ description: "Start of the step" }) }), RollupStatsSchema]);

export const RedResponseSchema = Type.Object({
  start: Type.String(),
  end: Type.String(),
  step: Type.Integer({ description: 'Seconds' }),
  kinds: Type.Array(Type.String()),
  truncated: Type.Boolean({ description: 'More groups matched than limit' }),
  groups: Type.Array(
    Type.Object({
      service: Type.String(),
      operation: Type.String({ description: "'' when grouped by service" }),
      total: RollupStatsSchema,
      points: Type.Array(RedPointSchema, { description: 'Steps with at least one call, in time order' }),
    }),
  ),
  stats: QueryStatsSchema,
});

export const GraphQuerySchema = Type.Object({
  start,
  end,
  service: Type.Optional(Type.String({ minLength: 1, description: 'Only edges into or out of this service' })),
  origin: Type.Optional(
    Type.Union(
      ORIGIN_CHOICES.map((o) => Type.Literal(o)),
      { description: `Which rollup rows count. peer_attribute: client spans naming their callee (peer.service, server.address); parent_child: parent and child spans in different services (the periodic job); ${COMBINE_RULE}` },
    ),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: GRAPH_MAX_EDGES, description: `Edges returned at most, busiest first (default ${GRAPH_DEFAULT_EDGES})` })),
});
export type GraphQuery = Static<typeof GraphQuerySchema>;

export const GraphResponseSchema = Type.Object({
  start: Type.String(),
  end: Type.String(),
  origin: Type.String(),
  truncated: Type.Boolean({ description: 'More edges matched than limit' }),
  edges: Type.Array(
    Type.Composite([
      Type.Object({
        caller: Type.String({ description: 'Client service' }),
        callee: Type.String({ description: 'Server service (or the peer named by the client)' }),
        origins: Type.Array(Type.String(), { description: 'Writers the counted rows came from' }),
      }),
      RollupStatsSchema,
    ]),
  ),
  nodes: Type.Array(
    Type.Object({ service: Type.String(), callsIn: Type.Integer(), callsOut: Type.Integer(), errorsIn: Type.Integer() }),
    { description: 'Every service on an edge, with the calls of the returned edges' },
  ),
  stats: QueryStatsSchema,
});
