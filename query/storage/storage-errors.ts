// Turns a failed read into the API error a client can act on. Limits the query hit (rows, bytes,
// memory, time) become 400/504 answers that say which bound and what to change; a regular
// expression RE2 refused becomes a 400 naming the filter that carries it. Everything else goes
// through classifyStorageError (503 retry later / 500 logged).
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { sql } from '../../common/clickhouse/sql.ts';
import { ApiError, classifyStorageError } from '../errors.ts';
import type { RegexUse } from '../filters/filter-compile.ts';
import type { ReadLimits } from './read-limits.ts';

// ClickHouse ErrorCodes.cpp
const TOO_MANY_ROWS = 158;
const TIMEOUT_EXCEEDED = 159;
const TOO_SLOW = 160;
const MEMORY_LIMIT_EXCEEDED = 241;
const TOO_MANY_BYTES = 307;
const TOO_MANY_ROWS_OR_BYTES = 396;
const CANNOT_COMPILE_REGEXP = 427;

const PROBE_TIMEOUT_MS = 5000;

/** The server's error code: the client sets `code` for current servers; 18.16 only says it in the text. */
export function serverErrorCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const message = err instanceof Error ? err.message : '';
  const m = /^Code: (\d+)/.exec(message);
  return m === null ? undefined : Number(m[1]);
}

export interface ReadFailureContext {
  readonly ch: SqlRunner;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly limits: ReadLimits;
  readonly regexes: readonly RegexUse[];
}

export async function mapReadError(err: unknown, c: ReadFailureContext): Promise<ApiError> {
  if (err instanceof ApiError || c.signal.aborted) return classifyStorageError(err, c.signal, c.timeoutMs);
  const code = serverErrorCode(err);
  const narrow = 'narrow the time range or add filters';
  switch (code) {
    case TOO_MANY_ROWS:
    case TOO_MANY_ROWS_OR_BYTES:
      return new ApiError(
        'INVALID_ARGUMENT',
        `query exceeds a row limit (at most ${c.limits.maxRowsToRead} rows read and ${c.limits.maxGroups} groups or result rows); ${narrow}`,
        undefined,
        { cause: err },
      );
    case TOO_MANY_BYTES:
      return new ApiError('INVALID_ARGUMENT', `query would read more than ${c.limits.maxBytesToRead} bytes; ${narrow}`, undefined, { cause: err });
    case MEMORY_LIMIT_EXCEEDED:
      return new ApiError('INVALID_ARGUMENT', `query needs more than ${c.limits.maxMemoryUsage} bytes of memory; group by fewer or lower-cardinality fields, or ${narrow}`, undefined, { cause: err });
    case TIMEOUT_EXCEEDED:
    case TOO_SLOW:
      return new ApiError('TIMEOUT', `query did not finish within ${c.timeoutMs} ms (CAIRN_QUERY_TIMEOUT_MS); ${narrow}`, undefined, { cause: err });
    case CANNOT_COMPILE_REGEXP:
      return regexError(err, c);
    default:
      return classifyStorageError(err, c.signal, c.timeoutMs);
  }
}

/** Finds which regular expression the server refused, by compiling each on its own. */
async function regexError(err: unknown, c: ReadFailureContext): Promise<ApiError> {
  for (const use of c.regexes) {
    if (c.regexes.length > 1 && (await compiles(c.ch, use.pattern))) continue;
    return use.site.error('value', 'regular expression is not valid RE2 syntax (see https://github.com/google/re2/wiki/Syntax)');
  }
  return new ApiError('INVALID_ARGUMENT', 'a regular expression is not valid RE2 syntax', undefined, { cause: err });
}

async function compiles(ch: SqlRunner, pattern: string): Promise<boolean> {
  try {
    await ch.queryRows(sql`SELECT match('', ${pattern}) AS m`, { timeoutMs: PROBE_TIMEOUT_MS });
    return true;
  } catch {
    // Refused, or the probe itself failed: either way this pattern is the one to point at.
    return false;
  }
}
