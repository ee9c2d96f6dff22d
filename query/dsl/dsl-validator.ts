// Checks a query body against DslQuery with TypeBox's compiled checker instead of the service's
// shared Ajv, which removes unknown properties and coerces types: here an unknown property or a
// string where a number belongs is an error that names its JSON path (`aggregates[1].fn`).
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/errors';
import type { FastifySchemaCompiler } from 'fastify';
import { ApiError } from '../errors.ts';
import { jsonPointerToPath } from '../filters/validation-errors.ts';
import { DslQuery } from './dsl-schema.ts';

const checker = TypeCompiler.Compile(DslQuery);

function describe(e: ValueError): string {
  if (e.message === 'Unexpected property') return 'unknown property';
  if (e.message === 'Expected required property') return 'is required';
  const options = (e.schema as { anyOf?: ReadonlyArray<{ const?: unknown }> }).anyOf;
  if (options !== undefined && options.every((o) => typeof o.const === 'string')) {
    return `must be one of ${options.map((o) => String(o.const)).join(', ')}; got ${JSON.stringify(e.value)}`;
  }
  return e.message.charAt(0).toLowerCase() + e.message.slice(1);
}

/** The first problem with `body` as an API error naming its path, or undefined when it is valid. */
export function dslBodyError(body: unknown): ApiError | undefined {
  const first = checker.Errors(body).First();
  if (first === undefined) return undefined;
  const path = jsonPointerToPath(first.path);
  return new ApiError('INVALID_ARGUMENT', path === '' ? `body: ${describe(first)}` : `${path}: ${describe(first)}`, path === '' ? 'body' : path);
}

/** A fastify validatorCompiler for the DSL route: the TypeBox check above (the route has only a body). */
export const dslValidatorCompiler: FastifySchemaCompiler<unknown> = () => (data: unknown) => {
  const error = dslBodyError(data);
  // A plain Error carrying the ApiError: fastify decorates validation errors with a status code,
  // which an ApiError (status derived from its code) does not accept.
  return error === undefined ? { value: data } : { error: Object.assign(new Error(error.message), { apiError: error }) };
};
