// Span rules shared by the protobuf and JSON decoders, applied to already-converted values.
// Each check throws SpanRejection naming the OTLP field, the limit and the offending value.

import { SpanRejection } from './rejections.ts';

const MAX_SPAN_KIND = 5;
const MAX_STATUS_CODE = 2;

/**
 * UTF-8 length of `value` when it exceeds `limit` bytes, else -1. Skips the byte count whenever the
 * UTF-16 length alone decides it: a code unit encodes to 1..3 bytes.
 */
export function utf8LengthOver(value: string, limit: number): number {
  if (value.length * 3 <= limit) return -1;
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes > limit ? bytes : -1;
}

export function checkSpanName(name: string, limit: number): void {
  const bytes = utf8LengthOver(name, limit);
  if (bytes >= 0) throw new SpanRejection(`name is ${bytes} bytes, limit maxSpanNameBytes=${limit}`);
}

/** Rejects rather than truncates; `noun` is singular ('event', 'link attribute') to stay constant. */
export function checkListLength(length: number, limit: number, noun: string, limitName: string): void {
  if (length > limit) throw new SpanRejection(`${length} ${noun}s, limit ${limitName}=${limit}`);
}

export function checkTimes(start: bigint, end: bigint): void {
  if (start === 0n) throw new SpanRejection('start_time_unix_nano must not be 0');
  if (end < start) throw new SpanRejection(`end_time_unix_nano ${end} is before start_time_unix_nano ${start}`);
}

export function checkKind(kind: number): void {
  if (!Number.isInteger(kind) || kind < 0 || kind > MAX_SPAN_KIND) {
    throw new SpanRejection(`kind must be 0..${MAX_SPAN_KIND}, got ${kind}`);
  }
}

export function checkStatusCode(code: number): void {
  if (!Number.isInteger(code) || code < 0 || code > MAX_STATUS_CODE) {
    throw new SpanRejection(`status code must be 0..${MAX_STATUS_CODE}, got ${code}`);
  }
}
