// The metrics the metrics-query test sends, generated from events the test also uses to compute
// its expected answers: a gauge, a cumulative counter with two kinds of restart, a delta counter,
// an up-down counter, an explicit-bucket histogram, an exponential histogram and a summary, for two
// hosts, as OTLP/JSON metric objects.
import { attributes } from '../../support/search-otlp.ts';

export const NS_PER_S = 1_000_000_000n;
/** Two hours ago on a whole hour; the range read is 10 minutes from there in steps of a minute. */
export const BASE_S = Math.floor(Date.now() / 3_600_000) * 3600 - 7200;
export const RANGE = `start=${BASE_S}&end=${BASE_S + 600}&step=60`;
export const STEPS = 10;
export const TICK_S = 15;
/** Ticks from 4 before the range (the counters' baselines) to the last one inside it. */
export const TICKS = Array.from({ length: 44 }, (_, i) => i - 4);
export const HOSTS = ['web-1', 'web-2'] as const;

export type Json = Record<string, unknown>;
export type Labels = Record<string, string>;

export const tickNs = (k: number): bigint => BigInt(BASE_S + k * TICK_S) * NS_PER_S + 1000n;
export const stepOf = (k: number): number => Math.floor((k * TICK_S) / 60);
export const resource = (host: string): Labels => ({ 'service.name': 'checkout', 'host.name': host });
export const SERIES_START = tickNs(-240);

// Gauge queue.depth: two queues per host.
export const QUEUES = ['q1', 'q2'] as const;
export const gaugeValue = (h: number, q: number, k: number): number => h * 100 + q * 10 + ((k * 7) % 13) + 0.5;

// Counter http.requests (cumulative, monotonic).
export interface CounterSeries {
  readonly host: string;
  readonly route: string;
  readonly code: string;
  /** Restarts at this tick: with a new start time, or seen only as a drop. */
  readonly restart?: { readonly tick: number; readonly newStart: boolean };
}
export const COUNTERS: readonly CounterSeries[] = [
  { host: 'web-1', route: '/a', code: '200', restart: { tick: 20, newStart: true } },
  { host: 'web-1', route: '/a', code: '500' },
  { host: 'web-1', route: '/b', code: '200' },
  { host: 'web-2', route: '/a', code: '200', restart: { tick: 25, newStart: false } },
  { host: 'web-2', route: '/b', code: '200' },
];
/** Events counted by series s at tick k; the burst right after web-1 /a 200 restarted puts its new
 * total above the old one, so only the new start time tells the restart. */
export const events = (s: number, k: number, salt = 0): number => (((s + 1) * 3 + k * 5 + salt) % 11) + 1 + (s === 0 && k === 20 ? 5000 : 0);

function counterPoints(c: CounterSeries, s: number, salt: number): Json[] {
  let total = 1000 * (s + 1);
  let start = SERIES_START;
  return TICKS.map((k) => {
    if (c.restart?.tick === k) {
      total = 0;
      if (c.restart.newStart) start = tickNs(k) - NS_PER_S;
    }
    total += events(s, k, salt);
    return { attributes: attributes({ route: c.route, code: c.code }), startTimeUnixNano: start.toString(), timeUnixNano: tickNs(k).toString(), asInt: String(total) };
  });
}

// Delta counter jobs.done: one series per host.
export const jobs = (h: number, k: number): number => ((k + h) % 4) + 1;

// Histogram http.duration (cumulative) per route on web-1.
export const BOUNDS = [5, 10, 25, 50, 100];
export const ROUTES = ['/a', '/b'] as const;
export const durations = (r: number, k: number): number[] => [((k * 13) % 97) + 1 + r * 3, ((k * 29) % 47) + 2, ((k * 7) % 5) * 20 + 3 + r];

function histogramPoints(r: number): Json[] {
  const counts = new Array<number>(BOUNDS.length + 1).fill(0);
  let count = 0;
  let sum = 0;
  return TICKS.map((k) => {
    for (const v of durations(r, k)) {
      const i = BOUNDS.findIndex((b) => v <= b);
      counts[i === -1 ? BOUNDS.length : i] = (counts[i === -1 ? BOUNDS.length : i] ?? 0) + 1;
      count += 1;
      sum += v;
    }
    return {
      attributes: attributes({ route: ROUTES[r] ?? '' }),
      startTimeUnixNano: SERIES_START.toString(),
      timeUnixNano: tickNs(k).toString(),
      count: String(count),
      sum,
      bucketCounts: counts.map(String),
      explicitBounds: BOUNDS,
    };
  });
}

// Exponential histogram payload.size (delta, scale 2) on web-1.
export const EXP_SCALE = 2;
export const payloads = (k: number): number[] => [0, 1, 2, 3].map((i) => 1.3 * 2 ** ((((k + 4) * 37 + i * 11) % 40) / 4));
/** The bucket of v at EXP_SCALE from the bounds themselves: 2^(i/4) < v <= 2^((i+1)/4). */
export const expIndex = (v: number): number => {
  let i = Math.floor(Math.log2(v) * 4);
  while (2 ** (i / 4) >= v) i--;
  while (2 ** ((i + 1) / 4) < v) i++;
  return i;
};

function expPoints(): Json[] {
  return TICKS.map((k) => {
    const idx = payloads(k).map(expIndex);
    const offset = Math.min(...idx);
    const counts = new Array<number>(Math.max(...idx) - offset + 1).fill(0);
    for (const i of idx) counts[i - offset] = (counts[i - offset] ?? 0) + 1;
    return {
      startTimeUnixNano: (tickNs(k) - BigInt(TICK_S) * NS_PER_S).toString(),
      timeUnixNano: tickNs(k).toString(),
      count: String(idx.length),
      sum: payloads(k).reduce((a, b) => a + b, 0),
      scale: EXP_SCALE,
      zeroCount: '0',
      positive: { offset, bucketCounts: counts.map(String) },
      negative: { offset: 0, bucketCounts: [] },
    };
  });
}

export function hostMetrics(h: number, salt: number): Json[] {
  const host = HOSTS[h] ?? '';
  const metrics: Json[] = [
    {
      name: 'queue.depth',
      unit: '1',
      gauge: { dataPoints: QUEUES.flatMap((q, qi) => TICKS.map((k) => ({ attributes: attributes({ queue: q }), timeUnixNano: tickNs(k).toString(), asDouble: gaugeValue(h, qi, k) + salt }))) },
    },
    {
      name: 'http.requests',
      unit: '1',
      sum: {
        aggregationTemporality: 2,
        isMonotonic: true,
        dataPoints: COUNTERS.flatMap((c, s) => (c.host === host ? counterPoints(c, s, salt) : [])),
      },
    },
    {
      name: 'jobs.done',
      sum: {
        aggregationTemporality: 1,
        isMonotonic: true,
        dataPoints: TICKS.map((k) => ({ startTimeUnixNano: (tickNs(k) - BigInt(TICK_S) * NS_PER_S).toString(), timeUnixNano: tickNs(k).toString(), asInt: String(jobs(h, k) + salt) })),
      },
    },
    {
      name: 'connections.active',
      sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: TICKS.map((k) => ({ startTimeUnixNano: SERIES_START.toString(), timeUnixNano: tickNs(k).toString(), asInt: String(k % 3) })) },
    },
  ];
  if (h === 0) {
    metrics.push(
      { name: 'http.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: ROUTES.flatMap((_, r) => histogramPoints(r)) } },
      { name: 'payload.size', unit: 'By', exponentialHistogram: { aggregationTemporality: 1, dataPoints: expPoints() } },
      { name: 'rpc.latency', summary: { dataPoints: [{ timeUnixNano: tickNs(0).toString(), count: '2', sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
      // A series last seen three hours ago: not in the range, and not listed for it.
      {
        name: 'http.requests',
        sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: attributes({ route: '/old', code: '200' }), startTimeUnixNano: tickNs(-800).toString(), timeUnixNano: tickNs(-720).toString(), asInt: '5' }] },
      },
    );
  }
  return metrics;
}
