// What a series counted between its points, for counters (monotonic sums) and histograms alike.
//
// Delta points are their own increments. Cumulative points are running totals since their start
// time, so an increment is the difference to the previous point, except when the series restarted
// (a later start time, or any count going down: a process restarted and counts from zero again),
// where the whole new total is the increment, counted from zero at the restart. The first point
// read has no predecessor: if its series started inside the window read, its total is the
// increment; otherwise it only serves as the baseline. Prometheus does the same for counter resets
// (without start times), and does not extrapolate either: an increase is what the points show.
import { AggregationTemporality } from '../../common/model/metric.ts';

export interface SeriesPoint<V> {
  readonly timeNs: bigint;
  /** 0 when unknown. */
  readonly startNs: bigint;
  readonly value: V;
}

export interface Increment<V> {
  /** The time of the point that ends the increment; it counts in that point's step. */
  readonly timeNs: bigint;
  readonly value: V;
}

/** cur - prev, or null when cur cannot follow prev without a restart (some count went down). */
export type Subtract<V> = (cur: V, prev: V) => V | null;

export const subtractCounter: Subtract<number> = (cur, prev) => (cur >= prev ? cur - prev : null);

/** Points in time order with one point per time; a point stored twice (a retried export) counts once. */
export function oncePerTime<P extends { readonly timeNs: bigint }>(points: readonly P[]): P[] {
  return points.filter((p, i) => i === 0 || points[i - 1]?.timeNs !== p.timeNs);
}

export function cumulativeIncrements<V>(points: readonly SeriesPoint<V>[], subtract: Subtract<V>, windowStartNs: bigint): Increment<V>[] {
  const out: Increment<V>[] = [];
  let prev: SeriesPoint<V> | undefined;
  for (const p of points) {
    if (prev === undefined) {
      if (p.startNs > 0n && p.startNs >= windowStartNs) out.push({ timeNs: p.timeNs, value: p.value });
    } else {
      const restarted = p.startNs > 0n && prev.startNs > 0n && p.startNs > prev.startNs;
      const diff = restarted ? null : subtract(p.value, prev.value);
      out.push({ timeNs: p.timeNs, value: diff ?? p.value });
    }
    prev = p;
  }
  return out;
}

/** Increments of a series of the given OTLP temporality (anything but DELTA is read as cumulative). */
export function increments<V>(points: readonly SeriesPoint<V>[], temporality: number, subtract: Subtract<V>, windowStartNs: bigint): Increment<V>[] {
  const unique = oncePerTime(points);
  if (temporality === AggregationTemporality.DELTA) return unique.map((p) => ({ timeNs: p.timeNs, value: p.value }));
  return cumulativeIncrements(unique, subtract, windowStartNs);
}
