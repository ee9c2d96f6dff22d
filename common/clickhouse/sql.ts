// The one way a value reaches ClickHouse SQL. ClickHouse 18.16 has no query parameters, so values
// are rendered as literals here and nowhere else; identifiers are accepted only from allow-lists.
// Property-tested against both the 18.16 server and the embedded current engine.

const IDENTIFIER_MARK = Symbol('cairn.sql.identifier');
const FRAGMENT_MARK = Symbol('cairn.sql.fragment');

/** A name vetted against an allow-list; the only way a name gets into SQL. */
export interface Identifier {
  readonly [IDENTIFIER_MARK]: true;
  readonly name: string;
}

/** SQL text built by this module; interpolated as-is into other fragments. */
export interface SqlFragment {
  readonly [FRAGMENT_MARK]: true;
  readonly text: string;
}

export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Identifier
  | SqlFragment
  | readonly SqlValue[];

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export class SqlBuildError extends Error {}

/**
 * Accepts `name` only if it is in `allowed`. Names also have to look like plain identifiers, so an
 * allow-list built from configuration cannot smuggle quoting characters.
 */
export function identifier(name: string, allowed: ReadonlySet<string> | readonly string[]): Identifier {
  const ok = Array.isArray(allowed) ? allowed.includes(name) : (allowed as ReadonlySet<string>).has(name);
  if (!ok) throw new SqlBuildError(`identifier "${name}" is not allowed here`);
  if (!NAME_PATTERN.test(name)) throw new SqlBuildError(`identifier "${name}" is not a plain name`);
  return { [IDENTIFIER_MARK]: true, name };
}

/** A database name from configuration: the pattern itself is the allow-list. */
export function databaseIdentifier(name: string): Identifier {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new SqlBuildError(
      `database name "${name}" must be lower-case letters, digits and underscores, starting with a letter or underscore`,
    );
  }
  return { [IDENTIFIER_MARK]: true, name };
}

/** `db`.`table` from two vetted identifiers. */
export function qualified(db: Identifier, table: Identifier): SqlFragment {
  return raw(`${renderIdentifier(db)}.${renderIdentifier(table)}`);
}

function renderIdentifier(id: Identifier): string {
  return `\`${id.name}\``;
}

// Escapes every byte ClickHouse treats specially inside '...', plus all control characters, so a
// literal is one line and survives logs. Both dialects read \\, \', \xHH the same way.
const ESCAPES: readonly string[] = (() => {
  const table: string[] = [];
  for (let c = 0; c < 0x20; c++) table[c] = `\\x${c.toString(16).padStart(2, '0')}`;
  table[0x27] = "\\'";
  table[0x5c] = '\\\\';
  table[0x7f] = '\\x7f';
  return table;
})();

/** Renders a JS string as a ClickHouse string literal. */
export function quoteString(value: string): string {
  let out = "'";
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const escape = ESCAPES[value.charCodeAt(i)];
    if (escape !== undefined) {
      out += value.slice(start, i) + escape;
      start = i + 1;
    }
  }
  return `${out}${value.slice(start)}'`;
}

function isIdentifier(v: unknown): v is Identifier {
  return typeof v === 'object' && v !== null && IDENTIFIER_MARK in v;
}

// Array.isArray narrows readonly arrays to any[]; this keeps the element type.
function isArray(v: SqlValue): v is readonly SqlValue[] {
  return Array.isArray(v);
}

function isFragment(v: unknown): v is SqlFragment {
  return typeof v === 'object' && v !== null && FRAGMENT_MARK in v;
}

/** Renders any supported value as a SQL literal (or vetted name / trusted fragment). */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'bigint':
      // Parenthesised like negative numbers: `1 -${-5n}` must not become the comment `1 --5`.
      return value < 0n ? `(${value.toString()})` : value.toString();
    case 'boolean':
      return value ? '1' : '0';
    case 'number':
      if (!Number.isFinite(value)) throw new SqlBuildError(`number ${value} cannot be used in SQL`);
      // 18.16's parser rejects subnormal literals (e.g. 5e-324); scaling by 2^64 is exact both ways.
      if (value !== 0 && Math.abs(value) < 2.2250738585072014e-308) {
        return `(${literal(value * 2 ** 64)} / 18446744073709551616.0)`;
      }
      // Negative literals in parentheses so `a - ${x}` never turns into a comment marker `--`.
      return value < 0 || Object.is(value, -0) ? `(${String(value)})` : String(value);
    default:
      break;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw new SqlBuildError('invalid Date cannot be used in SQL');
    return `toDateTime(${Math.floor(ms / 1000)})`;
  }
  if (isIdentifier(value)) return renderIdentifier(value);
  if (isFragment(value)) return value.text;
  if (isArray(value)) return `[${value.map((v) => literal(v)).join(', ')}]`;
  throw new SqlBuildError(`unsupported SQL value of type ${typeof value}`);
}

/** Trusted SQL text written in this codebase, never derived from input. */
export function raw(text: string): SqlFragment {
  return { [FRAGMENT_MARK]: true, text };
}

/**
 * Text of a user's own read-only query (POST /api/v1/sql) after query/sql/guard.ts has lexed,
 * checked and rewritten it: the one path by which user-written SQL reaches the server. Whatever
 * Cairn adds to it (the tenant, table names) still goes through `sql`, `literal` and `identifier`.
 */
export function userQuery(text: string): SqlFragment {
  return { [FRAGMENT_MARK]: true, text };
}

/**
 * Tagged template: `sql\`SELECT * FROM ${table} WHERE id = ${id}\`` renders each interpolation with
 * `literal`, so strings are quoted, identifiers vetted and fragments inlined.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly SqlValue[]): SqlFragment {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const value: SqlValue = values[i] ?? null;
    text += literal(value) + (strings[i + 1] ?? '');
  }
  return raw(text);
}

/** Joins fragments with a separator (", " or " AND "), skipping none. */
export function join(parts: readonly SqlFragment[], separator: string): SqlFragment {
  return raw(parts.map((p) => p.text).join(separator));
}

/** `(v1, v2, ...)` for `x IN ${inList(values)}`; old servers reject an array literal after IN. */
export function inList(values: readonly SqlValue[]): SqlFragment {
  if (values.length === 0) throw new SqlBuildError('IN needs at least one value');
  return raw(`(${values.map((v) => literal(v)).join(', ')})`);
}
