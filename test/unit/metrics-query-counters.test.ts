// Counter increments (resets by value and by start time, delta and cumulative temporality, points
// stored twice), the step grid and the grouping of series. The property builds a counter the way
// an SDK does, restarts included, and requires the increments to add up to exactly what was
// counted after the first point read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AggregationTemporality } from '../../common/model/metric.ts';
import { aggregateNumbers, groupOf } from '../../query/metrics/series-groups.ts';
import { cumulativeIncrements, increments, subtractCounter } from '../../query/metrics/series-increments.ts';
import type { SeriesPoint } from '../../query/metrics/series-increments.ts';
import { stepGrid, stepIndex, stepSeconds, stepTime } from '../../query/metrics/step-grid.ts';

const S = 1_000_000_000n;
const p = (t: number, start: number, value: number): SeriesPoint<number> => ({ timeNs: BigInt(t) * S, startNs: BigInt(start) * S, value });
const values = (incs: readonly { value: number }[]): number[] => incs.map((i) => i.value);

void describe('counter increments', () => {
  void it('differences, a drop as a restart from zero, and a later start time as a restart', () => {
    assert.deepEqual(values(cumulativeIncrements([p(10, 1, 10), p(20, 1, 15), p(30, 1, 3), p(40, 1, 8)], subtractCounter, 5n * S)), [5, 3, 5]);
    // Went up, but from a new start: the process restarted and counted 25 since.
    assert.deepEqual(values(cumulativeIncrements([p(10, 1, 10), p(20, 1, 20), p(30, 25, 25)], subtractCounter, 5n * S)), [10, 25]);
  });

  void it('the first point counts from zero only when its series started inside the window', () => {
    assert.deepEqual(values(cumulativeIncrements([p(10, 8, 4), p(20, 8, 6)], subtractCounter, 5n * S)), [4, 2]);
    assert.deepEqual(values(cumulativeIncrements([p(10, 1, 4), p(20, 1, 6)], subtractCounter, 5n * S)), [2]);
    assert.deepEqual(values(cumulativeIncrements([p(10, 0, 4), p(20, 0, 6)], subtractCounter, 5n * S)), [2], 'unknown start');
  });

  void it('delta points are their own increments; a point stored twice counts once', () => {
    const delta = [p(10, 5, 3), p(20, 10, 4), p(20, 10, 4), p(30, 20, 1)];
    assert.deepEqual(values(increments(delta, AggregationTemporality.DELTA, subtractCounter, 0n)), [3, 4, 1]);
    const cumulative = [p(10, 1, 3), p(20, 1, 7), p(20, 1, 7), p(30, 1, 9)];
    assert.deepEqual(values(increments(cumulative, AggregationTemporality.CUMULATIVE, subtractCounter, 5n * S)), [4, 2]);
  });

  void it('property: increments add up to what was counted after the first point', () => {
    const step = fc.record({ add: fc.nat(1000), restart: fc.boolean(), sampled: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
        // An SDK's counter: restarts set the total to zero with a new start time, right after a
        // point was exported (so nothing counted before the restart is lost unseen).
        let total = 0;
        let start = 1;
        let countedAfterFirst = 0;
        const points: SeriesPoint<number>[] = [];
        steps.forEach((s, t) => {
          total += s.add;
          if (points.length > 0) countedAfterFirst += s.add;
          if (s.sampled || t === steps.length - 1) {
            points.push(p(t + 10, start, total));
            if (s.restart) {
              total = 0;
              start = t + 10;
            }
          }
        });
        // Everything up to the first point is its baseline: the series started before the window.
        const got = cumulativeIncrements(points, subtractCounter, 1_000_000n * S).reduce((a, i) => a + i.value, 0);
        return got === countedAfterFirst;
      }),
    );
  });
});

void describe('step grid and groups', () => {
  void it('cuts [start, end) into steps from start, the last one shorter', () => {
    const g = stepGrid({ startMs: 1_000_000, endMs: 1_150_000 }, 60);
    assert.equal(g.steps, 3);
    assert.deepEqual([stepIndex(g, 1_000n * S), stepIndex(g, 1_059n * S), stepIndex(g, 1_060n * S), stepIndex(g, 1_150n * S), stepIndex(g, 999n * S)], [0, 0, 1, -1, -1]);
    assert.deepEqual([stepSeconds(g, 0), stepSeconds(g, 2)], [60, 30]);
    assert.equal(stepTime(g, 1), new Date(1_060_000).toISOString());
  });

  void it('groups by the named labels and combines with sum, avg, min, max or none', () => {
    const identities = new Map([
      ['1', { fingerprint: '1', labels: { route: '/a', code: '200' } }],
      ['2', { fingerprint: '2', labels: { route: '/a', code: '500' } }],
      ['3', { fingerprint: '3', labels: { route: '/b', code: '200' } }],
    ]);
    const perSeries = new Map([
      ['1', new Map([[0, 1], [1, 10]])],
      ['2', new Map([[0, 3]])],
      ['3', new Map([[0, 5]])],
    ]);
    const view = (agg: 'sum' | 'avg' | 'min' | 'max' | 'none', by: string[]): unknown =>
      [...aggregateNumbers(perSeries, identities, by, agg).values()].map((g) => [g.labels, [...g.steps]]);
    assert.deepEqual(view('sum', ['route']), [[{ route: '/a' }, [[0, 4], [1, 10]]], [{ route: '/b' }, [[0, 5]]]]);
    assert.deepEqual(view('avg', ['route']), [[{ route: '/a' }, [[0, 2], [1, 10]]], [{ route: '/b' }, [[0, 5]]]]);
    assert.deepEqual(view('max', []), [[{}, [[0, 5], [1, 10]]]]);
    assert.deepEqual(view('min', ['code']), [[{ code: '200' }, [[0, 1], [1, 10]]], [{ code: '500' }, [[0, 3]]]]);
    assert.equal((view('none', []) as unknown[]).length, 3);
    assert.deepEqual(groupOf({ fingerprint: '9', labels: {} }, ['missing'], 'sum').labels, { missing: '' });
  });
});
