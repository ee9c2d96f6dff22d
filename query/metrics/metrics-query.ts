// Evaluates one metrics query: the series matching the labels (metric_series), their points in the
// range, and per step and group one of
//   raw       the last value of each series in the step (gauges, sums), combined with agg;
//   increase  what counters (monotonic sums) or histograms (their observation count) counted in
//             the step, resets and temporality handled (series-increments.ts), combined with agg;
//   rate      increase per second of the step;
//   quantile  the q-quantile of the observations histograms recorded in the step, the group's
//             series' buckets added up first (explicit buckets as Prometheus' histogram_quantile,
//             exponential ones from scale and offset).
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { MetricType } from '../../common/model/metric.ts';
import { ApiError } from '../errors.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import { addExp, expCount, expQuantile, subtractExp } from './exp-histogram.ts';
import type { ExpHistogram } from './exp-histogram.ts';
import { explicitBucketQuantile, sameBounds } from './histogram-quantile.ts';
import type { ExplicitBuckets } from './histogram-quantile.ts';
import type { LabelMatcher } from './label-matchers.ts';
import { isMetricType } from './point-tables.ts';
import { readExpHistogramPoints, readHistogramPoints, readLastValues, readSumPoints } from './points-reader.ts';
import type { PointsRequest } from './points-reader.ts';
import { aggregateNumbers, mergeIntoGroups } from './series-groups.ts';
import type { Aggregation, Group, SeriesIdentity } from './series-groups.ts';
import { increments, subtractCounter } from './series-increments.ts';
import type { SeriesPoint, Subtract } from './series-increments.ts';
import { fingerprintList, readSeries } from './series-reader.ts';
import { stepGrid, stepIndex, stepSeconds, stepTime } from './step-grid.ts';
import type { StepGrid } from './step-grid.ts';
import type { TimeRange } from './time-params.ts';

export const FUNCTIONS = ['raw', 'rate', 'increase', 'quantile'] as const;
export type MetricFunction = (typeof FUNCTIONS)[number];

/** How far before the range counters are read for the baseline of the first step (Prometheus' lookback). */
export const LOOKBACK_SECONDS = 300;

export interface MetricsQuery {
  readonly tenant: string;
  readonly name: string;
  readonly matchers: readonly LabelMatcher[];
  readonly fn: MetricFunction;
  /** Required for quantile, 0..1. */
  readonly q?: number | undefined;
  readonly by: readonly string[];
  readonly agg: Aggregation;
  readonly range: TimeRange;
  readonly stepSeconds: number;
  readonly maxSeries: number;
}

export interface MetricsAnswer {
  type: string;
  seriesMatched: number;
  series: { labels: Record<string, string>; points: { time: string; value: number | null }[] }[];
}

const FUNCTIONS_BY_TYPE: Readonly<Record<MetricType, readonly MetricFunction[]>> = {
  gauge: ['raw'],
  sum: ['raw', 'rate', 'increase'],
  histogram: ['rate', 'increase', 'quantile'],
  exponential_histogram: ['rate', 'increase', 'quantile'],
  summary: [],
};

const NS_PER_S = 1_000_000_000n;
const subtractBuckets: Subtract<ExplicitBuckets> = (cur, prev) => {
  if (!sameBounds(cur.bounds, prev.bounds)) return null;
  const counts = cur.counts.map((c, i) => c - (prev.counts[i] ?? 0));
  return counts.some((c) => c < 0) ? null : { bounds: cur.bounds, counts };
};

function addBuckets(a: ExplicitBuckets, b: ExplicitBuckets): ExplicitBuckets {
  if (!sameBounds(a.bounds, b.bounds)) {
    throw new ApiError('INVALID_ARGUMENT', 'series of one group have different histogram bucket bounds; separate them with by= or agg=none', 'by');
  }
  return { bounds: a.bounds, counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)) };
}

/** Per series: its points in time order (rows arrive ordered by series, then time). */
function bySeries<R extends { readonly fp: string }>(rows: readonly R[]): Map<string, R[]> {
  const map = new Map<string, R[]>();
  for (const r of rows) {
    const list = map.get(r.fp);
    if (list === undefined) map.set(r.fp, [r]);
    else list.push(r);
  }
  return map;
}

/** Increments of every series, summed per step of the grid. */
function stepIncrements<R extends { readonly fp: string; readonly t: string; readonly st: string; readonly temporality: number }, V>(
  rows: readonly R[],
  value: (r: R) => V | null,
  subtract: Subtract<V>,
  add: (a: V, b: V) => V,
  grid: StepGrid,
  fromNs: bigint,
): Map<string, Map<number, V>> {
  const out = new Map<string, Map<number, V>>();
  for (const [fp, list] of bySeries(rows)) {
    const points: SeriesPoint<V>[] = [];
    for (const r of list) {
      const v = value(r);
      if (v !== null) points.push({ timeNs: BigInt(r.t), startNs: BigInt(r.st), value: v });
    }
    const steps = new Map<number, V>();
    for (const inc of increments(points, list[0]?.temporality ?? 0, subtract, fromNs)) {
      const i = stepIndex(grid, inc.timeNs);
      if (i < 0) continue;
      const had = steps.get(i);
      steps.set(i, had === undefined ? inc.value : add(had, inc.value));
    }
    out.set(fp, steps);
  }
  return out;
}

const counts = (texts: readonly string[]): number[] => texts.map(Number);

function toAnswer<V>(groups: Map<string, Group<V>>, value: (v: V, step: number) => number, grid: StepGrid): MetricsAnswer['series'] {
  return [...groups.values()]
    .map((g) => ({
      labels: g.labels,
      points: [...g.steps.entries()]
        .sort(([a], [b]) => a - b)
        .map(([i, v]) => {
          const x = value(v, i);
          return { time: stepTime(grid, i), value: Number.isFinite(x) ? x : null };
        }),
    }))
    .sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
}

export async function runMetricsQuery(w: StorageWork, target: StorageTarget, q: MetricsQuery): Promise<MetricsAnswer> {
  const grid = stepGrid(q.range, q.stepSeconds);
  const fromNs = grid.startNs - BigInt(Math.max(q.stepSeconds, LOOKBACK_SECONDS)) * NS_PER_S;
  const series = await readSeries(w, target, { tenant: q.tenant, name: q.name, matchers: q.matchers, seenSinceS: Number(fromNs / NS_PER_S), limit: q.maxSeries });
  if (series.length > q.maxSeries) {
    throw new ApiError('INVALID_ARGUMENT', `name and match select more than ${q.maxSeries} series; add or narrow match`, 'match');
  }
  if (series.length === 0) return { type: '', seriesMatched: 0, series: [] };
  const types = [...new Set(series.map((s) => s.type))];
  const type = types[0] ?? '';
  if (types.length > 1 || !isMetricType(type)) {
    throw new ApiError('INVALID_ARGUMENT', `metric ${q.name} has series of types ${types.join(', ')}; select one with match`, 'name');
  }
  if (!FUNCTIONS_BY_TYPE[type].includes(q.fn)) {
    const allowed = FUNCTIONS_BY_TYPE[type];
    throw new ApiError('INVALID_ARGUMENT', `fn=${q.fn} does not apply to a ${type} metric${allowed.length === 0 ? '' : `; use ${allowed.join(', ')}`}`, 'fn');
  }
  const identities = new Map<string, SeriesIdentity>(series.map((s) => [s.fingerprint, s]));
  const read: PointsRequest = { tenant: q.tenant, name: q.name, type, fingerprints: fingerprintList(series), fromNs, grid };
  const base = { type, seriesMatched: series.length };
  const perSecond = q.fn === 'rate';
  const rated = (v: number, i: number): number => (perSecond ? v / stepSeconds(grid, i) : v);

  if (q.fn === 'raw') {
    const rows = await readLastValues(w, target, read);
    const perSeries = new Map<string, Map<number, number>>();
    for (const r of rows) {
      const steps = perSeries.get(r.fp) ?? new Map<number, number>();
      perSeries.set(r.fp, steps.set(Number(r.bucket), r.v ?? Number.NaN));
    }
    return { ...base, series: toAnswer(aggregateNumbers(perSeries, identities, q.by, q.agg), (v) => v, grid) };
  }

  if (type === 'sum') {
    const rows = await readSumPoints(w, target, read);
    if (rows.some((r) => r.monotonic === 0)) {
      throw new ApiError('INVALID_ARGUMENT', `fn=${q.fn} needs a monotonic sum (a counter); ${q.name} goes up and down, use fn=raw`, 'fn');
    }
    const incs = stepIncrements(rows, (r) => r.v, subtractCounter, (a, b) => a + b, grid, fromNs);
    const perSeries = new Map([...incs].map(([fp, steps]) => [fp, new Map([...steps].map(([i, v]) => [i, rated(v, i)]))]));
    return { ...base, series: toAnswer(aggregateNumbers(perSeries, identities, q.by, q.agg), (v) => v, grid) };
  }

  if (type === 'histogram') {
    const rows = await readHistogramPoints(w, target, read);
    const incs = stepIncrements(rows, (r) => ({ bounds: r.eb, counts: counts(r.bc) }), subtractBuckets, addBuckets, grid, fromNs);
    return { ...base, series: histogramAnswer(incs, identities, q, grid, (h) => h.counts.reduce((s, c) => s + c, 0), addBuckets, (h, p) => explicitBucketQuantile(p, h), rated) };
  }

  const rows = await readExpHistogramPoints(w, target, read);
  const incs = stepIncrements(
    rows,
    (r): ExpHistogram => ({
      scale: r.scale,
      zeroCount: Number(r.zc),
      zeroThreshold: r.zt ?? 0,
      positive: { offset: r.pos_offset, counts: counts(r.pos_counts) },
      negative: { offset: r.neg_offset, counts: counts(r.neg_counts) },
    }),
    subtractExp,
    addExp,
    grid,
    fromNs,
  );
  return { ...base, series: histogramAnswer(incs, identities, q, grid, expCount, addExp, (h, p) => expQuantile(p, h), rated) };
}

function histogramAnswer<H>(
  incs: Map<string, Map<number, H>>,
  identities: ReadonlyMap<string, SeriesIdentity>,
  q: MetricsQuery,
  grid: StepGrid,
  count: (h: H) => number,
  add: (a: H, b: H) => H,
  quantile: (h: H, p: number) => number,
  rated: (v: number, i: number) => number,
): MetricsAnswer['series'] {
  if (q.fn === 'quantile') {
    const p = q.q ?? Number.NaN;
    return toAnswer(mergeIntoGroups(incs, identities, q.by, q.agg, add), (h) => quantile(h, p), grid);
  }
  const perSeries = new Map([...incs].map(([fp, steps]) => [fp, new Map([...steps].map(([i, h]) => [i, rated(count(h), i)]))]));
  return toAnswer(aggregateNumbers(perSeries, identities, q.by, q.agg), (v) => v, grid);
}
