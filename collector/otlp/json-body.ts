// What every OTLP/JSON request decoder shares: reading the body as JSON, with an exact second
// reading when a 64-bit value was sent as a bare number beyond 2^53, and the checks of the
// request structure that fail the whole body with its JSON path.
import { OtlpDecodeError } from './decode-error.ts';
import type { JsonObject } from './json-fields.ts';
import { isJsonObject } from './json-fields.ts';
import { InexactJsonNumber, quoteLongNumbers } from './json-numbers.ts';

/** Parses `body` and hands the value to `walk`; `walk` throws InexactJsonNumber to ask for the exact reading. */
export function decodeJsonBody<T>(body: Uint8Array | string, walk: (root: unknown) => T): T {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return walk(parseJson(text));
  } catch (err) {
    if (!(err instanceof InexactJsonNumber)) throw err;
  }
  // Only senders that put 64-bit values beyond 2^53 in bare JSON numbers (the OTLP/JSON mapping
  // asks for strings) pay for this second parse; everyone else gets JSON.parse's speed.
  try {
    return walk(parseJson(quoteLongNumbers(text)));
  } catch (err) {
    if (err instanceof InexactJsonNumber) throw new OtlpDecodeError('JSON number cannot be read exactly');
    throw err;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function objectAt(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) throw new OtlpDecodeError(`${path} must be an object`);
  return value;
}

export function optionalObjectAt(value: unknown, path: string): JsonObject | undefined {
  return value === undefined || value === null ? undefined : objectAt(value, path);
}

export function listAt(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path} must be an array`);
  return value;
}
