// Every error the query API returns: a stable code, the HTTP status, and a message that names the
// field at fault. 5xx answers never carry internal details; those go to the log.

export const ErrorCodes = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
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
