// The SQL guard: what it lets through is rewritten so every table reference reads only the
// caller's tenant; everything else is refused with a message naming what to change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import { guardUserSql, SqlGuardError } from '../../query/sql/guard.ts';
import { lex } from '../../query/sql/lexer.ts';

const target = storageTarget('cairn_db', null);
const guard = (text: string, tenant = 'team-a'): string => guardUserSql(text, target, tenant).text;
const sub = (table: string, alias = table, final = ''): string =>
  `(SELECT * FROM \`cairn_db\`.\`${table}\`${final} WHERE tenant = 'team-a') AS \`${alias}\``;

void describe('SQL guard: accepted queries are confined to the tenant', () => {
  void it('rewrites every table reference, keeping aliases, FINAL and the rest of the text', () => {
    assert.equal(guard('SELECT count() FROM spans'), `SELECT count() FROM ${sub('spans')}`);
    assert.equal(guard('select name from spans as s where s.duration_ns > 5'), `select name from ${sub('spans', 's')} where s.duration_ns > 5`);
    assert.equal(guard('SELECT * FROM logs l FINAL'), `SELECT * FROM ${sub('logs', 'l')} FINAL`);
    assert.equal(guard('SELECT * FROM spans FINAL WHERE 1'), `SELECT * FROM ${sub('spans', 'spans', ' FINAL')} WHERE 1`);
    assert.equal(
      guard('SELECT s.trace_id FROM spans s ANY LEFT JOIN logs USING trace_id WHERE s.trace_id IN (SELECT trace_id FROM trace_index);'),
      `SELECT s.trace_id FROM ${sub('spans', 's')} ANY LEFT JOIN ${sub('logs')} USING trace_id WHERE s.trace_id IN (SELECT trace_id FROM ${sub('trace_index')})`,
    );
    assert.equal(guard('SELECT x FROM (SELECT name AS x FROM `spans`)'), `SELECT x FROM (SELECT name AS x FROM ${sub('spans')})`);
    assert.equal(guard('SELECT k FROM spans ARRAY JOIN span_attr_keys AS k'), `SELECT k FROM ${sub('spans')} ARRAY JOIN span_attr_keys AS k`);
    assert.equal(guard("SELECT 1 FROM spans WHERE kind IN (1, 2) AND name NOT IN ('a', toString(3), NULL)"), `SELECT 1 FROM ${sub('spans')} WHERE kind IN (1, 2) AND name NOT IN ('a', toString(3), NULL)`);
    assert.equal(guard('SELECT extract(name FROM \'a\') FROM spans'), `SELECT extract(name FROM 'a') FROM ${sub('spans')}`);
    assert.equal(guard('SELECT 1 FROM spans -- a comment\nWHERE 1 /* more */ = 1'), `SELECT 1 FROM ${sub('spans')} WHERE 1 = 1`);
  });

  void it('quotes the tenant as a literal whatever it contains (property)', () => {
    fc.assert(
      fc.property(fc.string(), (tenant) => {
        const out = guardUserSql('SELECT 1 FROM spans', target, tenant).text;
        const strings = lex(out).filter((t) => t.kind === 'string');
        assert.deepEqual(
          strings.map((t) => t.value),
          [tenant],
        );
      }),
    );
  });
});

void describe('SQL guard: refusals', () => {
  const refused: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ;', /empty/],
    ['INSERT INTO spans VALUES (1)', /single SELECT/],
    ['SELECT 1 FROM spans; DROP TABLE spans', /single statement/],
    ['SELECT 1 FROM spans;;', /single statement/],
    ['DROP TABLE spans', /single SELECT/],
    ['SELECT * FROM spans SETTINGS readonly = 0', /SETTINGS is not allowed/],
    ['SELECT * FROM spans FORMAT TSV', /FORMAT is not allowed/],
    ['SELECT * FROM spans INTO OUTFILE \'/tmp/x\'', /INTO is not allowed/],
    ['SELECT * FROM system.tables', /SYSTEM is not allowed/],
    ['SELECT * FROM cairn_db.spans', /database-qualified/],
    ['SELECT * FROM "system"."parts"', /database-qualified/],
    ['SELECT * FROM `system.parts`', /not readable here/],
    ['SELECT * FROM /* hidden */ system.one', /SYSTEM is not allowed/],
    ['SELECT * FROM spans WHERE trace_id IN (trace_index)', /"trace_index" is a name/],
    ['SELECT * FROM spans WHERE trace_id NOT IN (other.spans)', /"other" is a name/],
    ['SELECT * FROM spans WHERE globalIn(trace_id, trace_index)', /"trace_id" is a name/],
    ["SELECT * FROM url('http://127.0.0.1:1/x', CSV, 'a String')", /url\(\.\.\.\) is not allowed/],
    ["SELECT * FROM file('/etc/passwd', CSV, 'a String')", /file\(\.\.\.\) is not allowed/],
    ["SELECT * FROM remote('127.0.0.1', system.one)", /remote\(\.\.\.\) is not allowed/],
    ["SELECT * FROM cluster('cairn', system.one)", /cluster\(\.\.\.\) is not allowed/],
    ['SELECT * FROM numbers(1000000000000)', /numbers\(\.\.\.\) is not allowed/],
    ['SELECT * FROM spans WHERE trace_id IN trace_index', /IN takes a parenthesised/],
    ['SELECT * FROM spans WHERE in(trace_id, trace_index)', /"trace_id" is a name/],
    ["SELECT dictGet('d', 'a', toUInt64(1)) FROM spans", /dictGet\(\.\.\.\) is not allowed/],
    ["SELECT joinGet('j', 'v', 1) FROM spans", /joinGet\(\.\.\.\) is not allowed/],
    ['SELECT * FROM schema_migrations', /not readable here/],
    ['SELECT * FROM spans, logs', /comma-separated/],
    ['SELECT 1', /must read FROM/],
    ["SELECT 'unterminated FROM spans", /unterminated string/],
    ['SELECT * FROM spans # comment', /'#' is not accepted/],
    ['SELECT * FROM spans AS `we ird`', /must be a plain name/],
    ['WITH t AS (SELECT * FROM spans) SELECT * FROM t', /"t" is not readable/],
    ['SHOW TABLES', /single SELECT/],
    ['SELECT * FROM spans SAMPLE 0.1', /SAMPLE/],
    ['SELECT $$x$$ FROM spans', /unexpected character/],
  ];
  for (const [text, message] of refused) {
    void it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(() => guard(text), (err: unknown) => err instanceof SqlGuardError && message.test(err.message));
    });
  }

  void it('refuses over-long statements', () => {
    assert.throws(() => guard(`SELECT 1 FROM spans WHERE name = '${'x'.repeat(20_000)}'`), /longer than/);
  });
});
