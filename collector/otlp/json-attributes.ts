// Converts OTLP/JSON KeyValue lists into Cairn attributes, enforcing the attribute limits at every
// nesting depth. AnyValue fields may use JSON or proto names; the first set one wins, unknown
// fields are ignored.

import type { Attribute, AttributeValue } from '../../common/model/span.ts';
import { checkBytesValue, checkDepth, checkKey, checkStringValue } from './attribute-checks.ts';
import { isJsonObject } from './json-fields.ts';
import { parseDouble, parseInt64 } from './json-numbers.ts';
import type { TraceDecodeLimits } from './limits.ts';
import { quoteForMessage, SpanRejection } from './rejections.ts';
import { checkListLength } from './validate-span.ts';

const EMPTY_ATTRIBUTES: readonly Attribute[] = Object.freeze([]);
const EMPTY_VALUE: AttributeValue = Object.freeze({ type: 'empty' });

/** `where` is the singular label used in rejection messages, e.g. 'event attribute'. */
export function convertJsonAttributes(list: unknown, limits: TraceDecodeLimits, where: string): readonly Attribute[] {
  if (list === undefined || list === null) return EMPTY_ATTRIBUTES;
  if (!Array.isArray(list)) throw new SpanRejection(`${where}s must be an array`);
  if (list.length === 0) return EMPTY_ATTRIBUTES;
  checkListLength(list.length, limits.maxAttributes, where, 'maxAttributes');
  return convertKeyValues(list, limits.maxAttributeValueBytes, where, 0);
}

function convertKeyValues(list: readonly unknown[], limit: number, where: string, depth: number): Attribute[] {
  const out: Attribute[] = [];
  for (const kv of list) {
    if (!isJsonObject(kv)) throw new SpanRejection(`${where} must be an object`);
    const key = kv.key;
    if (typeof key !== 'string') throw new SpanRejection(`${where} key must be a string`);
    checkKey(key, where);
    const value = kv.value;
    out.push({ key, value: value === undefined || value === null ? EMPTY_VALUE : convertValue(value, key, limit, where, depth) });
  }
  return out;
}

function convertValue(value: unknown, key: string, limit: number, where: string, depth: number): AttributeValue {
  if (!isJsonObject(value)) throw badValue(key, where, 'must be an object');
  for (const field in value) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    switch (field) {
      case 'stringValue':
      case 'string_value':
        if (typeof v !== 'string') throw badValue(key, where, 'stringValue must be a string');
        checkStringValue(v, key, where, limit);
        return { type: 'string', value: v };
      case 'boolValue':
      case 'bool_value':
        if (typeof v !== 'boolean') throw badValue(key, where, 'boolValue must be a boolean');
        return { type: 'bool', value: v };
      case 'intValue':
      case 'int_value': {
        const n = parseInt64(v);
        if (n === undefined) throw badValue(key, where, 'intValue must be a 64-bit integer');
        return { type: 'int', value: n };
      }
      case 'doubleValue':
      case 'double_value': {
        const n = parseDouble(v);
        if (n === undefined) throw badValue(key, where, 'doubleValue must be a number');
        return { type: 'double', value: n };
      }
      case 'bytesValue':
      case 'bytes_value':
        return { type: 'bytes', value: decodeBase64(v, key, where, limit) };
      case 'arrayValue':
      case 'array_value': {
        checkDepth(depth + 1, key, where);
        const values: AttributeValue[] = [];
        for (const item of listOf(v, key, where)) {
          values.push(item === null ? EMPTY_VALUE : convertValue(item, key, limit, where, depth + 1));
        }
        return { type: 'array', value: values };
      }
      case 'kvlistValue':
      case 'kvlist_value':
        checkDepth(depth + 1, key, where);
        return { type: 'kvlist', value: convertKeyValues(listOf(v, key, where), limit, where, depth + 1) };
      default:
        break;
    }
  }
  return EMPTY_VALUE;
}

/** The `values` of an ArrayValue or KeyValueList message. */
function listOf(message: unknown, key: string, where: string): readonly unknown[] {
  if (!isJsonObject(message)) throw badValue(key, where, 'array/kvlist value must be an object');
  const values = message.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw badValue(key, where, 'values must be an array');
  return values;
}

/** Standard or URL-safe alphabet, as proto3 JSON parsers accept; Buffer alone skips bad characters. */
function decodeBase64(v: unknown, key: string, where: string, limit: number): Uint8Array {
  if (typeof v !== 'string') throw badValue(key, where, 'bytesValue must be a base64 string');
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) ||
      c === 43 || c === 47 || c === 45 || c === 95 || (c === 61 && i >= v.length - 2);
    if (!ok) throw badValue(key, where, 'bytesValue is not base64');
  }
  // The decoded size, known from the length, so oversized values are refused before decoding.
  checkBytesValue(Math.floor((v.length * 3) / 4) - (v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0), key, where, limit);
  // Copy out of Buffer's shared pool into a standalone array.
  return new Uint8Array(Buffer.from(v, 'base64'));
}

function badValue(key: string, where: string, problem: string): SpanRejection {
  return new SpanRejection(`${where} ${quoteForMessage(key)} ${problem}`);
}
