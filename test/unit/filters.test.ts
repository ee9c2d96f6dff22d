// The shared filter layer without a server: the compact text form, compilation to SQL (exact
// text for each operator and field kind), errors that name the filter, regular expression
// checks, the full-text grammar and time ranges. A property checks that any string used as a
// value, attribute key, pattern or search term reaches the SQL only as a quoted literal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { quoteString } from '../../common/clickhouse/sql.ts';
import { ApiError } from '../../query/errors.ts';
import { compileFilters } from '../../query/filters/filter-compile.ts';
import { jsonSite, textSite } from '../../query/filters/filter-model.ts';
import type { Filter, Signal } from '../../query/filters/filter-model.ts';
import { parseFilterText } from '../../query/filters/filter-text.ts';
import { tableColumns } from '../../query/filters/fields.ts';
import { compileFullText, parseFullText } from '../../query/filters/full-text.ts';
import { checkRegex } from '../../query/filters/regex-check.ts';
import { MAX_RANGE_MS, parseTime, resolveRange } from '../../query/filters/time-range.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';

function text(t: string, signal: Signal = 'traces'): string {
  const site = textSite('filter', 0, t);
  return compileFilters(signal, [{ filter: parseFilterText(t, site), site }]).where.text;
}

function json(f: Filter, signal: Signal = 'traces'): string {
  return compileFilters(signal, [{ filter: f, site: jsonSite('filters[0]') }]).where.text;
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  return assert.fail('expected an ApiError');
}

const attr = (key: string): string => `\`attr_values\`[indexOf(\`attr_keys\`, ${quoteString(key)})]`;

void describe('compact filter text', () => {
  void it('reads field, operator and verbatim value', () => {
    const cases: ReadonlyArray<readonly [string, Filter]> = [
      ['span.http.status_code>=500', { field: 'span.http.status_code', op: '>=', value: '500' }],
      ['resource.k8s.pod=~api-.*', { field: 'resource.k8s.pod', op: '=~', value: 'api-.*' }],
      ['service!=cart', { field: 'service', op: '!=', value: 'cart' }],
      ['span.x!~a|b', { field: 'span.x', op: '!~', value: 'a|b' }],
      ['duration<=2.5', { field: 'duration', op: '<=', value: '2.5' }],
      ['span.q=a=b>c', { field: 'span.q', op: '=', value: 'a=b>c' }],
      ['span.empty=', { field: 'span.empty', op: '=', value: '' }],
      ['exists:span.error', { field: 'span.error', op: 'exists' }],
      ['!exists:span.error', { field: 'span.error', op: '!exists' }],
      ['span."a=b"=x', { field: 'span.a=b', op: '=', value: 'x' }],
      ['span."quote\\"d"!=y', { field: 'span.quote"d', op: '!=', value: 'y' }],
      ['exists:span."k>v"', { field: 'span.k>v', op: 'exists' }],
    ];
    for (const [t, want] of cases) assert.deepEqual(parseFilterText(t, textSite('filter', 0, t)), want, t);
  });

  void it('refuses malformed text, quoting it and naming filter[i]', () => {
    for (const [t, message] of [
      ['nonsense', /expected field, operator/],
      ['=x', /field name is missing/],
      ['exists:span.a=b', /unexpected "=b"/],
      ['span."open=x', /not closed/],
    ] as const) {
      const err = apiError(() => parseFilterText(t, textSite('filter', 3, t)));
      assert.equal(err.field, 'filter[3]');
      assert.ok(err.message.startsWith(`filter ${JSON.stringify(t)}: `), err.message);
      assert.match(err.message, message);
    }
  });
});

void describe('filter compilation', () => {
  void it('compiles each operator on columns and attributes to fixed SQL', () => {
    assert.equal(text('service=cart'), "(`service_name` = 'cart')");
    assert.equal(text('service!=cart'), "(NOT (`service_name` = 'cart'))");
    assert.equal(text('operation=~^GET'), "(match(`name`, '(?:^GET)'))");
    assert.equal(text('name!~x'), "(NOT (match(`name`, '(?:x)')))");
    assert.equal(text('exists:parent_span_id'), "(`parent_span_id` != '')");
    assert.equal(text('trace_id=ABCDEF'), "(`trace_id` = 'abcdef')");
    assert.equal(text('duration>1.5'), '(`duration_ns` > 1500000)');
    assert.equal(text('kind=server'), '(`kind` = 2)');
    assert.equal(text('status!=STATUS_CODE_ERROR'), '(NOT (`status_code` = 2))');
    assert.equal(text('severity=error', 'logs'), '(`severity_number` >= 17 AND `severity_number` <= 20)');
    assert.equal(text('severity>warn', 'logs'), '(`severity_number` > 16)');
    assert.equal(text('severity<info', 'logs'), '(`severity_number` < 9)');
    assert.equal(text('severity>=9', 'logs'), '(`severity_number` >= 9)');
    assert.equal(text('span.http.status_code>=500'), `ifNull(toFloat64OrNull(${attr('http.status_code')}) >= 500, 0)`);
    assert.equal(text('span.k=v'), `((has(\`attr_keys\`, 'k') AND ${attr('k')} = 'v'))`);
    assert.equal(text('span.k!=v'), `(NOT ((has(\`attr_keys\`, 'k') AND ${attr('k')} = 'v')))`);
    assert.equal(text('exists:span.k'), "(has(`attr_keys`, 'k'))");
    assert.equal(text('!exists:resource.k'), "(NOT has(`resource_attr_keys`, 'k'))");
    assert.equal(text('log.k=~v', 'logs'), `(has(\`attr_keys\`, 'k') AND match(${attr('k')}, '(?:v)'))`);
    assert.equal(json({ field: 'span.n', op: '<', value: -2 }), `ifNull(toFloat64OrNull(${attr('n')}) < (-2), 0)`);
    assert.equal(json({ field: 'span.b', op: '=', value: true }), `((has(\`attr_keys\`, 'b') AND ${attr('b')} = 'true'))`);
    assert.equal(compileFilters('traces', []).where.text, '1');
  });

  void it('ANDs several filters, each in parentheses', () => {
    const sited = ['service=a', 'status=error'].map((t, i) => {
      const site = textSite('filter', i, t);
      return { filter: parseFilterText(t, site), site };
    });
    assert.equal(compileFilters('traces', sited).where.text, "(`service_name` = 'a') AND (`status_code` = 2)");
  });

  void it('refuses what a field cannot do, naming the filter (text) or the JSON path', () => {
    const cases: ReadonlyArray<readonly [string, Signal, RegExp]> = [
      ['foo=1', 'traces', /unknown field "foo" for traces; fields are service, name/],
      ['span.x=1', 'logs', /unknown field "span.x" for logs.*log.<key>, resource.<key>/],
      ['tenant=other', 'traces', /unknown field "tenant"/],
      ['span.=1', 'traces', /attribute key after "span." is empty/],
      ['service>1', 'traces', /needs a numeric field; service is text/],
      ['duration=~1', 'traces', /applies to text; duration is a number/],
      ['exists:kind', 'traces', /kind is always present/],
      ['kind=sideways', 'traces', /kind needs a number or one of unspecified, internal, server/],
      ['span.x>1e999', 'traces', /not a finite number/],
      ['span.x>abc', 'traces', /not a finite number/],
      ['span.x=~(?<=a)b', 'traces', /look-behind/],
      ['severity=loud', 'logs', /severity needs a number or one of unspecified, trace/],
    ];
    for (const [t, signal, message] of cases) {
      const err = apiError(() => text(t, signal));
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'filter[0]', t);
      assert.match(err.message, message, t);
    }
    const missing = apiError(() => json({ field: 'service', op: '=' }));
    assert.equal(missing.field, 'filters[0].value');
    const extra = apiError(() => json({ field: 'span.x', op: 'exists', value: 'y' }));
    assert.equal(extra.field, 'filters[0].value');
    const unknown = apiError(() => json({ field: 'nope', op: '=', value: 1 }));
    assert.equal(unknown.field, 'filters[0].field');
    assert.equal(unknown.message.split(':')[0], 'filters[0].field');
  });

  void it('never lets a string out of its literal (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }).filter((k) => k !== ''), (value, key) => {
        assert.equal(json({ field: `span.${key}`, op: '=', value }), `((has(\`attr_keys\`, ${quoteString(key)}) AND ${attr(key)} = ${quoteString(value)}))`);
        assert.equal(json({ field: `resource.${key}`, op: 'exists' }), `(has(\`resource_attr_keys\`, ${quoteString(key)}))`);
        assert.equal(json({ field: 'name', op: '!=', value }), `(NOT (\`name\` = ${quoteString(value)}))`);
        const clauses = [{ text: value || 'x', negated: true }];
        const body = tableColumns(logsTable, ['body']).body;
        assert.equal(compileFullText(clauses, body).text, `(positionCaseInsensitiveUTF8(\`body\`, ${quoteString(value || 'x')}) = 0)`);
        if (checkRegex(value) === '') {
          assert.equal(json({ field: 'name', op: '=~', value }), `(match(\`name\`, ${quoteString(`(?:${value})`)}))`);
        }
      }),
      { numRuns: 500 },
    );
  });
});

void describe('regular expression checks', () => {
  void it('accepts RE2 syntax and refuses what RE2 lacks or cannot wrap', () => {
    for (const ok of ['^api-.*$', '(?i)health', 'a(?:b|c)+', '[(?=]x', '\\(?=', '[]a]', '[^]a]', '\\d{2,3}', '(?P<n>x)', 'a\\1'.replace('\\1', '\\\\1')]) {
      assert.equal(checkRegex(ok), '', ok);
    }
    for (const [bad, why] of [
      ['', /empty/],
      ['x'.repeat(513), /longer than 512/],
      ['(?=a)', /look-ahead/],
      ['(?!a)', /look-ahead/],
      ['(?<!a)', /look-behind/],
      ['(a)\\1', /back-references/],
      ['\\k<n>', /named back-references/],
      ['(?>a)', /atomic/],
      ['a*+', /possessive/],
      ['a{2}+', /possessive/],
      ['[abc', /not closed/],
      ['(a', /missing \)/],
      ['a)(', /unbalanced \)/],
      ['a\0b', /NUL/],
    ] as const) {
      assert.match(checkRegex(bad), why, bad);
    }
  });
});

void describe('full-text grammar', () => {
  void it('reads terms, phrases and negations', () => {
    assert.deepEqual(parseFullText('timeout  "connection reset" -debug -"health check" a\\"b "q\\"uote" - x'), [
      { text: 'timeout', negated: false },
      { text: 'connection reset', negated: false },
      { text: 'debug', negated: true },
      { text: 'health check', negated: true },
      { text: 'a\\"b', negated: false },
      { text: 'q"uote', negated: false },
      { text: '-', negated: false },
      { text: 'x', negated: false },
    ]);
    assert.deepEqual(parseFullText('   '), []);
  });

  void it('refuses an unclosed or empty phrase and too many terms, naming q', () => {
    for (const [q, why] of [
      ['"open', /not closed/],
      ['a ""', /empty phrase/],
      [Array.from({ length: 33 }, (_, i) => `t${i}`).join(' '), /more than 32 terms/],
      ['x'.repeat(1025), /longer than 1024/],
    ] as const) {
      const err = apiError(() => parseFullText(q));
      assert.equal(err.field, 'q');
      assert.match(err.message, why);
    }
  });

  void it('compiles to case-insensitive substring tests', () => {
    const body = tableColumns(logsTable, ['body']).body;
    assert.equal(
      compileFullText(parseFullText('a -"b c"'), body).text,
      "(positionCaseInsensitiveUTF8(`body`, 'a') > 0) AND (positionCaseInsensitiveUTF8(`body`, 'b c') = 0)",
    );
    assert.equal(compileFullText([], body).text, '1');
  });
});

void describe('time ranges', () => {
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  void it('reads RFC 3339, Unix ms, now and now-<n><unit>', () => {
    assert.equal(parseTime('2026-01-10T11:00:00Z', 'start', now), now - 3_600_000);
    assert.equal(parseTime('2026-01-10T13:00:00.5+02:00', 'start', now), now - 3_600_000 + 500);
    assert.equal(parseTime(String(now - 5), 'start', now), now - 5);
    assert.equal(parseTime(now - 5, 'start', now), now - 5);
    assert.equal(parseTime('now', 'start', now), now);
    assert.equal(parseTime('now-15m', 'start', now), now - 900_000);
    assert.equal(parseTime('now-2d', 'start', now), now - 172_800_000);
  });

  void it('defaults to the last hour and refuses bad or too long ranges, naming the field', () => {
    assert.deepEqual(resolveRange({}, now), { fromMs: now - 3_600_000, toMs: now });
    assert.deepEqual(resolveRange({ end: 'now-1h' }, now), { fromMs: now - 7_200_000, toMs: now - 3_600_000 });
    assert.deepEqual(resolveRange({ start: String(now - MAX_RANGE_MS) }, now), { fromMs: now - MAX_RANGE_MS, toMs: now });
    for (const [input, field, why] of [
      [{ start: 'yesterday' }, 'start', /RFC 3339/],
      [{ end: '2026-01-10' }, 'end', /RFC 3339/],
      [{ start: '1700000000' }, 'start', /out of range/],
      [{ start: 'now', end: 'now-1m' }, 'end', /after/],
      [{ start: 'now-8d' }, 'start', /longer than 168 hours/],
    ] as const) {
      const err = apiError(() => resolveRange(input, now));
      assert.equal(err.field, field);
      assert.match(err.message, why);
    }
  });
});
