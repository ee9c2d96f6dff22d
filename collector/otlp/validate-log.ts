// Log record rules shared by the protobuf and JSON decoders, applied to already-converted values.
// Each check throws SpanRejection (the shared per-item rejection) naming the OTLP field.

import { MAX_SEVERITY_NUMBER } from '../../common/model/log.ts';
import { bytesToHexId, hexStringToId } from './ids.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { SpanRejection } from './rejections.ts';

export const LOG_TRACE_ID_BYTES = 16;
export const LOG_SPAN_ID_BYTES = 8;

/** The body goes through the attribute converters as a one-entry list, whatever maxAttributes is. */
export const BODY_KEY = 'body';
export function bodyLimits(limits: TraceDecodeLimits): TraceDecodeLimits {
  return { ...limits, maxAttributes: 1 };
}

/** The record's time: time_unix_nano, else observed_time_unix_nano; one of them must be set. */
export function logTime(timeUnixNano: bigint, observedTimeUnixNano: bigint): bigint {
  if (timeUnixNano !== 0n) return timeUnixNano;
  if (observedTimeUnixNano === 0n) {
    throw new SpanRejection('time_unix_nano and observed_time_unix_nano must not both be 0');
  }
  return observedTimeUnixNano;
}

export function checkSeverityNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SEVERITY_NUMBER) {
    throw new SpanRejection(`severity_number must be 0..${MAX_SEVERITY_NUMBER}, got ${n}`);
  }
}

/**
 * Log ids are optional. Empty means "not part of a trace"; so do all zeros, which upstream OTLP
 * asks receivers to read as "no trace" rather than to refuse. Any other length is refused.
 */
export function optionalIdFromBytes(bytes: Uint8Array, expectedBytes: number, field: string): string {
  if (bytes.length === 0) return '';
  if (bytes.length === expectedBytes && bytes.every((b) => b === 0)) return '';
  return bytesToHexId(bytes, expectedBytes, field);
}

/** The OTLP/JSON form of optionalIdFromBytes: unset, '' and all-'0' hex mean no id. */
export function optionalIdFromHex(value: unknown, expectedBytes: number, field: string): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value === 'string' && value.length === expectedBytes * 2 && /^0+$/.test(value)) return '';
  return hexStringToId(value, expectedBytes, field);
}
