// The compact text form of a filter, as GET searches take it in repeated `filter=` parameters:
//   span.http.status_code>=500    resource.k8s.pod=~api-.*    service!=cart
//   exists:span.error             !exists:span.error
// The field runs up to the first operator; the value is everything after it, verbatim (it may
// contain operator characters). An attribute key containing operator characters is written as a
// JSON string after the prefix: span."a=b"=x. Errors quote the filter as written.
import { PRESENCE_OPS } from './filter-model.ts';
import type { Filter, FilterOp, FilterSite } from './filter-model.ts';

/** Longest filter text accepted. */
export const MAX_FILTER_TEXT_LENGTH = 8192;

// Two-character operators first, so `>=` is not read as `>` followed by a value starting '='.
const INFIX_OPS: readonly FilterOp[] = ['!=', '=~', '!~', '>=', '<=', '=', '>', '<'];
const FIELD_CHARS = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseFilterText(text: string, site: FilterSite): Filter {
  if (text.length > MAX_FILTER_TEXT_LENGTH) return site.fail('value', `filter is longer than ${MAX_FILTER_TEXT_LENGTH} characters`);
  for (const op of PRESENCE_OPS) {
    const prefix = `${op}:`;
    if (text.startsWith(prefix)) {
      const [field, rest] = readField(text.slice(prefix.length), site);
      if (rest !== '') return site.fail('field', `unexpected ${JSON.stringify(rest)} after the field name`);
      return { field, op };
    }
  }
  const [field, rest] = readField(text, site);
  const op = INFIX_OPS.find((o) => rest.startsWith(o));
  if (op === undefined) {
    return site.fail('op', 'expected field, operator (=, !=, =~, !~, >, >=, <, <=) and value, or exists:<field> / !exists:<field>');
  }
  return { field, op, value: rest.slice(op.length) };
}

/** Reads `name`, `scope.key` or `scope."json key"`; returns the field and the text after it. */
function readField(text: string, site: FilterSite): [field: string, rest: string] {
  const dot = text.indexOf('.');
  const quoted = dot > 0 && text[dot + 1] === '"' && FIELD_CHARS.test(text.slice(0, dot));
  if (quoted) {
    const end = closingQuote(text, dot + 1);
    if (end < 0) return site.fail('field', 'quoted attribute key is not closed');
    let key: unknown;
    try {
      key = JSON.parse(text.slice(dot + 1, end + 1));
    } catch {
      return site.fail('field', 'quoted attribute key is not a valid JSON string');
    }
    return [`${text.slice(0, dot)}.${String(key)}`, text.slice(end + 1)];
  }
  let i = 0;
  while (i < text.length && !INFIX_OPS.some((o) => text.startsWith(o, i))) i++;
  const field = text.slice(0, i).trim();
  if (field === '') return site.fail('field', 'field name is missing');
  return [field, text.slice(i)];
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}
