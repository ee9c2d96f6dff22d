// SQL expressions that read a field, shared by the filter compiler and the query DSL.
//
// Attributes are parallel arrays (keys, values as text); an attribute's value is
// `values[indexOf(keys, key)]`, which both dialects answer with '' when the key is absent (index 0).
// Numerically an attribute is its text read as a Float64 (`toFloat64OrNull`): ints, doubles and
// numeric strings compare as numbers, anything else (a bool, text, an absent key) is NULL and
// matches no comparison. Float64 is exact for integers up to 2^53.
import { sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import type { AttributeField, Field } from './fields.ts';

function position(f: AttributeField): SqlFragment {
  return sql`indexOf(${f.keys}, ${f.key})`;
}

/** The field as stored text (attributes) or its column value. */
export function valueExpr(f: Field): SqlFragment {
  if (f.kind === 'attribute') return sql`${f.values}[${position(f)}]`;
  return sql`${f.column}`;
}

/** 1 when the attribute is present / the text column is not empty. */
export function presentExpr(f: Field): SqlFragment {
  if (f.kind === 'attribute') return sql`has(${f.keys}, ${f.key})`;
  return sql`${f.column} != ''`;
}

/** The field as a number in client units (duration in ms), NULL where an attribute is not numeric. */
export function numericExpr(f: Field): SqlFragment {
  if (f.kind === 'attribute') return sql`toFloat64OrNull(${valueExpr(f)})`;
  return f.scale === 1 ? sql`${f.column}` : sql`(${f.column} / ${f.scale})`;
}

/**
 * The field as a group-by key or uniq() argument: an absent attribute is NULL (so it groups apart
 * from an empty string and uniq() skips it).
 */
export function keyExpr(f: Field): SqlFragment {
  if (f.kind === 'attribute') return sql`if(${presentExpr(f)}, ${valueExpr(f)}, NULL)`;
  return f.type === 'number' ? numericExpr(f) : sql`${f.column}`;
}
