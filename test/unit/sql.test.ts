// The SQL quoting/builder module without a server: identifiers only from allow-lists, every literal
// type, and a property that quoteString's output parses back (with a small reference un-escaper of
// ClickHouse's '...' syntax) to exactly the input and never carries a raw control character.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  databaseIdentifier,
  identifier,
  inList,
  join,
  literal,
  qualified,
  quoteString,
  raw,
  sql,
  SqlBuildError,
} from '../../common/clickhouse/sql.ts';
import type { SqlValue } from '../../common/clickhouse/sql.ts';

/**
 * Reads a ClickHouse string literal the way the server does for the escapes quoteString emits
 * (\\, \', \xHH). Throws on anything else: an unescaped quote before the end, an unknown escape,
 * or text after the closing quote.
 */
function unquote(literalText: string): string {
  assert.equal(literalText[0], "'", 'literal starts with a quote');
  let out = '';
  let i = 1;
  for (;;) {
    const c = literalText[i];
    if (c === undefined) throw new Error(`unterminated literal: ${literalText}`);
    if (c === "'") break;
    if (c === '\\') {
      const next = literalText[i + 1];
      if (next === '\\' || next === "'") {
        out += next;
        i += 2;
      } else if (next === 'x') {
        const hex = literalText.slice(i + 2, i + 4);
        if (!/^[0-9a-f]{2}$/.test(hex)) throw new Error(`bad \\x escape in ${literalText}`);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else {
        throw new Error(`unexpected escape \\${String(next)} in ${literalText}`);
      }
      continue;
    }
    out += c;
    i++;
  }
  if (i !== literalText.length - 1) throw new Error(`text after the closing quote: ${literalText}`);
  return out;
}

/** Characters the quoting has to handle, mixed into otherwise arbitrary (well-formed) text. */
const nastyChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("'", '\\', '\0', '\n', '\r', '\t', '\x1b', '\x7f', '"', '`', '?', '--', ';', '\u2028') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 5, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const nastyString = fc.string({ unit: nastyChar, maxLength: 40 });
/** Every UTF-16 code unit, lone surrogates included: quoting works on code units, not code points. */
const codeUnitString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

void describe('identifier', () => {
  void it('accepts an allow-listed plain name from an array or a set and renders it back-quoted', () => {
    assert.equal(literal(identifier('spans', ['spans', 'trace_index'])), '`spans`');
    assert.equal(literal(identifier('trace_index', new Set(['trace_index']))), '`trace_index`');
    assert.equal(identifier('_x9', ['_x9']).name, '_x9');
  });

  void it('rejects a name that is not in the allow-list, naming it', () => {
    assert.throws(() => identifier('users', ['spans']), (err: unknown) => {
      assert.ok(err instanceof SqlBuildError);
      assert.match(err.message, /identifier "users" is not allowed here/);
      return true;
    });
    assert.throws(() => identifier('SPANS', new Set(['spans'])), SqlBuildError);
    assert.throws(() => identifier('', []), SqlBuildError);
  });

  void it('rejects an allow-listed name that is not a plain identifier', () => {
    for (const bad of ['a`b', 'a.b', '1abc', 'a b', "a'", 'x'.repeat(64), 'naïve', 'a-b', '']) {
      assert.throws(() => identifier(bad, [bad]), (err: unknown) => {
        assert.ok(err instanceof SqlBuildError);
        assert.match(err.message, /is not a plain name/);
        return true;
      }, bad);
    }
    assert.equal(identifier('x'.repeat(63), ['x'.repeat(63)]).name.length, 63);
  });

  void it('only ever renders names matching the plain-name pattern (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 70 }), (name) => {
        let rendered: string;
        try {
          rendered = literal(identifier(name, [name]));
        } catch (err) {
          assert.ok(err instanceof SqlBuildError);
          return;
        }
        assert.match(rendered, /^`[A-Za-z_][A-Za-z0-9_]{0,62}`$/);
      }),
    );
  });
});

void describe('databaseIdentifier', () => {
  void it('accepts lower-case names with digits and underscores', () => {
    for (const ok of ['cairn', '_tmp', 'e2e_1a2b3c', 'a', 'a'.repeat(63)]) {
      assert.equal(databaseIdentifier(ok).name, ok);
    }
  });

  void it('rejects anything else with a message that says what is allowed', () => {
    for (const bad of ['Cairn', '1db', 'x;drop', 'a-b', 'a.b', '', 'a'.repeat(64), 'db`', "db'", 'db name', 'dé']) {
      assert.throws(() => databaseIdentifier(bad), (err: unknown) => {
        assert.ok(err instanceof SqlBuildError);
        assert.ok(err.message.includes(`"${bad}"`), err.message);
        assert.match(err.message, /lower-case letters, digits and underscores/);
        return true;
      }, bad);
    }
  });

  void it('qualifies a table as `db`.`table`', () => {
    assert.equal(qualified(databaseIdentifier('cairn'), identifier('spans', ['spans'])).text, '`cairn`.`spans`');
  });
});

void describe('literal', () => {
  void it('renders non-negative numbers bare and negative ones in parentheses', () => {
    assert.equal(literal(0), '0');
    assert.equal(literal(42), '42');
    assert.equal(literal(1.5), '1.5');
    assert.equal(literal(1e21), '1e+21');
    assert.equal(literal(-3), '(-3)');
    assert.equal(literal(-0.25), '(-0.25)');
    assert.equal(literal(-1e-7), '(-1e-7)');
    // -0 keeps its parentheses even though String(-0) is '0'.
    assert.equal(literal(-0), '(0)');
  });

  void it('refuses NaN and infinities', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => literal(bad), (err: unknown) => err instanceof SqlBuildError && /cannot be used in SQL/.test(err.message));
    }
  });

  void it('never lets a subtracted number form a comment marker (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        assert.ok(!sql`SELECT 1 -${x}`.text.includes('--'));
      }),
    );
  });

  void it('renders bigints in full, including the 64-bit extremes', () => {
    assert.equal(literal(0n), '0');
    assert.equal(literal(18446744073709551615n), '18446744073709551615');
    assert.equal(literal(123456789012345678901234567890n), '123456789012345678901234567890');
  });

  // BUG: negative bigints are not parenthesised like negative numbers, so `a -${-5n}` renders as
  // `a --5`, which ClickHouse reads as `a` followed by a comment. Fix in sql.ts literal():
  //   case 'bigint': return value < 0n ? `(${value.toString()})` : value.toString();
  void it('renders negative bigints in parentheses, like negative numbers', () => {
    assert.equal(literal(-5n), '(-5)');
    assert.equal(literal(-9223372036854775808n), '(-9223372036854775808)');
    assert.equal(sql`SELECT 1 -${-5n}`.text, 'SELECT 1 -(-5)');
  });

  void it('renders booleans as 1/0 and null as NULL', () => {
    assert.equal(literal(true), '1');
    assert.equal(literal(false), '0');
    assert.equal(literal(null), 'NULL');
  });

  void it('renders a Date as toDateTime of whole seconds, flooring (also before 1970)', () => {
    assert.equal(literal(new Date(1_700_000_000_999)), 'toDateTime(1700000000)');
    assert.equal(literal(new Date(0)), 'toDateTime(0)');
    assert.equal(literal(new Date(-1500)), 'toDateTime(-2)');
    assert.throws(() => literal(new Date(Number.NaN)), SqlBuildError);
  });

  void it('renders arrays, nested and mixed, element by element', () => {
    assert.equal(literal([]), '[]');
    assert.equal(literal(['a', "b'c"]), "['a', 'b\\'c']");
    assert.equal(literal([[1, -2], [], [3n]]), '[[1, (-2)], [], [3]]');
    assert.equal(literal([null, true, 'x', [new Date(2000)]]), "[NULL, 1, 'x', [toDateTime(2)]]");
  });

  void it('passes identifiers and fragments through and refuses other objects', () => {
    assert.equal(literal(raw('now()')), 'now()');
    assert.equal(literal([identifier('a', ['a']), raw('b')]), '[`a`, b]');
    assert.throws(() => literal({ name: 'spans' } as unknown as SqlValue), SqlBuildError);
    assert.throws(() => literal(Symbol('x') as unknown as SqlValue), SqlBuildError);
  });
});

void describe('quoteString', () => {
  void it('escapes quote, backslash and control characters', () => {
    assert.equal(quoteString(''), "''");
    assert.equal(quoteString("it's"), "'it\\'s'");
    assert.equal(quoteString('a\\b'), "'a\\\\b'");
    assert.equal(quoteString('\0\n\r\t\x1f\x7f'), "'\\x00\\x0a\\x0d\\x09\\x1f\\x7f'");
    assert.equal(quoteString('é 😀 "` ?'), "'é 😀 \"` ?'");
    assert.equal(quoteString("' OR 1=1 --"), "'\\' OR 1=1 --'");
    assert.equal(quoteString("\\'"), "'\\\\\\''");
  });

  void it('parses back to the input and has no raw control characters (property, well-formed text)', () => {
    fc.assert(
      fc.property(nastyString, (s) => {
        const q = quoteString(s);
        assert.equal(unquote(q), s);
        assert.ok(!/[\x00-\x1f\x7f]/.test(q), `raw control character in ${q}`);
      }),
      { numRuns: 2000 },
    );
  });

  void it('parses back to the input for any UTF-16 code units, lone surrogates included (property)', () => {
    fc.assert(
      fc.property(codeUnitString, (s) => {
        assert.equal(unquote(quoteString(s)), s);
      }),
      { numRuns: 1000 },
    );
  });

  void it('keeps a string one literal wherever it sits in a statement (property)', () => {
    fc.assert(
      fc.property(nastyString, nastyString, (a, b) => {
        const text = sql`SELECT ${a}, ${b}`.text;
        const first = quoteString(a);
        assert.equal(text, `SELECT ${first}, ${quoteString(b)}`);
        assert.equal(unquote(first), a);
      }),
    );
  });
});

void describe('sql template', () => {
  void it('inlines fragments, renders identifiers and quotes values', () => {
    const table = qualified(databaseIdentifier('cairn'), identifier('spans', ['spans']));
    const q = sql`SELECT ${raw('count()')} FROM ${table} WHERE tenant = ${"o'neil"} AND kind IN ${inList([1, 2])} LIMIT ${10}`;
    assert.equal(q.text, "SELECT count() FROM `cairn`.`spans` WHERE tenant = 'o\\'neil' AND kind IN (1, 2) LIMIT 10");
  });

  void it('nests: a fragment built by sql is inlined verbatim into another', () => {
    const where = sql`name = ${'x'}`;
    assert.equal(sql`SELECT 1 WHERE ${where} AND ${sql`b = ${-1}`}`.text, "SELECT 1 WHERE name = 'x' AND b = (-1)");
  });

  void it('is the plain text when there is nothing to interpolate', () => {
    assert.equal(sql`SELECT 1`.text, 'SELECT 1');
  });

  void it('join concatenates fragments with the separator', () => {
    assert.equal(join([sql`a = ${1}`, sql`b = ${'2'}`], ' AND ').text, "a = 1 AND b = '2'");
    assert.equal(join([], ', ').text, '');
  });
});

void describe('inList', () => {
  void it('renders a parenthesised list of literals', () => {
    assert.equal(inList(['a', 'b']).text, "('a', 'b')");
    assert.equal(inList([7n]).text, '(7)');
  });

  void it('refuses an empty list', () => {
    assert.throws(() => inList([]), (err: unknown) => err instanceof SqlBuildError && /at least one value/.test(err.message));
  });
});
