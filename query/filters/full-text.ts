// The `q` full-text grammar over log bodies:
//   timeout payment            both terms (AND)
//   "connection reset"         a phrase, matched as one string; \" and \\ escape inside it
//   -debug  -"health check"    negation of a term or phrase
// Matching is case-insensitive substring search (`positionCaseInsensitiveUTF8`, on both 18.16 and
// current ClickHouse; ILIKE and token functions are not on 18.16). A term matches inside words:
// `time` matches "timeout".
import { join, sql } from '../../common/clickhouse/sql.ts';
import type { Identifier, SqlFragment } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../errors.ts';

export const MAX_QUERY_TEXT_LENGTH = 1024;
export const MAX_QUERY_CLAUSES = 32;

export interface TextClause {
  readonly text: string;
  readonly negated: boolean;
}

function fail(param: string, q: string, message: string): never {
  throw new ApiError('INVALID_ARGUMENT', `${param} ${JSON.stringify(q)}: ${message}`, param);
}

export function parseFullText(q: string, param = 'q'): TextClause[] {
  if (q.length > MAX_QUERY_TEXT_LENGTH) fail(param, q.slice(0, 40) + '...', `longer than ${MAX_QUERY_TEXT_LENGTH} characters`);
  const clauses: TextClause[] = [];
  let i = 0;
  while (i < q.length) {
    if (/\s/.test(q[i] ?? '')) {
      i++;
      continue;
    }
    const negated = q[i] === '-' && i + 1 < q.length && !/\s/.test(q[i + 1] ?? '');
    if (negated) i++;
    let text = '';
    if (q[i] === '"') {
      const start = i;
      i++;
      let closed = false;
      while (i < q.length) {
        const c = q[i] ?? '';
        const next = q[i + 1] ?? '';
        if (c === '\\' && (next === '"' || next === '\\')) {
          text += next;
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      if (!closed) fail(param, q, `phrase starting at character ${start + 1} is not closed with "`);
      if (text === '') fail(param, q, `empty phrase at character ${start + 1}`);
    } else {
      while (i < q.length && !/\s/.test(q[i] ?? '')) text += q[i++] ?? '';
    }
    clauses.push({ text, negated });
    if (clauses.length > MAX_QUERY_CLAUSES) fail(param, q, `more than ${MAX_QUERY_CLAUSES} terms`);
  }
  return clauses;
}

/** The clauses ANDed over `column`, or `1` when there are none. */
export function compileFullText(clauses: readonly TextClause[], column: Identifier): SqlFragment {
  if (clauses.length === 0) return sql`1`;
  return join(
    clauses.map((c) => (c.negated ? sql`(positionCaseInsensitiveUTF8(${column}, ${c.text}) = 0)` : sql`(positionCaseInsensitiveUTF8(${column}, ${c.text}) > 0)`)),
    ' AND ',
  );
}
