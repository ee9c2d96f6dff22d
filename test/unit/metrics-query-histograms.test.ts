// The histogram math of metrics queries: explicit-bucket quantiles as Prometheus'
// histogram_quantile computes them, exponential bucket bounds from scale and index, rescaling,
// merging, subtracting and quantiles of exponential histograms. Properties check each answer
// against samples drawn here: a quantile must lie in the bucket that holds the true quantile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addExp, bucketBounds, bucketIndex, downscale, expCount, expQuantile, lowerBound, subtractExp } from '../../query/metrics/exp-histogram.ts';
import type { ExpHistogram } from '../../query/metrics/exp-histogram.ts';
import { explicitBucketQuantile } from '../../query/metrics/histogram-quantile.ts';

/** The empirical q-quantile of sorted samples: the value at rank ceil(q * n) (1-based), at least the first. */
function trueQuantile(sorted: readonly number[], q: number): number {
  const k = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[k - 1] ?? Number.NaN;
}

void describe('explicit-bucket quantile (Prometheus histogram_quantile)', () => {
  void it('interpolates linearly inside the bucket holding the rank', () => {
    const h = { bounds: [1, 2, 4], counts: [0, 10, 10, 0] };
    assert.equal(explicitBucketQuantile(0.5, h), 2);
    assert.equal(explicitBucketQuantile(0.75, h), 3);
    assert.equal(explicitBucketQuantile(0.25, h), 1.5);
    assert.equal(explicitBucketQuantile(1, h), 4);
    // q = 0: the lower bound of the first non-empty bucket.
    assert.equal(explicitBucketQuantile(0, h), 1);
  });

  void it('starts the first bucket at 0, answers the highest finite bound from +Inf, and the edge cases', () => {
    assert.equal(explicitBucketQuantile(0.5, { bounds: [10], counts: [4, 0] }), 5);
    assert.equal(explicitBucketQuantile(0.5, { bounds: [1, 2], counts: [0, 0, 7] }), 2);
    assert.equal(explicitBucketQuantile(0.5, { bounds: [-1, 0, 1], counts: [5, 0, 0, 0] }), -1);
    assert.ok(Number.isNaN(explicitBucketQuantile(0.5, { bounds: [1], counts: [0, 0] })), 'empty');
    assert.ok(Number.isNaN(explicitBucketQuantile(0.5, { bounds: [], counts: [3] })), 'no finite bound');
    assert.equal(explicitBucketQuantile(-0.1, { bounds: [1], counts: [1, 1] }), Number.NEGATIVE_INFINITY);
    assert.equal(explicitBucketQuantile(1.1, { bounds: [1], counts: [1, 1] }), Number.POSITIVE_INFINITY);
  });

  void it('property: the answer lies in the bucket holding the true quantile of the samples', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.double({ min: 0.001, max: 1000, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 2000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rawBounds, samples, q) => {
          const bounds = [...rawBounds].sort((a, b) => a - b);
          const counts = new Array<number>(bounds.length + 1).fill(0);
          for (const v of samples) {
            const i = bounds.findIndex((b) => v <= b);
            counts[i === -1 ? bounds.length : i] = (counts[i === -1 ? bounds.length : i] ?? 0) + 1;
          }
          const got = explicitBucketQuantile(q, { bounds, counts });
          const truth = trueQuantile([...samples].sort((a, b) => a - b), q);
          const k = bounds.findIndex((b) => truth <= b);
          if (k === -1) return got === bounds[bounds.length - 1];
          const lower = k === 0 ? 0 : (bounds[k - 1] ?? 0);
          const upper = bounds[k] ?? Number.NaN;
          return got >= lower - 1e-9 * upper && got <= upper + 1e-9 * upper;
        },
      ),
    );
  });

  void it('property: non-decreasing in q', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (counts, a, b) => {
        const h = { bounds: [0.5, 1, 10], counts };
        if (counts.every((c) => c === 0)) return true;
        const [lo, hi] = a < b ? [a, b] : [b, a];
        return explicitBucketQuantile(lo, h) <= explicitBucketQuantile(hi, h);
      }),
    );
  });
});

/** Records samples into an exponential histogram at `scale`, as an SDK does. */
function record(samples: readonly number[], scale: number, zeroThreshold = 0): ExpHistogram {
  const pos = new Map<number, number>();
  const neg = new Map<number, number>();
  let zeroCount = 0;
  for (const v of samples) {
    if (Math.abs(v) <= zeroThreshold) zeroCount++;
    else {
      const m = v > 0 ? pos : neg;
      const i = bucketIndex(Math.abs(v), scale);
      m.set(i, (m.get(i) ?? 0) + 1);
    }
  }
  const dense = (m: Map<number, number>): { offset: number; counts: number[] } => {
    if (m.size === 0) return { offset: 0, counts: [] };
    const offset = Math.min(...m.keys());
    const end = Math.max(...m.keys());
    return { offset, counts: Array.from({ length: end - offset + 1 }, (_, k) => m.get(offset + k) ?? 0) };
  };
  return { scale, zeroCount, zeroThreshold, positive: dense(pos), negative: dense(neg) };
}

const sample = fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((v) => Math.abs(v) > 1e-6);

void describe('exponential histograms', () => {
  void it('bucket bounds from scale and index', () => {
    assert.deepEqual(bucketBounds(0, 0), [1, 2]);
    assert.deepEqual(bucketBounds(-1, 0), [0.5, 1]);
    assert.deepEqual(bucketBounds(1, -1), [4, 16]);
    assert.deepEqual(bucketBounds(-2, -2), [2 ** -8, 2 ** -4]);
    const [lo, hi] = bucketBounds(1, 1);
    assert.ok(Math.abs(lo - Math.SQRT2) < 1e-15 && hi === 2);
    // Upper bounds are inclusive: 2 is in bucket 0 at scale 0, 1 in bucket -1.
    assert.equal(bucketIndex(2, 0), 0);
    assert.equal(bucketIndex(1, 0), -1);
    assert.equal(bucketIndex(3, 0), 1);
  });

  void it('property: a value lies in its bucket, at every scale', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), fc.integer({ min: -10, max: 20 }), (v, scale) => {
        const i = bucketIndex(v, scale);
        return lowerBound(i, scale) < v && v <= lowerBound(i + 1, scale);
      }),
    );
  });

  void it('property: downscaling equals recording at the lower scale', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 100 }), fc.integer({ min: -3, max: 8 }), fc.integer({ min: 0, max: 4 }), (samples, scale, by) => {
        const h = record(samples, scale);
        const direct = record(samples, scale - by);
        const down = downscale(h.positive, by);
        const trim = (b: { offset: number; counts: readonly number[] }): string => {
          const first = b.counts.findIndex((c) => c > 0);
          const last = b.counts.length - 1 - [...b.counts].reverse().findIndex((c) => c > 0);
          return first === -1 ? '' : JSON.stringify([b.offset + first, b.counts.slice(first, last + 1)]);
        };
        return trim(down) === trim(direct.positive);
      }),
    );
  });

  void it('property: adding two histograms of different scales counts every sample once', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.array(sample, { maxLength: 60 }), fc.integer({ min: -2, max: 6 }), fc.integer({ min: -2, max: 6 }), (a, b, sa, sb) => {
        const sum = addExp(record(a, sa), record(b, sb));
        const direct = record([...a, ...b], Math.min(sa, sb));
        return sum.scale === Math.min(sa, sb) && expCount(sum) === a.length + b.length && JSON.stringify(expQuantileList(sum)) === JSON.stringify(expQuantileList(direct));
      }),
    );
  });

  void it('subtracting cumulative points gives what was recorded in between; a count going down is a restart', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.array(sample, { maxLength: 60 }), fc.integer({ min: 0, max: 6 }), (before, between, scale) => {
        const prev = record(before, scale);
        const cur = record([...before, ...between], scale);
        const diff = subtractExp(cur, prev);
        return diff !== null && JSON.stringify(expQuantileList(diff)) === JSON.stringify(expQuantileList(record(between, scale))) && expCount(diff) === between.length;
      }),
    );
    assert.equal(subtractExp(record([1, 2, 3], 0), record([1, 2, 3, 4], 0)), null);
    // A scale lowered between points (the SDK rescaled) still subtracts at the lower scale.
    const diff = subtractExp(record([1, 5, 9, 300], 1), record([1, 5], 3));
    assert.ok(diff !== null && diff.scale === 1 && expCount(diff) === 2);
  });

  void it('property: a quantile lies in the bucket holding the true quantile of the samples', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 200 }), fc.integer({ min: -2, max: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (samples, scale, q) => {
        const h = record(samples, scale);
        const got = expQuantile(q, h);
        const truth = trueQuantile([...samples].sort((a, b) => a - b), q);
        const [lo, hi] = bucketBounds(bucketIndex(Math.abs(truth), scale), scale);
        const [min, max] = truth > 0 ? [lo, hi] : [-hi, -lo];
        const slack = 1e-12 * Math.abs(max - min) + 1e-12 * Math.abs(truth);
        return got >= min - slack && got <= max + slack;
      }),
    );
  });

  void it('the zero bucket, and interpolation inside a bucket', () => {
    const h: ExpHistogram = { scale: 0, zeroCount: 2, zeroThreshold: 0.5, positive: { offset: 0, counts: [2] }, negative: { offset: 0, counts: [] } };
    assert.equal(expQuantile(0.25, h), 0.25, 'inside [0, zeroThreshold]');
    // Bucket 0 is (1, 2]: halfway through its rank range is the geometric midpoint.
    assert.ok(Math.abs(expQuantile(0.75, h) - Math.SQRT2) < 1e-12);
    assert.equal(expQuantile(1, h), 2);
    assert.ok(Number.isNaN(expQuantile(0.5, { ...h, zeroCount: 0, positive: { offset: 0, counts: [] } })));
    const negative: ExpHistogram = { scale: 0, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: [] }, negative: { offset: 1, counts: [1, 1] } };
    // Values in [-8, -4) then [-4, -2): the most negative bucket first.
    assert.equal(expQuantile(0, negative), -8);
    assert.equal(expQuantile(0.5, negative), -4);
    assert.equal(expQuantile(1, negative), -2);
  });

  void it('merging folds buckets inside a wider zero threshold into the zero bucket', () => {
    const narrow: ExpHistogram = { scale: 0, zeroCount: 1, zeroThreshold: 0.1, positive: { offset: -2, counts: [3, 0, 1] }, negative: { offset: 0, counts: [] } };
    const wide: ExpHistogram = { scale: 0, zeroCount: 0, zeroThreshold: 0.5, positive: { offset: 0, counts: [] }, negative: { offset: 0, counts: [] } };
    const sum = addExp(narrow, wide);
    // Bucket -2 is (0.25, 0.5], inside the threshold 0.5; bucket 0 is (1, 2].
    assert.deepEqual([sum.zeroCount, sum.zeroThreshold, expCount(sum)], [4, 0.5, 5]);
  });
});

function expQuantileList(h: ExpHistogram): number[] {
  return [0, 0.1, 0.5, 0.9, 0.99, 1].map((q) => expQuantile(q, h));
}
