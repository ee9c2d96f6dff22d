// Converts decoded protobuf KeyValue lists into Cairn attributes, enforcing the attribute limits
// at every nesting depth while converting, so an over-limit list costs one pass, not two.

import type { Attribute, AttributeValue } from '../../common/model/span.ts';
import { checkBytesValue, checkDepth, checkKey, checkStringValue } from './attribute-checks.ts';
import type { TraceDecodeLimits } from './limits.ts';
import type { PbAnyValue, PbKeyValue } from './proto-schema.ts';
import { int64ToBigInt } from './proto-schema.ts';
import { checkListLength } from './validate-span.ts';

const EMPTY_ATTRIBUTES: readonly Attribute[] = Object.freeze([]);
const EMPTY_VALUE: AttributeValue = Object.freeze({ type: 'empty' });

/** `where` is the singular label used in rejection messages, e.g. 'event attribute'. */
export function convertPbAttributes(
  list: readonly PbKeyValue[],
  limits: TraceDecodeLimits,
  where: string,
): readonly Attribute[] {
  if (list.length === 0) return EMPTY_ATTRIBUTES;
  checkListLength(list.length, limits.maxAttributes, where, 'maxAttributes');
  return convertKeyValues(list, limits.maxAttributeValueBytes, where, 0);
}

function convertKeyValues(list: readonly PbKeyValue[], limit: number, where: string, depth: number): Attribute[] {
  const out: Attribute[] = [];
  for (const kv of list) {
    checkKey(kv.key, where);
    out.push({ key: kv.key, value: kv.value === null ? EMPTY_VALUE : convertValue(kv.value, kv.key, limit, where, depth) });
  }
  return out;
}

function convertValue(v: PbAnyValue, key: string, limit: number, where: string, depth: number): AttributeValue {
  switch (setField(v)) {
    case 'stringValue':
      checkStringValue(v.stringValue, key, where, limit);
      return { type: 'string', value: v.stringValue };
    case 'boolValue':
      return { type: 'bool', value: v.boolValue };
    case 'intValue':
      return { type: 'int', value: int64ToBigInt(v.intValue) };
    case 'doubleValue':
      return { type: 'double', value: v.doubleValue };
    case 'bytesValue':
      checkBytesValue(v.bytesValue.length, key, where, limit);
      // Copy: the decoded bytes are a view into the request body, which must not stay alive.
      return { type: 'bytes', value: new Uint8Array(v.bytesValue) };
    case 'arrayValue': {
      checkDepth(depth + 1, key, where);
      const values: AttributeValue[] = [];
      for (const item of v.arrayValue?.values ?? EMPTY_VALUES) values.push(convertValue(item, key, limit, where, depth + 1));
      return { type: 'array', value: values };
    }
    case 'kvlistValue':
      checkDepth(depth + 1, key, where);
      return { type: 'kvlist', value: convertKeyValues(v.kvlistValue?.values ?? [], limit, where, depth + 1) };
    case undefined:
      return EMPTY_VALUE;
  }
}

const EMPTY_VALUES: readonly PbAnyValue[] = Object.freeze([]);

type AnyValueField = 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';

/**
 * Which oneof member was on the wire: decoded fields are own properties, defaults live on the
 * prototype. Replaces protobufjs' `value` getter, which allocates Object.keys() per value.
 */
function setField(v: PbAnyValue): AnyValueField | undefined {
  if (Object.hasOwn(v, 'stringValue')) return 'stringValue';
  if (Object.hasOwn(v, 'intValue')) return 'intValue';
  if (Object.hasOwn(v, 'boolValue')) return 'boolValue';
  if (Object.hasOwn(v, 'doubleValue')) return 'doubleValue';
  if (Object.hasOwn(v, 'arrayValue')) return 'arrayValue';
  if (Object.hasOwn(v, 'kvlistValue')) return 'kvlistValue';
  if (Object.hasOwn(v, 'bytesValue')) return 'bytesValue';
  return undefined;
}
