// How a failed OTLP/gRPC export is answered: the status code the OTLP spec prescribes for the
// error, the message the client may see, and the retry hints that make clients back off.
import { Metadata, status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';
import { OtlpDecodeError } from '../otlp/decode-error.ts';
import { HttpError } from '../../common/runtime/http-error.ts';
import { statusWithRetryInfo } from './retry-info.ts';

/** Used when an overload error carries no delay: RESOURCE_EXHAUSTED is only retried with one. */
const DEFAULT_OVERLOAD_RETRY_SECONDS = 1;

export interface GrpcFailure {
  readonly code: status;
  /** Sent to the client: the error's own message for client errors, a generic one otherwise. */
  readonly details: string;
  /** Undefined when the client must not retry (or may pick its own backoff). */
  readonly retryAfterSeconds: number | undefined;
  /** Set for server-side failures: the cause is logged, the client only sees `details`. */
  readonly logCause: boolean;
}

/** Maps what decoding or the sink threw to its gRPC answer, as the HTTP route maps it to a status. */
export function grpcFailureFor(err: unknown): GrpcFailure {
  if (err instanceof OtlpDecodeError) return clientError(status.INVALID_ARGUMENT, err.message);
  if (!(err instanceof HttpError)) return internal();
  switch (err.statusCode) {
    case 400:
    case 415:
      return clientError(status.INVALID_ARGUMENT, err.message);
    case 401:
      return clientError(status.UNAUTHENTICATED, err.message);
    case 403:
      return clientError(status.PERMISSION_DENIED, err.message);
    case 413:
      // Too large is permanent for this request: no retry hint, so clients drop rather than loop.
      return clientError(status.RESOURCE_EXHAUSTED, err.message);
    case 429:
      return {
        code: status.RESOURCE_EXHAUSTED,
        details: err.message,
        retryAfterSeconds: err.retryAfterSeconds ?? DEFAULT_OVERLOAD_RETRY_SECONDS,
        logCause: false,
      };
    case 503:
      // HttpError's 5xx messages are generic by contract, so this one may go to the client.
      return { code: status.UNAVAILABLE, details: err.message, retryAfterSeconds: err.retryAfterSeconds, logCause: true };
    default:
      return internal();
  }
}

/** The status object for a unary callback; retry hints travel as trailers. */
export function toStatusResponse(failure: GrpcFailure): Partial<StatusObject> {
  const metadata = new Metadata();
  if (failure.retryAfterSeconds !== undefined) {
    const ms = failure.retryAfterSeconds * 1000;
    // gRPC's own retry policy reads the pushback; OTLP exporters read RetryInfo in the details.
    metadata.set('grpc-retry-pushback-ms', String(ms));
    metadata.set('grpc-status-details-bin', statusWithRetryInfo(failure.code, failure.details, ms));
  }
  return { code: failure.code, details: failure.details, metadata };
}

/** The status name used as the `code` metric label, e.g. 'RESOURCE_EXHAUSTED'. */
export function statusName(code: status): string {
  return status[code];
}

function clientError(code: status, details: string): GrpcFailure {
  return { code, details, retryAfterSeconds: undefined, logCause: false };
}

function internal(): GrpcFailure {
  return { code: status.INTERNAL, details: 'internal error', retryAfterSeconds: undefined, logCause: true };
}
