// google.rpc.Status with one google.rpc.RetryInfo detail, the value of the grpc-status-details-bin
// trailer. OTLP/gRPC clients (the Collector's exporters among them) retry RESOURCE_EXHAUSTED only
// when this detail is present, and wait its retry_delay before the next attempt.

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

// Minimal protobuf writer: four tiny messages do not justify loading the googleapis schema.
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function varintField(field: number, n: number): number[] {
  return n === 0 ? [] : [...varint(field << 3), ...varint(n)];
}

function bytesField(field: number, bytes: Uint8Array | readonly number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

/** google.rpc.Status{code, message, details: [Any(RetryInfo{retry_delay})]}, encoded. */
export function statusWithRetryInfo(grpcCode: number, message: string, retryDelayMs: number): Buffer {
  const ms = Math.max(0, Math.round(retryDelayMs));
  const duration = [...varintField(1, Math.floor(ms / 1000)), ...varintField(2, (ms % 1000) * 1_000_000)];
  const retryInfo = bytesField(1, duration);
  const any = [...bytesField(1, Buffer.from(RETRY_INFO_TYPE_URL)), ...bytesField(2, retryInfo)];
  return Buffer.from([...varintField(1, grpcCode), ...bytesField(2, Buffer.from(message)), ...bytesField(3, any)]);
}
