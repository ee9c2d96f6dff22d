// The OTLP trace protobuf schema, loaded once from ./proto at module load, and the shapes
// protobufjs decodes it into. Decoding goes straight through the reflected Type (no toObject)
// because the receiver must keep up with tens of thousands of spans per second.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('./proto', import.meta.url));

function loadRequestType(): protobuf.Type {
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as in upstream.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  root.resolveAll();
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

export const exportTraceServiceRequestType: protobuf.Type = loadRequestType();

/** protobufjs gives 64-bit fields as Long when the `long` package is present, else as number. */
export type PbLong = { readonly low: number; readonly high: number } | number;

/**
 * Decoded message shapes (camelCase, as protobufjs names fields). Unset scalar fields read as
 * the proto3 default from the prototype; unset message fields read as null; fields present on
 * the wire are own properties.
 */
export interface PbAnyValue {
  readonly stringValue: string;
  readonly boolValue: boolean;
  readonly intValue: PbLong;
  readonly doubleValue: number;
  readonly arrayValue: { readonly values: readonly PbAnyValue[] } | null;
  readonly kvlistValue: { readonly values: readonly PbKeyValue[] } | null;
  readonly bytesValue: Uint8Array;
}

export interface PbKeyValue {
  readonly key: string;
  readonly value: PbAnyValue | null;
}

export interface PbEvent {
  readonly timeUnixNano: PbLong;
  readonly name: string;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
}

export interface PbLink {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly traceState: string;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface PbSpan {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly traceState: string;
  readonly parentSpanId: Uint8Array;
  readonly flags: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: PbLong;
  readonly endTimeUnixNano: PbLong;
  readonly attributes: readonly PbKeyValue[];
  readonly droppedAttributesCount: number;
  readonly events: readonly PbEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly PbLink[];
  readonly droppedLinksCount: number;
  readonly status: { readonly code: number; readonly message: string } | null;
}

export interface PbScopeSpans {
  readonly scope: { readonly name: string; readonly version: string } | null;
  readonly spans: readonly PbSpan[];
}

export interface PbResourceSpans {
  readonly resource: { readonly attributes: readonly PbKeyValue[] } | null;
  readonly scopeSpans: readonly PbScopeSpans[];
}

export interface PbExportTraceServiceRequest {
  readonly resourceSpans: readonly PbResourceSpans[];
}

/** Unsigned: fixed64 timestamps. */
export function uint64ToBigInt(value: PbLong): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (value.high === 0) return BigInt(value.low >>> 0);
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** Signed: int64 attribute values. The high word's sign carries through the shift. */
export function int64ToBigInt(value: PbLong): bigint {
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high) << 32n) | BigInt(value.low >>> 0);
}
