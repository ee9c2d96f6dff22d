// The series cardinality cap: per tenant and metric, bounded overall, reset every window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeriesLimiter } from '../../collector/signals/series-limiter.ts';

void test('admits up to the cap per tenant and metric, known series always', () => {
  const l = new SeriesLimiter({ maxSeriesPerMetric: 2, maxTrackedSeries: 100, windowMs: 1000, now: () => 0 });
  assert.equal(l.admit('t', 'm', 1n), true);
  assert.equal(l.admit('t', 'm', 2n), true);
  assert.equal(l.admit('t', 'm', 3n), false, 'third series of m refused');
  assert.equal(l.admit('t', 'm', 1n), true, 'a known series keeps flowing');
  assert.equal(l.admit('t', 'other', 3n), true, 'the cap is per metric');
  assert.equal(l.admit('u', 'm', 3n), true, 'and per tenant');
});

void test('bounds all tracked series, and forgets them when the window turns', () => {
  let now = 0;
  const l = new SeriesLimiter({ maxSeriesPerMetric: 10, maxTrackedSeries: 3, windowMs: 1000, now: () => now });
  for (const [m, f] of [['a', 1n], ['b', 2n], ['c', 3n]] as const) assert.equal(l.admit('t', m, f), true);
  assert.equal(l.admit('t', 'd', 4n), false, 'over the process-wide bound');
  now = 1000;
  assert.equal(l.admit('t', 'd', 4n), true, 'a new window starts empty');
});
