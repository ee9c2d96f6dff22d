// Parameters of the metrics routes: label matchers (parsed, refused with the matcher quoted, and
// rendered as SQL through the quoting module only), times, durations and steps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError } from '../../query/errors.ts';
import { matchersSql, parseMatcher, seriesLabels } from '../../query/metrics/label-matchers.ts';
import { alignRange, parseDuration, parseTime, readRange, readStep } from '../../query/metrics/time-params.ts';

function refusedWith(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.code === 'INVALID_ARGUMENT' && err.field === field && message.test(err.message));
}

void describe('label matchers', () => {
  void it('parses the four operators; keys may hold dots and slashes, values anything', () => {
    assert.deepEqual(parseMatcher('http.route=/api/v1'), { key: 'http.route', op: '=', value: '/api/v1' });
    assert.deepEqual(parseMatcher('code!=200'), { key: 'code', op: '!=', value: '200' });
    assert.deepEqual(parseMatcher('service.name=~check.*|pay'), { key: 'service.name', op: '=~', value: 'check.*|pay' });
    assert.deepEqual(parseMatcher('env!~prod-.*'), { key: 'env', op: '!~', value: 'prod-.*' });
    assert.deepEqual(parseMatcher('empty='), { key: 'empty', op: '=', value: '' });
    assert.deepEqual(parseMatcher('q=a=b'), { key: 'q', op: '=', value: 'a=b' });
  });

  void it('refuses bad matchers quoting them', () => {
    refusedWith(() => parseMatcher('noop'), 'match', /"noop"/);
    refusedWith(() => parseMatcher('=value'), 'match', /"=value"/);
    refusedWith(() => parseMatcher('k=~(unclosed'), 'match', /"k=~\(unclosed".*invalid regular expression/);
    refusedWith(() => parseMatcher('k=~(?=ahead)x'), 'match', /RE2/);
    refusedWith(() => parseMatcher('k!~(a)\\1'), 'match', /RE2/);
  });

  void it('renders values only as quoted literals, anchoring regexes', () => {
    const text = matchersSql([parseMatcher("k'ey=v'al\\"), parseMatcher('r=~a|b')]).text;
    assert.ok(text.includes(`has(attr_keys, 'k\\'ey')`), text);
    assert.ok(text.includes(`= 'v\\'al\\\\'`), text);
    assert.ok(text.includes(`match(if(has(attr_keys, 'r')`) && text.includes(`'^(?:a|b)$')`), text);
    assert.equal(matchersSql([]).text, '1');
    // `k=~x` is the regex operator, so a value cannot start with ~ after a plain `=`.
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((k) => !/[=!~]/.test(k) && k.trim() !== ''), fc.string().filter((v) => !v.startsWith('~')), (key, value) => {
        const m = parseMatcher(`${key}=${value}`);
        return m.key === key.trim() && m.value === value;
      }),
    );
  });

  void it('labels: point attributes over resource attributes; __proto__ stays a label', () => {
    const labels = seriesLabels(['service.name', 'k', '__proto__'], ['checkout', 'res', 'p'], ['k'], ['point']);
    assert.deepEqual(Object.entries(labels), [['service.name', 'checkout'], ['k', 'point'], ['__proto__', 'p']]);
  });
});

void describe('times, durations and steps', () => {
  void it('reads RFC 3339 and Unix seconds; refuses anything else naming the field', () => {
    assert.equal(parseTime('2025-11-22T10:00:00Z', 'start'), Date.UTC(2025, 10, 22, 10));
    assert.equal(parseTime('2025-11-22T12:00:00.5+02:00', 'start'), Date.UTC(2025, 10, 22, 10, 0, 0, 500));
    assert.equal(parseTime('1763805600.25', 'end'), 1_763_805_600_250);
    refusedWith(() => parseTime('yesterday', 'end'), 'end', /end must be/);
    refusedWith(() => parseTime('-5', 'start'), 'start', /start must be/);
  });

  void it('durations with units, steps as multiples', () => {
    assert.deepEqual(['90', '90s', '1.5m', '2h', '1d', '500ms'].map((d) => parseDuration(d, 'step')), [90, 90, 90, 7200, 86_400, 0.5]);
    refusedWith(() => parseDuration('0', 'step'), 'step', /positive duration/);
    refusedWith(() => parseDuration('5w', 'step'), 'step', /positive duration/);
    const range = { startMs: 0, endMs: 3_600_000 };
    const rules = { multipleOfSeconds: 60, maxSteps: 100, defaultSteps: 60 };
    assert.equal(readStep(undefined, range, rules), 60);
    assert.equal(readStep(undefined, { startMs: 0, endMs: 86_400_000 }, rules), 1440);
    assert.equal(readStep('5m', range, rules), 300);
    refusedWith(() => readStep('90s', range, rules), 'step', /multiple of 60/);
    refusedWith(() => readStep('10s', range, { ...rules, multipleOfSeconds: 1, maxSteps: 100 }), 'step', /more than 100 steps/);
  });

  void it('ranges: defaults, order, length, alignment', () => {
    assert.deepEqual(readRange({}, 7_200_000), { startMs: 3_600_000, endMs: 7_200_000 });
    assert.deepEqual(readRange({ end: '7200' }, 0), { startMs: 3_600_000, endMs: 7_200_000 });
    refusedWith(() => readRange({ start: '100', end: '100' }, 0), 'start', /before end/);
    refusedWith(() => readRange({ start: '0', end: String(40 * 86_400) }, 0), 'start', /narrow the range/);
    assert.deepEqual(alignRange({ startMs: 61_500, endMs: 179_000 }, 60), { startMs: 60_000, endMs: 180_000 });
  });
});
