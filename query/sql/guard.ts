// The gate in front of POST /api/v1/sql. A user's SQL passes only if it is one SELECT whose every
// table reference is an allow-listed Cairn table named plainly; each such reference is then
// replaced by a subquery over that table restricted to the caller's tenant, so whatever the query
// does it sees only its own tenant's rows. Everything that reaches other data or the outside
// (database-qualified names, table functions such as url/file/remote, IN <table>, dictionaries,
// joinGet) is refused by name, and the server runs the result read-only (readonly=2) with limits,
// so a gap here still cannot write or run unbounded. Conservative by design: a refusal says what
// to change.
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { identifier, join, qualified, sql, userQuery } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { lex, SqlLexError } from './lexer.ts';
import type { Token } from './lexer.ts';

/** Tables the SQL endpoint may read, by their public names. */
export const SQL_TABLES = [
  'spans',
  'trace_index',
  'logs',
  'metric_series',
  'metrics_gauge',
  'metrics_sum',
  'metrics_histogram',
  'metrics_exp_histogram',
  'metrics_summary',
  'red_minutely',
  'service_edges_minutely',
] as const;

export const MAX_SQL_LENGTH = 20_000;

export class SqlGuardError extends Error {}

/** Statements and clauses that have no place in a read: refused wherever they appear. */
const FORBIDDEN_WORDS = new Set([
  'INSERT', 'ALTER', 'DROP', 'CREATE', 'ATTACH', 'DETACH', 'RENAME', 'TRUNCATE', 'OPTIMIZE', 'SYSTEM',
  'KILL', 'SET', 'GRANT', 'REVOKE', 'USE', 'SETTINGS', 'FORMAT', 'INTO', 'OUTFILE', 'EXCHANGE', 'DELETE',
  'UPDATE', 'UNDROP', 'BACKUP', 'RESTORE', 'CHECK', 'EXPLAIN', 'DESCRIBE', 'DESC', 'SHOW', 'WATCH', 'MOVE',
]);

/**
 * Functions that read tables, dictionaries or the outside world by name, or that compare against
 * a table: refused as calls anywhere in the query.
 */
const FORBIDDEN_FUNCTIONS =
  /^(dictget\w*|dicthas|dictisin|joinget\w*|hascolumnintable|file|url|remote|remotesecure|cluster|clusterallreplicas|s3\w*|gcs|hdfs\w*|mysql|postgresql|sqlite|odbc|jdbc|mongodb|redis|azureblobstorage\w*|iceberg\w*|deltalake\w*|hudi\w*|input|executable|merge|numbers\w*|zeros\w*|generaterandom\w*|view|viewifpermitted|loop|values|format|fuzzjson|null|dictionary|filesystem\w*|getsetting|currentprofiles|currentroles|enabledroles|defaultroles|initialqueryid|queryid)$/i;

/**
 * IN and its function forms. Their right side may name a table (`x IN spans`, `in(x, spans)`),
 * which would read it without the tenant rewrite; so they take only a subquery or literals.
 */
const IN_FAMILY = /^(in|notin|globalin|globalnotin|nullin|notnullin|globalnullin|globalnotnullin)$/i;

function checkInOperand(tokens: readonly Token[], i: number): void {
  const t = tokens[i] as Token;
  const open = tokens[i + 1];
  if (open?.value !== '(') refuse('IN takes a parenthesised subquery or list of literals, not a table name', t);
  const first = upper(tokens[i + 2]);
  if (first === 'SELECT' || first === 'WITH') return;
  let depth = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    const u = tokens[j] as Token;
    if (u.value === '(') depth++;
    if (u.value === ')' && --depth === 0) return;
    if ((u.kind === 'word' || u.kind === 'quoted') && tokens[j + 1]?.value !== '(' && !LITERAL_WORDS.has(upper(u))) {
      refuse(`IN takes a subquery or a list of literals; "${u.value}" is a name`, u);
    }
  }
}

const LITERAL_WORDS = new Set(['NULL', 'TRUE', 'FALSE']);

/** Words that may follow a table reference without being its alias. */
const CLAUSE_WORDS = new Set([
  'FINAL', 'SAMPLE', 'WHERE', 'PREWHERE', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'UNION', 'JOIN', 'LEFT', 'RIGHT',
  'INNER', 'FULL', 'CROSS', 'OUTER', 'ANY', 'ALL', 'ASOF', 'SEMI', 'ANTI', 'GLOBAL', 'ARRAY', 'ON', 'USING',
  'WITH', 'PASTE', 'QUALIFY', 'WINDOW', 'OFFSET', 'INTERSECT', 'EXCEPT',
]);

function upper(t: Token | undefined): string {
  return t?.kind === 'word' ? t.value.toUpperCase() : '';
}

function refuse(message: string, token?: Token): never {
  throw new SqlGuardError(token === undefined ? message : `${message} (at character ${token.offset + 1})`);
}

/** Functions whose arguments use FROM as a keyword (`extract(DAY FROM t)`), not a table clause. */
const FROM_ARGUMENT_FUNCTIONS = new Set(['EXTRACT', 'TRIM', 'SUBSTRING', 'POSITION', 'OVERLAY']);

/** Whether token i names a table: it follows FROM (outside `extract(... FROM ...)`) or JOIN. */
function tableReferenceAt(tokens: readonly Token[], i: number, openedBy: string | undefined): boolean {
  const prev = upper(tokens[i - 1]);
  if (prev === 'FROM') return !FROM_ARGUMENT_FUNCTIONS.has(openedBy ?? '');
  if (prev === 'JOIN') {
    // ARRAY JOIN takes an expression, not a table.
    const beforeJoin = tokens.slice(0, i - 1).reverse().find((t) => upper(t) !== 'LEFT' && upper(t) !== 'INNER');
    return upper(beforeJoin) !== 'ARRAY';
  }
  return false;
}

/**
 * Checks `text` and returns the query to run: the same SELECT with every table reference
 * replaced by `(SELECT * FROM <db>.<table> [FINAL] WHERE tenant = '<tenant>') AS <alias>`.
 */
export function guardUserSql(text: string, target: StorageTarget, tenant: string): SqlFragment {
  if (text.length > MAX_SQL_LENGTH) refuse(`sql is longer than ${MAX_SQL_LENGTH} characters`);
  let tokens: Token[];
  try {
    tokens = lex(text);
  } catch (err) {
    if (err instanceof SqlLexError) refuse(`sql cannot be read: ${err.message}`);
    throw err;
  }
  // One statement: a single trailing semicolon is tolerated.
  if (tokens.at(-1)?.value === ';') tokens = tokens.slice(0, -1);
  if (tokens.length === 0) refuse('sql is empty');
  const first = upper(tokens[0]);
  if (first !== 'SELECT' && first !== 'WITH' && tokens[0]?.value !== '(') refuse('only a single SELECT statement is accepted', tokens[0]);

  const out: SqlFragment[] = [];
  let fromSeen = false;
  // For each open parenthesis, the word before it (a function name, FROM, IN, ...).
  const parens: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const word = upper(t);
    if (t.value === '(') parens.push(upper(tokens[i - 1]));
    if (t.value === ')') parens.pop();
    if (t.value === ';') refuse('only a single statement is accepted: remove the ";"', t);
    if (FORBIDDEN_WORDS.has(word)) refuse(`${word} is not allowed: only a plain SELECT can run here`, t);
    if ((t.kind === 'word' || t.kind === 'quoted') && tokens[i + 1]?.value === '(' && FORBIDDEN_FUNCTIONS.test(t.value)) {
      refuse(`${t.value}(...) is not allowed here`, t);
    }
    if (IN_FAMILY.test(t.value) && t.kind === 'word') checkInOperand(tokens, i);
    if (tableReferenceAt(tokens, i, parens.at(t.value === '(' ? -2 : -1))) {
      if (t.value === '(') {
        // A subquery: its own FROM is checked as the loop goes on.
        out.push(userQuery(gap(tokens, i) + t.text));
        continue;
      }
      fromSeen = true;
      i = rewriteTable(tokens, i, target, tenant, out);
      continue;
    }
    out.push(userQuery(gap(tokens, i) + t.text));
  }
  if (!fromSeen) refuse('the query must read FROM one of the tables: ' + SQL_TABLES.join(', '));
  return join(out, '');
}

/** The whitespace the user had before token i (comments count as a space). */
function gap(tokens: readonly Token[], i: number): string {
  const t = tokens[i] as Token;
  const prev = tokens[i - 1];
  if (prev === undefined) return '';
  return prev.offset + prev.text.length < t.offset ? ' ' : '';
}

/** Replaces the table reference at `i` (and its FINAL), appends to `out`; returns the last index used. */
function rewriteTable(tokens: readonly Token[], i: number, target: StorageTarget, tenant: string, out: SqlFragment[]): number {
  const t = tokens[i] as Token;
  if (t.kind !== 'word' && t.kind !== 'quoted') refuse(`expected a table name after ${upper(tokens[i - 1])}`, t);
  if (tokens[i + 1]?.value === '.') refuse(`database-qualified names are not allowed: use one of ${SQL_TABLES.join(', ')}`, t);
  if (tokens[i + 1]?.value === '(') refuse(`table functions are not allowed (${t.value})`, t);
  const name = t.value;
  if (!(SQL_TABLES as readonly string[]).includes(name)) refuse(`table "${name}" is not readable here; use one of ${SQL_TABLES.join(', ')}`, t);
  let next = i + 1;
  let final = false;
  if (upper(tokens[next]) === 'FINAL') {
    final = true;
    next++;
  }
  if (upper(tokens[next]) === 'SAMPLE') refuse('SAMPLE is not supported on these tables', tokens[next]);
  // The alias the user gave, or the table's own name, so `spans.name` keeps working.
  let alias = identifier(name, SQL_TABLES);
  if (upper(tokens[next]) === 'AS') {
    const a = tokens[next + 1];
    if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted')) refuse('expected an alias after AS', tokens[next]);
    alias = aliasIdentifier(a);
    next += 2;
  } else {
    const a = tokens[next];
    if (a !== undefined && (a.kind === 'word' || a.kind === 'quoted') && !CLAUSE_WORDS.has(upper(a)) && !FORBIDDEN_WORDS.has(upper(a))) {
      alias = aliasIdentifier(a);
      next++;
    }
  }
  if (tokens[next]?.value === ',') refuse('comma-separated tables are not supported: use CROSS JOIN or JOIN ... ON', tokens[next]);
  const table = qualified(target.database, identifier(name, SQL_TABLES));
  const finalClause = final ? userQuery(' FINAL') : userQuery('');
  out.push(userQuery(gap(tokens, i)));
  out.push(sql`(SELECT * FROM ${table}${finalClause} WHERE tenant = ${tenant}) AS ${alias}`);
  return next - 1;
}

/** Aliases are plain names: anything else would need quoting rules the guard does not take on. */
function aliasIdentifier(t: Token): ReturnType<typeof identifier> {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(t.value)) refuse(`alias "${t.value}" must be a plain name`, t);
  return identifier(t.value, [t.value]);
}
