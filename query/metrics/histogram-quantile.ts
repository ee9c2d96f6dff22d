// Quantiles of explicit-bucket histograms, computed as Prometheus' histogram_quantile does, so a
// dashboard moved from Prometheus shows the same numbers: find the bucket holding the rank and
// interpolate linearly inside it; the first bucket starts at 0 (unless its bound is <= 0), and a
// rank in the +Inf bucket answers the highest finite bound.

/** An OTLP explicit-bucket histogram's buckets: counts (not cumulative) has bounds.length + 1 entries. */
export interface ExplicitBuckets {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

/** The q-quantile (0 <= q <= 1); NaN when the histogram is empty or has no finite bound. */
export function explicitBucketQuantile(q: number, h: ExplicitBuckets): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const n = h.bounds.length;
  // Prometheus needs at least one finite bound besides +Inf to interpolate.
  if (n === 0 || h.counts.length !== n + 1) return Number.NaN;
  const cumulative: number[] = [];
  let total = 0;
  for (const c of h.counts) {
    total += c;
    cumulative.push(total);
  }
  if (!(total > 0)) return Number.NaN;
  let rank = q * total;
  // `c > 0` only matters for q = 0: it answers the lower bound of the first non-empty bucket, where
  // Prometheus divides 0 by 0 and answers NaN when the first bucket is empty.
  const b = cumulative.findIndex((c) => c >= rank && c > 0);
  if (b === -1 || b === n) return h.bounds[n - 1] ?? Number.NaN;
  const upper = h.bounds[b] ?? Number.NaN;
  if (b === 0 && upper <= 0) return upper;
  let lower = 0;
  let count = cumulative[b] ?? 0;
  if (b > 0) {
    lower = h.bounds[b - 1] ?? Number.NaN;
    const before = cumulative[b - 1] ?? 0;
    count -= before;
    rank -= before;
  }
  return lower + (upper - lower) * (rank / count);
}

/** True when both histograms have the same bounds, so their counts can be added or subtracted. */
export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
