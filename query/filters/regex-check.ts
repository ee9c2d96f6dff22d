// Checks a regular expression before it reaches ClickHouse, which compiles it with RE2 on both
// 18.16 and current servers. RE2 runs in linear time, so a pattern cannot hang the server, but it
// refuses Perl features (look-around, back-references, possessive quantifiers, atomic groups); a
// query carrying one would fail with a server error, so they are refused here with a message that
// says what to change. Anything subtler that RE2 still refuses (an unbalanced parenthesis, a bad
// class) is caught from the server's error code and reported the same way (see storage-errors.ts).
//
// ClickHouse 18.16 pre-filters rows on literal text it finds outside groups, ignoring `(?i)`, so
// `(?i)HEALTH` never matches "health" there; wrapping every pattern in a non-capturing group
// (sqlPattern) turns that pre-filter off and means the same thing to RE2. For that wrapping to be
// safe, parentheses must balance, which is checked here. 18.16 also cuts a pattern at a NUL byte,
// so NUL is refused.

/** Longest pattern accepted. RE2 bounds the compiled program too; this keeps queries small. */
export const MAX_REGEX_LENGTH = 512;

/** '' when the pattern is acceptable, otherwise why not. */
export function checkRegex(pattern: string): string {
  if (pattern.length === 0) return 'regular expression is empty';
  if (pattern.length > MAX_REGEX_LENGTH) return `regular expression is longer than ${MAX_REGEX_LENGTH} characters`;
  if (pattern.includes('\0')) return 'regular expression contains a NUL character';
  let inClass = false;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const next = pattern[i + 1] ?? '';
    if (c === '\\') {
      if (!inClass && /[1-9]/.test(next)) return `back-references (\\${next}) are not supported (RE2 syntax)`;
      if (!inClass && next === 'k') return 'named back-references (\\k) are not supported (RE2 syntax)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === ')') {
      depth--;
      if (depth < 0) return 'unbalanced ) in regular expression';
      continue;
    }
    if (c === '(') depth++;
    if (c === '(' && next === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'look-ahead groups ((?= and (?!) are not supported (RE2 syntax)';
      if (rest === '<=' || rest === '<!') return 'look-behind groups ((?<= and (?<!) are not supported (RE2 syntax)';
      if (rest.startsWith('>')) return 'atomic groups ((?>) are not supported (RE2 syntax)';
      if (rest.startsWith('(') || rest.startsWith('R') || /^\d/.test(rest)) return 'conditionals and recursion are not supported (RE2 syntax)';
      continue;
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && next === '+') {
      return 'possessive quantifiers (*+, ++, ?+) are not supported (RE2 syntax)';
    }
  }
  if (inClass) return 'character class is not closed (missing ])';
  if (depth > 0) return 'missing ) in regular expression';
  return '';
}

/** The pattern as sent to ClickHouse: same meaning, and the same matches on 18.16 and current. */
export function sqlPattern(pattern: string): string {
  return `(?:${pattern})`;
}
