// Every error the query API returns: a stable code, the HTTP status, and a message that names the
// field at fault. 5xx answers never carry internal details; those go to the log.
import { isRetryableClickHouseError } from '../common/clickhouse/errors.ts';

export const ErrorCodes = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 422,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get statusCode(): number {
    return ErrorCodes[this.code];
  }
}

/**
 * What a failed ClickHouse call means for the API client: our own deadline -> 504; ClickHouse
 * unreachable or overloaded -> 503 (retry later); anything else -> 500 with the cause logged.
 */
export function classifyStorageError(err: unknown, signal: AbortSignal, timeoutMs: number): ApiError {
  if (err instanceof ApiError) return err;
  if (signal.aborted) {
    return new ApiError('TIMEOUT', `query did not finish within ${timeoutMs} ms (CAIRN_QUERY_TIMEOUT_MS)`, undefined, { cause: err });
  }
  if (isRetryableClickHouseError(err)) {
    return new ApiError('UNAVAILABLE', 'storage (ClickHouse) is unavailable, retry later', undefined, { cause: err });
  }
  return new ApiError('INTERNAL', 'internal error', undefined, { cause: err });
}
