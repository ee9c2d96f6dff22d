// The structured query language of POST /api/v1/query: its JSON shape, caps and documentation.
// The OpenAPI document is generated from these schemas; dsl-validator.ts checks bodies against
// them (unknown properties refused, nothing coerced) and dsl-plan.ts checks the meaning.
import { Type } from '@sinclair/typebox';
import type { Static, TLiteral, TUnion } from '@sinclair/typebox';
import { FILTER_OPS } from '../filters/filter-model.ts';
import { MAX_FILTER_VALUE_LENGTH } from '../filters/filter-compile.ts';
import { MAX_QUERY_TEXT_LENGTH } from '../filters/full-text.ts';
import { MAX_RANGE_MS } from '../filters/time-range.ts';

export const DSL_DEFAULT_LIMIT = 100;
export const DSL_MAX_LIMIT = 10_000;
export const DSL_MAX_FILTERS = 32;
export const DSL_MAX_GROUP_BY = 8;
export const DSL_MAX_AGGREGATES = 16;
export const DSL_MAX_HAVING = 8;
export const DSL_MAX_ORDER_BY = 8;
/** Time buckets one query may produce: (end - start) / bucket. */
export const DSL_MAX_BUCKETS = 10_000;
const MAX_FIELD_LENGTH = 300;

export const AGGREGATE_FNS = ['count', 'sum', 'avg', 'min', 'max', 'uniq', 'quantile'] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];
export const COMPARE_OPS = ['=', '!=', '>', '>=', '<', '<='] as const;

/** A union of string literals: Static gives the literal type, errors list the choices. */
function oneOf<const V extends string>(values: readonly V[], description: string): TUnion<Array<TLiteral<V>>> {
  return Type.Union(values.map((v) => Type.Literal(v)), { description });
}

const field = Type.String({ minLength: 1, maxLength: MAX_FIELD_LENGTH });
const time = Type.Union([Type.String({ maxLength: 64 }), Type.Integer()], { description: 'RFC 3339, Unix milliseconds, `now` or `now-<n><s|m|h|d>`' });

const DslFilter = Type.Object(
  {
    field: Type.String({ ...field, description: 'A field of the signal, or span.<key> / resource.<key> (traces), log.<key> / resource.<key> (logs)' }),
    op: oneOf(FILTER_OPS, '= != (text; != also matches rows without the attribute), =~ !~ (RE2, unanchored), > >= < <= (numeric), exists !exists'),
    value: Type.Optional(Type.Union([Type.String({ maxLength: MAX_FILTER_VALUE_LENGTH }), Type.Number(), Type.Boolean()], { description: 'Absent for exists / !exists' })),
  },
  { additionalProperties: false },
);

const Aggregate = Type.Object(
  {
    fn: oneOf(AGGREGATE_FNS, 'count (no field), sum/avg/min/max/quantile (numeric field), uniq (any field; approximate beyond 65,536 distinct values)'),
    field: Type.Optional(field),
    q: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Level of quantile, e.g. 0.99 (reservoir-sampled, interpolated)' })),
    as: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', description: 'Column name in the answer; default like count, avg(duration), quantile(0.99)(duration)' })),
  },
  { additionalProperties: false },
);

const Having = Type.Object(
  {
    name: Type.String({ maxLength: MAX_FIELD_LENGTH + 40, description: 'An aggregate column name' }),
    op: oneOf(COMPARE_OPS, 'comparison'),
    value: Type.Number(),
  },
  { additionalProperties: false },
);

const OrderBy = Type.Object(
  {
    name: Type.String({ maxLength: MAX_FIELD_LENGTH + 40, description: 'A column name of the answer: a groupBy field, bucket, or an aggregate' }),
    dir: Type.Optional(oneOf(['asc', 'desc'] as const, 'asc (default) or desc')),
  },
  { additionalProperties: false },
);

export const DslQuery = Type.Object(
  {
    signal: oneOf(['traces', 'logs'] as const, 'traces reads spans (one row per span); logs reads log records'),
    start: Type.Optional(time),
    end: Type.Optional(time),
    filters: Type.Optional(Type.Array(DslFilter, { maxItems: DSL_MAX_FILTERS, description: 'All must match' })),
    q: Type.Optional(Type.String({ maxLength: MAX_QUERY_TEXT_LENGTH, description: 'logs only: full text over the body, as in GET /api/v1/logs' })),
    groupBy: Type.Optional(Type.Array(field, { maxItems: DSL_MAX_GROUP_BY, description: 'Fields to group by; an absent attribute groups as null' })),
    aggregates: Type.Array(Aggregate, { minItems: 1, maxItems: DSL_MAX_AGGREGATES }),
    bucket: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_RANGE_MS / 1000, description: `Time bucket in seconds (a bucket column, its start as RFC 3339); at most ${DSL_MAX_BUCKETS} buckets` }),
    ),
    having: Type.Optional(Type.Array(Having, { maxItems: DSL_MAX_HAVING })),
    orderBy: Type.Optional(Type.Array(OrderBy, { maxItems: DSL_MAX_ORDER_BY, description: 'Default: bucket, then the first aggregate descending; ties by the group fields' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DSL_MAX_LIMIT, description: `Rows at most (default ${DSL_DEFAULT_LIMIT})` })),
  },
  { additionalProperties: false },
);
export type DslQuery = Static<typeof DslQuery>;

export const DslResponse = Type.Object({
  columns: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.String({ description: 'group, bucket or aggregate' }),
    }),
  ),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'One object per row, keyed by column name; aggregates are numbers (null when undefined, e.g. avg of nothing)' }),
  stats: Type.Object({ rowsRead: Type.Number(), bytesRead: Type.Number(), elapsedMs: Type.Number() }),
});
