// Entry point for OTLP logs decoding: turns an OTLP/HTTP request body (protobuf or JSON) into
// Cairn LogRecords for one tenant, with OTLP partial-success figures for rejected records.
// Throws OtlpDecodeError when the body as a whole cannot be decoded (answer with HTTP 400).
// Attribute limits are the trace decoder's (maxAttributes, maxAttributeValueBytes); the span-only
// limits in TraceDecodeLimits do not apply to logs.

import type { TraceDecodeLimits } from './limits.ts';
import { defaultTraceDecodeLimits } from './limits.ts';
import type { LogDecodeResult } from './logs-decode-result.ts';
import { decodeJsonLogsRequest } from './logs-json-request.ts';
import { decodeProtobufLogsRequest } from './logs-proto-request.ts';

export { OtlpDecodeError } from './decode-error.ts';
export type { LogDecodeResult } from './logs-decode-result.ts';

export function decodeLogsProtobuf(
  body: Uint8Array,
  tenant: string,
  limits: TraceDecodeLimits = defaultTraceDecodeLimits,
): LogDecodeResult {
  return decodeProtobufLogsRequest(body, tenant, limits);
}

export function decodeLogsJson(
  body: Uint8Array | string,
  tenant: string,
  limits: TraceDecodeLimits = defaultTraceDecodeLimits,
): LogDecodeResult {
  return decodeJsonLogsRequest(body, tenant, limits);
}
