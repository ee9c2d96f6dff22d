// Reading fields of a parsed OTLP/JSON message. Names are lowerCamelCase per the OTLP/JSON
// mapping, but the original snake_case names are accepted too, as protobuf JSON parsers do;
// null means "not set" in proto3 JSON.

import { SpanRejection } from './rejections.ts';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field under its JSON name, else under its proto name; undefined when unset or null. */
export function pick(obj: JsonObject, jsonName: string, protoName: string): unknown {
  return obj[jsonName] ?? obj[protoName] ?? undefined;
}

/** Unset means '' (proto3 default); any other non-string rejects the span. */
export function stringField(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  throw new SpanRejection(`${field} must be a string`);
}

/** Unset means an empty list; any other non-array rejects the span. */
export function arrayField(value: unknown, field: string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return EMPTY;
  throw new SpanRejection(`${field} must be an array`);
}

const EMPTY: readonly unknown[] = Object.freeze([]);
