// Label matchers of the metrics routes, Prometheus style: `key=value`, `key!=value`, `key=~regex`,
// `key!~regex`. A series' labels are its resource attributes and its point attributes (a point
// attribute wins over a resource attribute of the same key); a missing label reads as '', so
// `key=` selects series without it. Regexes are anchored at both ends and run by ClickHouse (RE2
// on both engines), so constructs RE2 lacks are refused here with the matcher quoted.
import { join, raw, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../errors.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly key: string;
  readonly op: MatchOp;
  readonly value: string;
}

export const MAX_MATCHERS = 20;
const MAX_KEY_LENGTH = 256;
const MATCHER = /^([^=!~]+?)\s*(=~|!~|!=|=)(.*)$/s;
// Lookaround and backreferences: valid in JavaScript, refused by RE2.
const UNSUPPORTED_REGEX = /\(\?<?[=!]|\\[1-9]|\\k</;

export function parseMatcher(text: string, field = 'match'): LabelMatcher {
  const m = MATCHER.exec(text);
  const key = m?.[1]?.trim() ?? '';
  if (m === null || key === '' || key.length > MAX_KEY_LENGTH) {
    throw new ApiError('INVALID_ARGUMENT', `match "${text}" must be key=value, key!=value, key=~regex or key!~regex`, field);
  }
  const op = m[2] as MatchOp;
  const value = m[3] ?? '';
  if (op === '=~' || op === '!~') {
    if (UNSUPPORTED_REGEX.test(value)) {
      throw new ApiError('INVALID_ARGUMENT', `match "${text}": lookaround and backreferences are not supported (RE2 syntax)`, field);
    }
    try {
      new RegExp(value);
    } catch (err) {
      throw new ApiError('INVALID_ARGUMENT', `match "${text}": invalid regular expression: ${(err as Error).message}`, field);
    }
  }
  return { key, op, value };
}

export function parseMatchers(texts: readonly string[]): LabelMatcher[] {
  if (texts.length > MAX_MATCHERS) throw new ApiError('INVALID_ARGUMENT', `at most ${MAX_MATCHERS} match parameters`, 'match');
  return texts.map((t) => parseMatcher(t));
}

/** The value of label `key` of a metric_series row: point attribute, else resource attribute, else ''. */
export function labelValueSql(key: string): SqlFragment {
  // indexOf gives 0 for a missing key, and element 0 of a ClickHouse array reads as ''.
  return sql`if(has(attr_keys, ${key}), attr_values[indexOf(attr_keys, ${key})], resource_attr_values[indexOf(resource_attr_keys, ${key})])`;
}

export function matcherSql(m: LabelMatcher): SqlFragment {
  const label = labelValueSql(m.key);
  switch (m.op) {
    case '=':
      return sql`${label} = ${m.value}`;
    case '!=':
      return sql`${label} != ${m.value}`;
    case '=~':
      return sql`match(${label}, ${`^(?:${m.value})$`})`;
    case '!~':
      return sql`NOT match(${label}, ${`^(?:${m.value})$`})`;
  }
}

/** All matchers ANDed; `1` when there are none. */
export function matchersSql(matchers: readonly LabelMatcher[]): SqlFragment {
  return matchers.length === 0 ? raw('1') : join(matchers.map((m) => sql`(${matcherSql(m)})`), ' AND ');
}

/** A series' labels from its attribute columns, with the same precedence as labelValueSql. */
export function seriesLabels(resourceKeys: readonly string[], resourceValues: readonly string[], keys: readonly string[], values: readonly string[]): Record<string, string> {
  // Through a Map: a label named __proto__ must stay a label.
  const labels = new Map<string, string>();
  resourceKeys.forEach((k, i) => labels.set(k, resourceValues[i] ?? ''));
  keys.forEach((k, i) => labels.set(k, values[i] ?? ''));
  return Object.fromEntries(labels);
}
