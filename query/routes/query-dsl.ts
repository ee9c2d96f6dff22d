// POST /api/v1/query: the structured query language (see query/dsl/). The body is checked against
// its schema (unknown properties refused, JSON paths named), planned, compiled to one SELECT
// through sql.ts and run under the request deadline and the read limits.
import type { FastifyInstance } from 'fastify';
import { DEFAULT_READ_LIMITS } from '../storage/read-limits.ts';
import type { ReadLimits } from '../storage/read-limits.ts';
import { validationApiError } from '../filters/validation-errors.ts';
import type { RouteContext } from '../route-context.ts';
import { dslSql } from '../dsl/dsl-compile.ts';
import { planDsl } from '../dsl/dsl-plan.ts';
import { dslAnswer } from '../dsl/dsl-result.ts';
import { DslQuery, DslResponse } from '../dsl/dsl-schema.ts';
import { dslValidatorCompiler } from '../dsl/dsl-validator.ts';
import { ErrorResponse } from '../search/search-schemas.ts';
import { withStorage } from '../storage/storage-work.ts';

export interface QueryDslRouteOptions {
  /** Read limits of every query (tests lower them to prove they hold). */
  readonly limits?: ReadLimits;
}

export function registerQueryDslRoutes(app: FastifyInstance, ctx: RouteContext, options: QueryDslRouteOptions = {}): void {
  const limits = options.limits ?? DEFAULT_READ_LIMITS;
  app.post<{ Body: DslQuery }>(
    '/api/v1/query',
    {
      attachValidation: true,
      validatorCompiler: dslValidatorCompiler,
      schema: {
        tags: ['query'],
        summary: 'Structured query: filter, group, aggregate',
        description:
          'Aggregates spans (signal traces) or log records (signal logs) of the caller\'s tenant in a time range (default the last hour, at most 7 days): ' +
          'filters as in the search endpoints, group by fields or attributes, an optional time bucket, aggregates count/sum/avg/min/max/uniq/quantile, having, order and limit (at most 10,000). ' +
          'The query runs with a deadline and bounds on rows and bytes read, memory and groups; a query over a bound gets a 400 saying which.',
        body: DslQuery,
        response: { 200: DslResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (req) => {
      if (req.validationError !== undefined) throw validationApiError(req.validationError);
      const plan = planDsl(req.body, Date.now());
      const { value, stats } = await withStorage(
        ctx,
        req,
        (reader) => reader.rows<Record<string, unknown>>(dslSql(ctx.target, req.tenant, plan)),
        { limits, regexes: plan.regexes },
      );
      return { ...dslAnswer(plan, value), stats };
    },
  );
}
