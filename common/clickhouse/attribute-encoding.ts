// Typed attribute values as (type code, text) pairs, so attributes fit parallel Array(UInt8) and
// Array(String) columns on every ClickHouse version and still read back with their OTLP type.
// Nested values (arrays, kvlists, event and link attributes) are compact JSON of the same pairs.
import type { Attribute, AttributeValue } from '../model/span.ts';

export const AttrType = { empty: 0, string: 1, bool: 2, int: 3, double: 4, bytes: 5, array: 6, kvlist: 7 } as const;

type Encoded = [type: number, text: string];
type EncodedKv = [key: string, type: number, text: string];

export function encodeValue(v: AttributeValue): Encoded {
  switch (v.type) {
    case 'empty':
      return [AttrType.empty, ''];
    case 'string':
      return [AttrType.string, v.value];
    case 'bool':
      return [AttrType.bool, v.value ? 'true' : 'false'];
    case 'int':
      return [AttrType.int, v.value.toString()];
    case 'double':
      return [AttrType.double, String(v.value)];
    case 'bytes':
      return [AttrType.bytes, Buffer.from(v.value).toString('base64')];
    case 'array':
      return [AttrType.array, JSON.stringify(v.value.map(encodeValue))];
    case 'kvlist':
      return [AttrType.kvlist, encodeAttributeList(v.value)];
  }
}

export function decodeValue(type: number, text: string): AttributeValue {
  switch (type) {
    case AttrType.string:
      return { type: 'string', value: text };
    case AttrType.bool:
      return { type: 'bool', value: text === 'true' };
    case AttrType.int:
      return { type: 'int', value: BigInt(text) };
    case AttrType.double:
      return { type: 'double', value: Number(text) };
    case AttrType.bytes:
      return { type: 'bytes', value: new Uint8Array(Buffer.from(text, 'base64')) };
    case AttrType.array:
      return { type: 'array', value: (JSON.parse(text) as Encoded[]).map(([t, s]) => decodeValue(t, s)) };
    case AttrType.kvlist:
      return { type: 'kvlist', value: decodeAttributeList(text) };
    default:
      return { type: 'empty' };
  }
}

/** An attribute list as one JSON text: [[key, type, text], ...]. */
export function encodeAttributeList(attrs: readonly Attribute[]): string {
  return JSON.stringify(attrs.map((a): EncodedKv => [a.key, ...encodeValue(a.value)]));
}

export function decodeAttributeList(text: string): Attribute[] {
  if (text === '') return [];
  return (JSON.parse(text) as EncodedKv[]).map(([key, t, s]) => ({ key, value: decodeValue(t, s) }));
}

/** Splits attributes into the three parallel column arrays. */
export function toColumns(attrs: readonly Attribute[]): { keys: string[]; types: number[]; values: string[] } {
  const keys: string[] = [];
  const types: number[] = [];
  const values: string[] = [];
  for (const a of attrs) {
    const [t, s] = encodeValue(a.value);
    keys.push(a.key);
    types.push(t);
    values.push(s);
  }
  return { keys, types, values };
}

export function fromColumns(keys: readonly string[], types: readonly number[], values: readonly string[]): Attribute[] {
  return keys.map((key, i) => ({ key, value: decodeValue(types[i] ?? AttrType.empty, values[i] ?? '') }));
}
