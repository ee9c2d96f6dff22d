// Exponential histograms (OTLP): bucket bounds from scale and index, merging histograms of
// different scales, the increment between two cumulative points, and quantiles.
//
// At scale s the base is 2^(2^-s); bucket i of the positive range holds values in
// (base^i, base^(i+1)], bucket i of the negative range the mirror image, and the zero bucket values
// in [-zeroThreshold, zeroThreshold]. Lowering the scale by one merges buckets pairwise: index i
// becomes floor(i / 2). Inside a bucket a quantile is interpolated log-linearly (the buckets are
// geometric, so that is the even spread), and linearly across the zero bucket.

export interface ExpBuckets {
  readonly offset: number;
  readonly counts: readonly number[];
}

export interface ExpHistogram {
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExpBuckets;
  readonly negative: ExpBuckets;
}

/** Lowest scale OTLP allows; merging never goes below the lowest scale of its inputs. */
export const MIN_SCALE = -10;

/** base^index at `scale`, exactly for scale <= 0 (the exponent is then an integer). */
export function lowerBound(index: number, scale: number): number {
  return scale <= 0 ? 2 ** (index * 2 ** -scale) : 2 ** (index / 2 ** scale);
}

/** [lower, upper] of positive bucket `index`: values v with lower < v <= upper. */
export function bucketBounds(index: number, scale: number): [number, number] {
  return [lowerBound(index, scale), lowerBound(index + 1, scale)];
}

/** The bucket index holding value v > 0 at `scale` (what an SDK computes when recording). */
export function bucketIndex(v: number, scale: number): number {
  // Start from the logarithm and correct for its rounding against the exact bounds.
  let i = Math.ceil(Math.log2(v) * 2 ** scale) - 1;
  while (lowerBound(i, scale) >= v) i--;
  while (lowerBound(i + 1, scale) < v) i++;
  return i;
}

/** The same counts at a scale lower by `by`. */
export function downscale(b: ExpBuckets, by: number): ExpBuckets {
  if (by === 0 || b.counts.length === 0) return b;
  const factor = 2 ** by;
  const offset = Math.floor(b.offset / factor);
  const counts: number[] = [];
  b.counts.forEach((c, k) => {
    const i = Math.floor((b.offset + k) / factor) - offset;
    counts[i] = (counts[i] ?? 0) + c;
  });
  return { offset, counts };
}

/** a + sign * b over the union of their index ranges. */
function combine(a: ExpBuckets, b: ExpBuckets, sign: 1 | -1): ExpBuckets {
  if (a.counts.length === 0 && b.counts.length === 0) return { offset: 0, counts: [] };
  const starts = [a, b].filter((x) => x.counts.length > 0).map((x) => x.offset);
  const ends = [a, b].filter((x) => x.counts.length > 0).map((x) => x.offset + x.counts.length);
  const offset = Math.min(...starts);
  const counts = new Array<number>(Math.max(...ends) - offset).fill(0);
  a.counts.forEach((c, k) => {
    counts[a.offset + k - offset] = (counts[a.offset + k - offset] ?? 0) + c;
  });
  b.counts.forEach((c, k) => {
    counts[b.offset + k - offset] = (counts[b.offset + k - offset] ?? 0) + sign * c;
  });
  return { offset, counts };
}

function atScale(h: ExpHistogram, scale: number): ExpHistogram {
  const by = h.scale - scale;
  return by === 0 ? h : { ...h, scale, positive: downscale(h.positive, by), negative: downscale(h.negative, by) };
}

/** Buckets entirely inside the zero threshold move into the zero bucket (thresholds can differ). */
function foldIntoZero(h: ExpHistogram): ExpHistogram {
  if (h.zeroThreshold <= 0) return h;
  let zeroCount = h.zeroCount;
  const fold = (b: ExpBuckets): ExpBuckets => {
    let k = 0;
    while (k < b.counts.length && lowerBound(b.offset + k + 1, h.scale) <= h.zeroThreshold) zeroCount += b.counts[k++] ?? 0;
    return k === 0 ? b : { offset: b.offset + k, counts: b.counts.slice(k) };
  };
  const positive = fold(h.positive);
  const negative = fold(h.negative);
  return { ...h, zeroCount, positive, negative };
}

/** The sum of two histograms (two series, or two steps of one), at the lower of their scales. */
export function addExp(a: ExpHistogram, b: ExpHistogram): ExpHistogram {
  const scale = Math.max(MIN_SCALE, Math.min(a.scale, b.scale));
  const x = atScale(a, scale);
  const y = atScale(b, scale);
  return foldIntoZero({
    scale,
    zeroCount: x.zeroCount + y.zeroCount,
    zeroThreshold: Math.max(x.zeroThreshold, y.zeroThreshold),
    positive: combine(x.positive, y.positive, 1),
    negative: combine(x.negative, y.negative, 1),
  });
}

/**
 * What a cumulative series counted between `prev` and `cur`; null when some count went down (the
 * series restarted), in which case the caller counts `cur` from zero.
 */
export function subtractExp(cur: ExpHistogram, prev: ExpHistogram): ExpHistogram | null {
  const scale = Math.min(cur.scale, prev.scale);
  const x = atScale(cur, scale);
  const y = atScale(prev, scale);
  const positive = combine(x.positive, y.positive, -1);
  const negative = combine(x.negative, y.negative, -1);
  const zeroCount = x.zeroCount - y.zeroCount;
  if (zeroCount < 0 || positive.counts.some((c) => c < 0) || negative.counts.some((c) => c < 0)) return null;
  return { scale, zeroCount, zeroThreshold: x.zeroThreshold, positive, negative };
}

const total = (b: ExpBuckets): number => b.counts.reduce((s, c) => s + c, 0);

export function expCount(h: ExpHistogram): number {
  return h.zeroCount + total(h.positive) + total(h.negative);
}

/** The q-quantile (0 <= q <= 1); NaN when the histogram is empty. */
export function expQuantile(q: number, h: ExpHistogram): number {
  const count = expCount(h);
  if (!(count > 0) || !(q >= 0 && q <= 1)) return Number.NaN;
  let rank = q * count;
  // Most negative first: negative buckets from the highest index down, then zero, then positive.
  for (let k = h.negative.counts.length - 1; k >= 0; k--) {
    const c = h.negative.counts[k] ?? 0;
    if (c > 0 && rank <= c) {
      const [lower, upper] = bucketBounds(h.negative.offset + k, h.scale);
      return -(upper * (lower / upper) ** (rank / c));
    }
    rank -= c;
  }
  if (h.zeroCount > 0 && rank <= h.zeroCount) {
    const lower = total(h.negative) > 0 ? -h.zeroThreshold : 0;
    const upper = total(h.positive) > 0 || lower === 0 ? h.zeroThreshold : 0;
    return lower + (upper - lower) * (rank / h.zeroCount);
  }
  rank -= h.zeroCount;
  for (let k = 0; k < h.positive.counts.length; k++) {
    const c = h.positive.counts[k] ?? 0;
    if (c > 0 && rank <= c) {
      const [lower, upper] = bucketBounds(h.positive.offset + k, h.scale);
      return lower * (upper / lower) ** (rank / c);
    }
    rank -= c;
  }
  // Only float rounding gets here: the rank is at the very top.
  const last = h.positive.counts.length > 0 ? h.positive.offset + h.positive.counts.length : Number.NaN;
  return Number.isNaN(last) ? h.zeroThreshold : lowerBound(last, h.scale);
}
