// OTLP/HTTP response bodies in the request's encoding: Export*ServiceResponse on success (with
// partial_success when some items were rejected) and google.rpc.Status on failure.
import type { BodyEncoding } from './request-body.ts';

// Minimal protobuf writer for the two small messages above; pulling a schema in for them is not worth it.
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array): number[] {
  return [...varint(BigInt((field << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes];
}

function varintField(field: number, n: bigint): number[] {
  return [...varint(BigInt(field << 3)), ...varint(n)];
}

/** Response to a fully or partly accepted export. `rejected` 0 means full success. */
export function exportResponse(encoding: BodyEncoding, rejectedField: string, rejected: number, message: string): Buffer {
  if (encoding === 'json') {
    const body = rejected > 0 || message !== '' ? { partialSuccess: { [rejectedField]: String(rejected), errorMessage: message } } : {};
    return Buffer.from(JSON.stringify(body));
  }
  if (rejected === 0 && message === '') return Buffer.alloc(0);
  const inner = [
    ...(rejected > 0 ? varintField(1, BigInt(rejected)) : []),
    ...(message !== '' ? lengthDelimited(2, Buffer.from(message)) : []),
  ];
  return Buffer.from(lengthDelimited(1, Uint8Array.from(inner)));
}

/** google.rpc.Status with a gRPC code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE...). */
export function statusResponse(encoding: BodyEncoding, grpcCode: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code: grpcCode, message }));
  return Buffer.from([...varintField(1, BigInt(grpcCode)), ...lengthDelimited(2, Buffer.from(message))]);
}

export function grpcCodeForHttp(status: number): number {
  if (status === 400 || status === 413 || status === 415) return 3;
  if (status === 429) return 8;
  if (status === 401) return 16;
  return 14;
}
