// `npm run bench` flags: a typo or a bad value is refused before anything starts, naming the flag
// and showing the usage; --help asks for the usage alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BenchUsageError, parseOptions } from '../../bench/options.ts';

void describe('bench options', () => {
  void it('defaults to both suites, both signals, unpaced', () => {
    const o = parseOptions([]);
    assert.equal(o.help, false);
    assert.equal(o.suite, 'all');
    assert.deepEqual(o.signals, ['traces', 'logs']);
    assert.equal(o.rate, undefined);
    assert.equal(o.query.spans, 10_000_000);
  });

  void it('reads the documented flags', () => {
    const o = parseOptions(['--suite', 'ingest', '--signal', 'traces', '--rate', '1500', '--duration', '60', '--requests', '40', '--reload']);
    assert.equal(o.suite, 'ingest');
    assert.deepEqual(o.signals, ['traces']);
    assert.equal(o.rate, 1500);
    assert.equal(o.durationS, 60);
    assert.equal(o.query.requests, 40);
    assert.equal(o.query.reload, true);
  });

  void it('--help and -h ask for the usage', () => {
    assert.equal(parseOptions(['--help']).help, true);
    assert.equal(parseOptions(['-h']).help, true);
  });

  for (const [argv, fault] of [
    [['--frob'], /Unknown option '--frob'/],
    [['--suite', 'fast'], /--suite must be ingest, query or all \(got "fast"\)/],
    [['--signal', 'metrics'], /--signal must be traces, logs or all \(got "metrics"\)/],
    [['--rate', '0'], /--rate must be a positive number, got "0"/],
    [['--duration'], /--duration/],
  ] as const) {
    void it(`refuses ${argv.join(' ')} with the usage`, () => {
      assert.throws(() => parseOptions(argv), (err: unknown) => err instanceof BenchUsageError && fault.test(err.message) && err.message.includes('usage: npm run bench'));
    });
  }
});
