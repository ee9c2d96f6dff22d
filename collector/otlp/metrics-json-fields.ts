// Typed field readers for OTLP/JSON data points. Each throws SpanRejection naming the OTLP proto
// field when the value has the wrong JSON type or range; unset (absent or null) reads as the
// proto3 default, or as null for proto3 `optional` fields.
import type { JsonObject } from './json-fields.ts';
import { arrayField, pick } from './json-fields.ts';
import { parseDouble, parseInt64, parseUint32, parseUint64 } from './json-numbers.ts';
import { SpanRejection } from './rejections.ts';

const MIN_INT32 = -(2 ** 31);
const MAX_INT32 = 2 ** 31 - 1;

export function uint64At(obj: JsonObject, jsonName: string, protoName: string): bigint {
  const raw = pick(obj, jsonName, protoName);
  if (raw === undefined) return 0n;
  const value = parseUint64(raw);
  if (value === undefined) throw new SpanRejection(`${protoName} must be an unsigned 64-bit integer`);
  return value;
}

export function int64Value(raw: unknown, field: string): bigint {
  const value = parseInt64(raw);
  if (value === undefined) throw new SpanRejection(`${field} must be a 64-bit integer`);
  return value;
}

export function uint32At(obj: JsonObject, field: string): number {
  const raw = obj[field] ?? undefined;
  if (raw === undefined) return 0;
  const value = parseUint32(raw);
  if (value === undefined) throw new SpanRejection(`${field} must be an unsigned 32-bit integer`);
  return value;
}

export function int32At(obj: JsonObject, field: string): number {
  const raw = obj[field] ?? undefined;
  if (raw === undefined) return 0;
  const value = typeof raw === 'string' && /^-?\d{1,10}$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_INT32 || value > MAX_INT32) {
    throw new SpanRejection(`${field} must be a 32-bit integer`);
  }
  return value;
}

export function doubleValue(raw: unknown, field: string): number {
  const value = parseDouble(raw);
  if (value === undefined) throw new SpanRejection(`${field} must be a number`);
  return value;
}

export function doubleAt(obj: JsonObject, jsonName: string, protoName: string): number {
  const raw = pick(obj, jsonName, protoName);
  return raw === undefined ? 0 : doubleValue(raw, protoName);
}

/** proto3 `optional double`: null when unset. */
export function optionalDoubleAt(obj: JsonObject, field: string): number | null {
  const raw = obj[field] ?? undefined;
  return raw === undefined ? null : doubleValue(raw, field);
}

export function uint64ListAt(obj: JsonObject, jsonName: string, protoName: string, limit: (n: number) => void): bigint[] {
  const list = arrayField(pick(obj, jsonName, protoName), protoName);
  limit(list.length);
  return list.map((raw, i) => {
    const value = parseUint64(raw);
    if (value === undefined) throw new SpanRejection(`${protoName}[${i}] must be an unsigned 64-bit integer`);
    return value;
  });
}

export function doubleListAt(obj: JsonObject, jsonName: string, protoName: string, limit: (n: number) => void): number[] {
  const list = arrayField(pick(obj, jsonName, protoName), protoName);
  limit(list.length);
  return list.map((raw, i) => doubleValue(raw, `${protoName}[${i}]`));
}
