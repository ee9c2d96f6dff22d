// Splits a user's SQL into tokens the guard can reason about: words, quoted identifiers, string
// and number literals, punctuation. Comments are dropped (they could hide a token from a
// text-level check, never from this one); anything the lexer does not understand is an error,
// so the guard never has to guess what the server will see.

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** As written (quotes included for `quoted` and `string`). */
  readonly text: string;
  /** For `word` and `quoted`: the name it denotes, unquoted; otherwise the text. */
  readonly value: string;
  readonly offset: number;
}

export class SqlLexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at character ${offset + 1}`);
  }
}

const WORD = /[A-Za-z_][A-Za-z0-9_$]*/y;
const NUMBER = /(?:0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y;
const PUNCT = /(?:<=|>=|!=|<>|==|\|\||->|::|[()[\]{},.;:+\-*/%<>=?!^])/y;

function match(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(text);
  return m === null ? null : m[0];
}

/** A quoted run starting at `at` with `quote`, honouring backslash escapes and doubled quotes. */
function quoted(text: string, at: number, quote: string): { raw: string; value: string } {
  let value = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\') {
      if (i + 1 >= text.length) break;
      value += text[i + 1] ?? '';
      i++;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i++;
        continue;
      }
      return { raw: text.slice(at, i + 1), value };
    }
    value += c;
  }
  throw new SqlLexError(`unterminated ${quote === "'" ? 'string' : 'quoted name'}`, at);
}

export function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new SqlLexError('unterminated comment', i);
      i = end + 2;
      continue;
    }
    if (c === '#') throw new SqlLexError("'#' is not accepted (use -- for comments)", i);
    if (c === "'") {
      const q = quoted(text, i, "'");
      tokens.push({ kind: 'string', text: q.raw, value: q.value, offset: i });
      i += q.raw.length;
      continue;
    }
    if (c === '`' || c === '"') {
      const q = quoted(text, i, c);
      tokens.push({ kind: 'quoted', text: q.raw, value: q.value, offset: i });
      i += q.raw.length;
      continue;
    }
    const word = match(WORD, text, i);
    if (word !== null) {
      tokens.push({ kind: 'word', text: word, value: word, offset: i });
      i += word.length;
      continue;
    }
    const number = match(NUMBER, text, i);
    if (number !== null) {
      tokens.push({ kind: 'number', text: number, value: number, offset: i });
      i += number.length;
      continue;
    }
    const punct = match(PUNCT, text, i);
    if (punct !== null) {
      tokens.push({ kind: 'punct', text: punct, value: punct, offset: i });
      i += punct.length;
      continue;
    }
    throw new SqlLexError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  return tokens;
}
