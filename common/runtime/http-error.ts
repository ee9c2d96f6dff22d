// An error with the HTTP status (and optional Retry-After) the receiver answers with. Messages
// of 4xx errors go to the client; 5xx messages are generic, the cause is logged.

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
