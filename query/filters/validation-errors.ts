// Fastify's schema validation (attachValidation: true) reported as the API's own 400, naming the
// parameter at fault: `limit`, `filter[1]`, `aggregates[0].fn`. Routes check req.validationError
// first thing, so a bad request never reaches storage.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';

interface AjvLikeError {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: { readonly missingProperty?: string; readonly additionalProperty?: string; readonly allowedValues?: readonly unknown[] };
}

/** `/aggregates/1/fn` -> `aggregates[1].fn`; keys that are not plain names are quoted. */
export function jsonPointerToPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export function validationApiError(err: Error & { validation?: readonly AjvLikeError[]; apiError?: unknown }): ApiError {
  if (err instanceof ApiError) return err;
  // A route's own validator (see dsl-validator.ts) carries its finished error along.
  if (err.apiError instanceof ApiError) return err.apiError;
  const first = err.validation?.[0];
  if (first === undefined) return new ApiError('INVALID_ARGUMENT', err.message);
  let field = jsonPointerToPath(first.instancePath ?? '');
  const missing = first.params?.missingProperty;
  if (missing !== undefined) field = field === '' ? missing : `${field}.${missing}`;
  const extra = first.params?.additionalProperty;
  if (extra !== undefined) {
    const path = field === '' ? extra : `${field}.${extra}`;
    return new ApiError('INVALID_ARGUMENT', `${path}: unknown property`, path);
  }
  const allowed = first.params?.allowedValues;
  const detail = allowed === undefined ? (first.message ?? 'is not valid') : `must be one of ${allowed.map(String).join(', ')}`;
  return new ApiError('INVALID_ARGUMENT', field === '' ? detail : `${field}: ${detail}`, field === '' ? undefined : field);
}

/**
 * The metrics, RED and correlation routes' form of the same 400, thrown rather than returned:
 * `field` is the top-level parameter (`match`, not `match[2]`), the form those routes' error
 * bodies have always had, so it stays apart from validationApiError.
 */
export function rejectInvalid(req: FastifyRequest): void {
  const err = req.validationError;
  if (err === undefined) return;
  const first = (err.validation as readonly { instancePath?: string; params?: Record<string, unknown>; message?: string }[] | undefined)?.[0];
  const missing = first?.params?.['missingProperty'];
  const path = (first?.instancePath ?? '').replace(/^\//, '').split('/')[0] ?? '';
  const field = path !== '' ? path : typeof missing === 'string' ? missing : err.validationContext;
  throw new ApiError('INVALID_ARGUMENT', `${field}: ${first?.message ?? err.message}`, field);
}
