// Compiles filters to SQL predicates through sql.ts. Every value is a quoted literal and every
// column comes from the field catalog, so a filter can change what is matched but never the
// shape of the query; each predicate is parenthesised so it cannot change the precedence of the
// tenant and time conditions it is ANDed with.
//
// Semantics (the API documentation repeats them):
// - `=` / `!=` compare text: an attribute's stored text (ints in decimal, bools `true`/`false`),
//   a text column as is. `!=` is the exact negation of `=`: it also matches rows without the
//   attribute. Numeric columns compare numerically, and accept names (`status=error`,
//   `kind=server`, `severity=warn`, which stands for the 4 OTLP numbers of that level).
// - `=~` / `!~`: RE2 regular expression, unanchored (`match`); `!~` is the negation of `=~`.
// - `>`, `>=`, `<`, `<=`: numeric; attributes as described in field-expr.ts.
// - `exists` / `!exists`: the attribute is present / the text column is not empty.
import { join, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { numericExpr, presentExpr, valueExpr } from './field-expr.ts';
import { resolveField } from './fields.ts';
import type { CodeRange, ColumnField, Field } from './fields.ts';
import { NUMERIC_OPS, PRESENCE_OPS, REGEX_OPS } from './filter-model.ts';
import type { Filter, FilterOp, FilterSite, FilterValue, Signal } from './filter-model.ts';
import { checkRegex, sqlPattern } from './regex-check.ts';

/** Longest value text accepted. */
export const MAX_FILTER_VALUE_LENGTH = 4096;

/** A regular expression a query carries, kept so a server refusal can be pinned on its filter. */
export interface RegexUse {
  /** As sent to ClickHouse (sqlPattern). */
  readonly pattern: string;
  readonly site: FilterSite;
}

export interface SitedFilter {
  readonly filter: Filter;
  readonly site: FilterSite;
}

export interface CompiledFilters {
  /** The filters ANDed, or `1` when there are none. */
  readonly where: SqlFragment;
  readonly regexes: readonly RegexUse[];
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function compileFilters(signal: Signal, filters: readonly SitedFilter[]): CompiledFilters {
  const regexes: RegexUse[] = [];
  const parts = filters.map(({ filter, site }) => compileFilter(signal, filter, site, regexes));
  return { where: parts.length === 0 ? sql`1` : join(parts, ' AND '), regexes };
}

function compileFilter(signal: Signal, filter: Filter, site: FilterSite, regexes: RegexUse[]): SqlFragment {
  const field = resolveField(signal, filter.field);
  if (typeof field === 'string') return site.fail('field', field);
  const { op } = filter;
  if (PRESENCE_OPS.has(op)) return presence(field, op, filter.value, site);
  const value = filter.value;
  if (value === undefined) return site.fail('value', `operator ${op} needs a value`);
  if (typeof value === 'string' && value.length > MAX_FILTER_VALUE_LENGTH) {
    return site.fail('value', `value is longer than ${MAX_FILTER_VALUE_LENGTH} characters`);
  }
  if (REGEX_OPS.has(op)) return regex(field, op, value, site, regexes);
  if (field.kind === 'column' && field.type === 'number') return numericColumn(field, op, value, site);
  if (NUMERIC_OPS.has(op)) {
    if (field.kind === 'column') return site.fail('op', `operator ${op} needs a numeric field; ${field.name} is text`);
    const n = toNumber(value, site);
    return sql`ifNull(${numericExpr(field)} ${compareOp(op)} ${n}, 0)`;
  }
  const text = field.kind === 'column' && field.lowerCase ? textOf(value).toLowerCase() : textOf(value);
  const equal = field.kind === 'attribute' ? sql`(${presentExpr(field)} AND ${valueExpr(field)} = ${text})` : sql`${field.column} = ${text}`;
  return op === '=' ? sql`(${equal})` : sql`(NOT (${equal}))`;
}

function presence(field: Field, op: FilterOp, value: FilterValue | undefined, site: FilterSite): SqlFragment {
  if (value !== undefined && value !== '') return site.fail('value', `operator ${op} takes no value`);
  if (field.kind === 'column' && field.type === 'number') {
    return site.fail('op', `${field.name} is always present; ${op} applies to attributes and text fields`);
  }
  return op === 'exists' ? sql`(${presentExpr(field)})` : sql`(NOT ${presentExpr(field)})`;
}

function regex(field: Field, op: FilterOp, value: FilterValue, site: FilterSite, regexes: RegexUse[]): SqlFragment {
  if (field.kind === 'column' && field.type === 'number') return site.fail('op', `operator ${op} applies to text; ${field.name} is a number`);
  const pattern = textOf(value);
  const problem = checkRegex(pattern);
  if (problem !== '') return site.fail('value', problem);
  regexes.push({ pattern: sqlPattern(pattern), site });
  const matches = sql`match(${valueExpr(field)}, ${sqlPattern(pattern)})`;
  const e = field.kind === 'attribute' ? sql`${presentExpr(field)} AND ${matches}` : matches;
  return op === '=~' ? sql`(${e})` : sql`(NOT (${e}))`;
}

function numericColumn(field: ColumnField, op: FilterOp, value: FilterValue, site: FilterSite): SqlFragment {
  const range = codeRange(field, value, site);
  // Compared in stored units, on the bare column, so the comparison can use the sort key.
  const lo = range.lo * field.scale;
  const hi = range.hi * field.scale;
  const c = field.column;
  switch (op) {
    case '>':
      return sql`(${c} > ${hi})`;
    case '>=':
      return sql`(${c} >= ${lo})`;
    case '<':
      return sql`(${c} < ${lo})`;
    case '<=':
      return sql`(${c} <= ${hi})`;
    default: {
      const equal = lo === hi ? sql`${c} = ${lo}` : sql`${c} >= ${lo} AND ${c} <= ${hi}`;
      return op === '=' ? sql`(${equal})` : sql`(NOT (${equal}))`;
    }
  }
}

function codeRange(field: ColumnField, value: FilterValue, site: FilterSite): CodeRange {
  if (typeof value === 'string') {
    const named = field.names.get(value.toLowerCase());
    if (named !== undefined) return named;
  }
  if (typeof value === 'number' || (typeof value === 'string' && NUMBER_TEXT.test(value.trim()))) {
    const n = toNumber(value, site);
    return { lo: n, hi: n };
  }
  const names = [...field.names.keys()].filter((n) => !n.includes('_'));
  const hint = names.length > 0 ? ` or one of ${names.join(', ')}` : '';
  return site.fail('value', `${field.name} needs a number${hint}; got ${JSON.stringify(value)}`);
}

function toNumber(value: FilterValue, site: FilterSite): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return site.fail('value', `${JSON.stringify(value)} is not a finite number`);
  return n;
}

/**
 * The SQL comparison operator for `=`, `!=`, `>`, `>=`, `<` or `<=`, as a fixed token (never the
 * client's text). Shared by numeric filters and the DSL's `having`.
 */
export function compareOp(op: FilterOp): SqlFragment {
  switch (op) {
    case '=':
      return sql`=`;
    case '!=':
      return sql`!=`;
    case '>':
      return sql`>`;
    case '>=':
      return sql`>=`;
    case '<':
      return sql`<`;
    default:
      return sql`<=`;
  }
}

function textOf(value: FilterValue): string {
  return typeof value === 'string' ? value : String(value);
}
