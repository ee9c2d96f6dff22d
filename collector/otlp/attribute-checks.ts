// Attribute rules shared by the protobuf and JSON decoders. `where` says which list the attribute
// came from ('attribute', 'event attribute', 'resource attribute', ...) so the sender can find it.

import { MAX_ATTRIBUTE_DEPTH } from './limits.ts';
import { quoteForMessage, SpanRejection } from './rejections.ts';
import { utf8LengthOver } from './validate-span.ts';

export function checkKey(key: string, where: string): void {
  if (key.length === 0) throw new SpanRejection(`${where} with an empty key`);
}

export function checkStringValue(value: string, key: string, where: string, limit: number): void {
  const bytes = utf8LengthOver(value, limit);
  if (bytes >= 0) {
    throw new SpanRejection(
      `${where} ${quoteForMessage(key)} value is ${bytes} bytes, limit maxAttributeValueBytes=${limit}`,
    );
  }
}

export function checkBytesValue(length: number, key: string, where: string, limit: number): void {
  if (length > limit) {
    throw new SpanRejection(
      `${where} ${quoteForMessage(key)} value is ${length} bytes, limit maxAttributeValueBytes=${limit}`,
    );
  }
}

export function checkDepth(depth: number, key: string, where: string): void {
  if (depth > MAX_ATTRIBUTE_DEPTH) {
    throw new SpanRejection(`${where} ${quoteForMessage(key)} nests deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
  }
}
