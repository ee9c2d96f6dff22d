// Shared by the row codec tests: reading an encoded JSONEachRow line back the way ClickHouse
// returns it, and fast-check generators for ids and typed attributes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TableDef } from '../../common/clickhouse/tables/table-def.ts';
import type { Attribute, AttributeValue } from '../../common/model/span.ts';

/**
 * Parses an encoded line the way ClickHouse hands the row back with
 * output_format_json_quote_64bit_integers=1: UInt64 columns (scalars and array elements) as
 * strings, and only `columns` selected. JSON.parse alone would round the 64-bit numbers, so they
 * are quoted first. A key pattern `,"name":` cannot occur inside a JSON string (quotes in there
 * are escaped), so the rewrite only touches real keys.
 */
export function rowFromClickHouseShape(line: string, table: TableDef, columns: readonly string[]): unknown {
  const uint64 = new Set(table.columns.filter((c) => c.type === 'UInt64' || c.type === 'Array(UInt64)').map((c) => c.name));
  const quoted = line.replace(/([{,]"([a-z_]+)":)(\d+|\[[\d,]*\])/g, (match: string, key: string, name: string, value: string) => {
    if (!uint64.has(name)) return match;
    if (value.startsWith('[')) return key + JSON.stringify(value.slice(1, -1).split(',').filter((x) => x !== ''));
    return `${key}"${value}"`;
  });
  const parsed = JSON.parse(quoted) as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    assert.ok(Object.hasOwn(parsed, column), `encoded row lacks ${column}`);
    row[column] = parsed[column];
  }
  return row;
}

export const hexId = (bytes: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
export const text = fc.string({ unit: 'binary', maxLength: 12 });
export const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

// -0 is written as "0" and reads back as 0: the API renders doubles as JSON numbers, which cannot
// tell them apart either, so tests compare generated -0 as 0.
export const { value: attributeValue } = fc.letrec<{ value: AttributeValue; attribute: Attribute }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<AttributeValue>({ type: 'empty' }),
    text.map((value): AttributeValue => ({ type: 'string', value })),
    fc.boolean().map((value): AttributeValue => ({ type: 'bool', value })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value): AttributeValue => ({ type: 'int', value })),
    fc.double().map((value): AttributeValue => ({ type: 'double', value })),
    fc.uint8Array({ maxLength: 12 }).map((value): AttributeValue => ({ type: 'bytes', value })),
    fc.array(tie('value'), { maxLength: 3 }).map((value): AttributeValue => ({ type: 'array', value })),
    fc.array(tie('attribute'), { maxLength: 3 }).map((value): AttributeValue => ({ type: 'kvlist', value })),
  ),
  attribute: fc.record({ key: text, value: tie('value') }),
}));
export const attributes = fc.array(fc.record({ key: text, value: attributeValue }), { maxLength: 4 });

/** The value as it reads back: -0 becomes 0, at any depth. */
export function withoutNegativeZero(v: AttributeValue): AttributeValue {
  switch (v.type) {
    case 'double':
      return Object.is(v.value, -0) ? { type: 'double', value: 0 } : v;
    case 'array':
      return { type: 'array', value: v.value.map(withoutNegativeZero) };
    case 'kvlist':
      return { type: 'kvlist', value: v.value.map(fixAttribute) };
    default:
      return v;
  }
}

export const fixAttribute = (a: Attribute): Attribute => ({ key: a.key, value: withoutNegativeZero(a.value) });
