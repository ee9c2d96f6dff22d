// Trace and span ids: protobuf bytes and OTLP/JSON hex strings both become the lower-case hex
// Cairn stores. Table lookups instead of toString(16)/regex because this runs three or more
// times per span on the ingest hot path.

import { SpanRejection } from './rejections.ts';

const BYTE_TO_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Hex digit value by char code, -1 for anything else; upper case accepted. */
const HEX_DIGIT_VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    table[i.toString(16).charCodeAt(0)] = i;
    table[i.toString(16).toUpperCase().charCodeAt(0)] = i;
  }
  return table;
})();

/** `field` is the OTLP field name used in the rejection message, e.g. 'trace_id'. */
export function bytesToHexId(bytes: Uint8Array, expectedBytes: number, field: string): string {
  if (bytes.length !== expectedBytes) {
    throw new SpanRejection(`${field} must be ${expectedBytes} bytes, got ${bytes.length}`);
  }
  let hex = '';
  let nonZero = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    nonZero |= b;
    hex += BYTE_TO_HEX[b] ?? '';
  }
  if (nonZero === 0) throw new SpanRejection(`${field} must not be all zeros`);
  return hex;
}

/** Validates an OTLP/JSON id (hex, any case) and returns it in lower case. */
export function hexStringToId(value: unknown, expectedBytes: number, field: string): string {
  if (typeof value !== 'string') throw new SpanRejection(`${field} must be a hex string`);
  if (value.length !== expectedBytes * 2) {
    throw new SpanRejection(`${field} must be ${expectedBytes * 2} hex characters, got ${value.length}`);
  }
  let nonZero = 0;
  let upper = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const digit = code < 128 ? (HEX_DIGIT_VALUE[code] ?? -1) : -1;
    if (digit < 0) throw new SpanRejection(`${field} is not hex: character ${i} is ${JSON.stringify(value[i])}`);
    nonZero |= digit;
    // 'A'..'F' are the only upper-case hex characters.
    if (code >= 65 && code <= 70) upper = true;
  }
  if (nonZero === 0) throw new SpanRejection(`${field} must not be all zeros`);
  return upper ? value.toLowerCase() : value;
}
