// The one filter model shared by trace search, log search, live tail and the query DSL:
// `{ field, op, value }`, plus where a filter came from so every error names it the way the
// client wrote it (`filter[2]` with its text for GET searches, `filters[2].value` for the DSL).
import { ApiError } from '../errors.ts';

/** The stored signals a filter can read. */
export type Signal = 'traces' | 'logs';

export const FILTER_OPS = ['=', '!=', 'exists', '!exists', '=~', '!~', '>', '>=', '<', '<='] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const NUMERIC_OPS: ReadonlySet<FilterOp> = new Set(['>', '>=', '<', '<=']);
export const REGEX_OPS: ReadonlySet<FilterOp> = new Set(['=~', '!~']);
export const PRESENCE_OPS: ReadonlySet<FilterOp> = new Set(['exists', '!exists']);

export type FilterValue = string | number | boolean;

export interface Filter {
  /** A field of the signal (`service`, `duration`, ...) or an attribute (`span.<key>`, ...). */
  readonly field: string;
  readonly op: FilterOp;
  /** Absent for `exists` / `!exists`. */
  readonly value?: FilterValue;
}

export type FilterPart = 'field' | 'op' | 'value';

/** Where a filter came from: turns a problem with one of its parts into a 400 naming it. */
export interface FilterSite {
  error(part: FilterPart, message: string): ApiError;
  fail(part: FilterPart, message: string): never;
}

function site(error: (part: FilterPart, message: string) => ApiError): FilterSite {
  return {
    error,
    fail(part, message) {
      throw error(part, message);
    },
  };
}

/** A filter given as text in a query string: errors quote the text and name `<param>[i]`. */
export function textSite(param: string, index: number, text: string): FilterSite {
  return site((_part, message) => new ApiError('INVALID_ARGUMENT', `${param} ${JSON.stringify(text)}: ${message}`, `${param}[${index}]`));
}

/** A filter given as JSON: errors name the JSON path of the part at fault. */
export function jsonSite(path: string): FilterSite {
  return site((part, message) => new ApiError('INVALID_ARGUMENT', `${path}.${part}: ${message}`, `${path}.${part}`));
}

/** A single query-string parameter that stands for one filter (`service=`, `traceId=`). */
export function paramSite(param: string): FilterSite {
  return site((_part, message) => new ApiError('INVALID_ARGUMENT', `${param}: ${message}`, param));
}
