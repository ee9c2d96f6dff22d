// Entry point for OTLP trace decoding: turns an OTLP/HTTP request body (protobuf or JSON) into
// Cairn SpanRecords for one tenant, with OTLP partial-success figures for rejected spans.
// Throws OtlpDecodeError when the body as a whole cannot be decoded (answer with HTTP 400).

import type { TraceDecodeResult } from './decode-result.ts';
import { decodeJsonTraceRequest } from './json-request.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { defaultTraceDecodeLimits } from './limits.ts';
import { decodeProtobufTraceRequest } from './proto-request.ts';

export { OtlpDecodeError } from './decode-error.ts';
export type { TraceDecodeResult } from './decode-result.ts';
export { defaultTraceDecodeLimits } from './limits.ts';
export type { TraceDecodeLimits } from './limits.ts';

export function decodeTracesProtobuf(
  body: Uint8Array,
  tenant: string,
  limits: TraceDecodeLimits = defaultTraceDecodeLimits,
): TraceDecodeResult {
  return decodeProtobufTraceRequest(body, tenant, limits);
}

export function decodeTracesJson(
  body: Uint8Array | string,
  tenant: string,
  limits: TraceDecodeLimits = defaultTraceDecodeLimits,
): TraceDecodeResult {
  return decodeJsonTraceRequest(body, tenant, limits);
}
