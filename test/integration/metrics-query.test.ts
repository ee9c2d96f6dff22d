// GET /api/v1/metrics/series and /api/v1/metrics/query over metrics sent through the real pipeline
// (OTLP/JSON and OTLP/protobuf into the receiver; Kafka, ingester and the 18.16 cluster, or the
// embedded engine), on both engines. The test generates every event itself (counter increments,
// gauge values, histogram observations), so each expected answer is computed here from the events,
// not from the points: increases are the events counted in each step (a restart with a new start
// time, a restart seen only as a drop, delta points, a delta export sent twice), raw values the
// last gauge value of each step, explicit-bucket quantiles from a reference histogram_quantile, and
// exponential-histogram quantiles must fall in the bucket holding the true quantile. Another tenant
// sends the same series with other values; its numbers must never show.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterEnv, embeddedEnv, KEY_A, KEY_B } from './support/insights-env.ts';
import type { InsightsEnv } from './support/insights-env.ts';
import {
  BASE_S,
  BOUNDS,
  COUNTERS,
  durations,
  events,
  expIndex,
  gaugeValue,
  HOSTS,
  hostMetrics,
  jobs,
  payloads,
  QUEUES,
  RANGE,
  resource,
  ROUTES,
  SERIES_START,
  STEPS,
  stepOf,
  tickNs,
  TICKS,
} from './support/metrics-traffic.ts';
import type { Labels } from './support/metrics-traffic.ts';
import { attributes, JSON_TYPE, metricsRequest, PROTOBUF, toProtobuf } from '../support/search-otlp.ts';

interface QueryBody {
  type: string;
  seriesMatched: number;
  series: { labels: Labels; points: { time: string; value: number | null }[] }[];
  stats: { rowsRead: number; bytesRead: number };
}
interface SeriesBody {
  truncated: boolean;
  series: { fingerprint: string; type: string; unit: string; labels: Labels; lastSeen: string }[];
}
interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

type Expected = Map<string, Map<number, number>>;
const canon = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

function add(e: Expected, labels: Labels, step: number, v: number, combine: (a: number, b: number) => number = (a, b) => a + b): void {
  const m = e.get(canon(labels)) ?? new Map<number, number>();
  e.set(canon(labels), m);
  const had = m.get(step);
  m.set(step, had === undefined ? v : combine(had, v));
}

async function query(env: InsightsEnv, params: string, key = KEY_A): Promise<QueryBody> {
  const res = await env.get<QueryBody>(`/api/v1/metrics/query?${params}`, key);
  assert.equal(res.status, 200, `${params}: ${JSON.stringify(res.body)}`);
  return res.body;
}

function assertAnswer(body: QueryBody, expected: Expected, what: string): void {
  const got = new Map(body.series.map((s) => [canon(s.labels), s.points]));
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${what}: groups`);
  for (const [labels, steps] of expected) {
    const points = got.get(labels) ?? [];
    const want = [...steps].sort(([a], [b]) => a - b);
    assert.deepEqual(points.map((p) => p.time), want.map(([i]) => new Date((BASE_S + i * 60) * 1000).toISOString()), `${what} ${labels}: steps`);
    points.forEach((p, i) => {
      const w = want[i]?.[1] ?? Number.NaN;
      assert.ok(p.value !== null && Math.abs(p.value - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${what} ${labels} @${p.time}: ${p.value} != ${w}`);
    });
  }
}

/** Prometheus' histogram_quantile, written out for the test. */
function referenceQuantile(q: number, bounds: readonly number[], values: readonly number[]): number {
  const cumulative = bounds.map((b) => values.filter((v) => v <= b).length);
  const total = values.length;
  const rank = q * total;
  const b = cumulative.findIndex((c) => c >= rank && c > 0);
  if (b === -1) return bounds[bounds.length - 1] ?? Number.NaN;
  const lower = b === 0 ? 0 : (bounds[b - 1] ?? 0);
  const before = b === 0 ? 0 : (cumulative[b - 1] ?? 0);
  return lower + ((bounds[b] ?? 0) - lower) * ((rank - before) / ((cumulative[b] ?? 0) - before));
}

const inRange = TICKS.filter((k) => k >= 0);

async function exercise(env: InsightsEnv): Promise<void> {
  await env.send('metrics', JSON.stringify(metricsRequest(resource('web-1'), hostMetrics(0, 0))), JSON_TYPE, KEY_A);
  const web2 = metricsRequest(resource('web-2'), hostMetrics(1, 0));
  await env.send('metrics', toProtobuf('metrics', web2), PROTOBUF, KEY_A);
  // The delta counter's export again (a client retrying after a lost answer): counted once.
  const again = metricsRequest(resource('web-2'), hostMetrics(1, 0).filter((m) => m['name'] === 'jobs.done'));
  await env.send('metrics', JSON.stringify(again), JSON_TYPE, KEY_A);
  // Tenant b: the same series with other values, and a route tenant a does not have.
  const bMetrics = hostMetrics(0, 7);
  bMetrics.push({ name: 'http.requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: attributes({ route: '/c', code: '200' }), startTimeUnixNano: SERIES_START.toString(), timeUnixNano: tickNs(3).toString(), asInt: '9' }] } });
  await env.send('metrics', JSON.stringify(metricsRequest(resource('web-1'), bMetrics)), JSON_TYPE, KEY_B);
  await env.drained();

  // Series: label matchers over resource and point attributes; the range asks the point tables.
  const series = async (params: string, key = KEY_A): Promise<SeriesBody> => {
    const res = await env.get<SeriesBody>(`/api/v1/metrics/series?${params}`, key);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const routes = (b: SeriesBody): string[] => b.series.map((s) => `${s.labels['host.name'] ?? ''}${s.labels['route'] ?? ''}:${s.labels['code'] ?? ''}`).sort();
  assert.deepEqual(routes(await series('name=http.requests')), ['web-1/a:200', 'web-1/a:500', 'web-1/b:200', 'web-1/old:200', 'web-2/a:200', 'web-2/b:200']);
  assert.deepEqual(routes(await series(`name=http.requests&start=${BASE_S}&end=${BASE_S + 600}`)), ['web-1/a:200', 'web-1/a:500', 'web-1/b:200', 'web-2/a:200', 'web-2/b:200']);
  assert.deepEqual(routes(await series('name=http.requests&match=route=/a&match=host.name=~web-.*')), ['web-1/a:200', 'web-1/a:500', 'web-2/a:200']);
  assert.deepEqual(routes(await series('name=http.requests&match=code!=200')), ['web-1/a:500']);
  assert.deepEqual(routes(await series(`name=http.requests&match=${encodeURIComponent('route!~/a|/old')}`)), ['web-1/b:200', 'web-2/b:200']);
  assert.deepEqual(routes(await series('name=http.requests&match=missing=')), routes(await series('name=http.requests')), 'a missing label reads as ""');
  const one = await series('name=http.requests&match=route=/b&match=host.name=web-1');
  assert.deepEqual(one.series.map((s) => [s.type, s.unit, s.labels]), [['sum', '1', { 'service.name': 'checkout', 'host.name': 'web-1', route: '/b', code: '200' }]]);
  assert.equal((await series('name=http.requests&limit=2')).truncated, true);
  assert.deepEqual(routes(await series('name=http.requests&match=route=/c', KEY_B)), ['web-1/c:200']);
  assert.deepEqual(routes(await series('name=http.requests&match=route=/c')), [], "tenant b's series stay its own");

  // Gauge: last value of each series per step, combined per queue.
  const gauges: { labels: Labels; v: (k: number) => number }[] = HOSTS.flatMap((host, h) => QUEUES.map((queue, q) => ({ labels: { ...resource(host), queue }, v: (k: number) => gaugeValue(h, q, k) })));
  const lastOfStep = (i: number): number => i * 4 + 3;
  for (const agg of ['sum', 'max', 'min', 'avg'] as const) {
    const want: Expected = new Map();
    for (const g of gauges) for (let i = 0; i < STEPS; i++) add(want, { queue: g.labels['queue'] ?? '' }, i, g.v(lastOfStep(i)), agg === 'sum' || agg === 'avg' ? undefined : agg === 'max' ? Math.max : Math.min);
    if (agg === 'avg') for (const m of want.values()) for (const [i, v] of m) m.set(i, v / 2);
    assertAnswer(await query(env, `name=queue.depth&${RANGE}&by=queue&agg=${agg}`), want, `gauge ${agg}`);
  }
  const perSeries: Expected = new Map();
  for (const g of gauges) for (let i = 0; i < STEPS; i++) add(perSeries, g.labels, i, g.v(lastOfStep(i)));
  const none = await query(env, `name=queue.depth&${RANGE}&agg=none`);
  assertAnswer(none, perSeries, 'gauge per series');
  assert.deepEqual([none.type, none.seriesMatched], ['gauge', 4]);
  assert.ok(none.stats.rowsRead > 0 && none.stats.bytesRead > 0);

  // Counter: events per step, restarts included, per route and per code.
  for (const [by, fn] of [['route', 'increase'], ['code', 'rate'], ['', 'increase']] as const) {
    const want: Expected = new Map();
    COUNTERS.forEach((c, s) => {
      const labels: Labels = by === '' ? {} : { [by]: c[by] };
      for (const k of inRange) add(want, labels, stepOf(k), events(s, k) / (fn === 'rate' ? 60 : 1));
    });
    assertAnswer(await query(env, `name=http.requests&fn=${fn}&${RANGE}&by=${by}`), want, `counter ${fn} by ${by}`);
  }
  const wantMax: Expected = new Map();
  COUNTERS.forEach((c, s) => {
    const perStep = new Map<number, number>();
    for (const k of inRange) perStep.set(stepOf(k), (perStep.get(stepOf(k)) ?? 0) + events(s, k));
    for (const [i, v] of perStep) add(wantMax, { host: c.host }, i, v, Math.max);
  });
  const maxPerHost = await query(env, `name=http.requests&fn=increase&${RANGE}&by=host.name&agg=max`);
  assertAnswer({ ...maxPerHost, series: maxPerHost.series.map((s) => ({ ...s, labels: { host: s.labels['host.name'] ?? '' } })) }, wantMax, 'counter max per host');

  // Delta counter, one export stored twice.
  const wantJobs: Expected = new Map();
  HOSTS.forEach((_, h) => {
    for (const k of inRange) add(wantJobs, {}, stepOf(k), jobs(h, k));
  });
  assertAnswer(await query(env, `name=jobs.done&fn=increase&${RANGE}`), wantJobs, 'delta counter');

  // Explicit-bucket histogram: quantiles of the observations of each step, and their rate.
  for (const [q, by] of [[0.9, ''], [0.5, 'route'], [0.99, 'route']] as const) {
    const values = new Map<string, { labels: Labels; steps: Map<number, number[]> }>();
    ROUTES.forEach((route, r) => {
      const labels: Labels = by === '' ? {} : { route };
      const entry = values.get(canon(labels)) ?? { labels, steps: new Map<number, number[]>() };
      values.set(canon(labels), entry);
      for (const k of inRange) entry.steps.set(stepOf(k), [...(entry.steps.get(stepOf(k)) ?? []), ...durations(r, k)]);
    });
    const want: Expected = new Map();
    for (const { labels, steps } of values.values()) for (const [i, vs] of steps) add(want, labels, i, referenceQuantile(q, BOUNDS, vs));
    assertAnswer(await query(env, `name=http.duration&fn=quantile&q=${q}&${RANGE}&by=${by}`), want, `histogram q${q} by ${by}`);
  }
  const wantRate: Expected = new Map();
  ROUTES.forEach((_, r) => {
    for (const k of inRange) add(wantRate, {}, stepOf(k), durations(r, k).length / 60);
  });
  assertAnswer(await query(env, `name=http.duration&fn=rate&${RANGE}`), wantRate, 'histogram rate');

  // Exponential histogram: each step's quantile in the bucket holding the true quantile.
  for (const q of [0.1, 0.5, 0.95]) {
    const body = await query(env, `name=payload.size&fn=quantile&q=${q}&${RANGE}`);
    assert.equal(body.series.length, 1);
    const points = body.series[0]?.points ?? [];
    assert.equal(points.length, STEPS);
    points.forEach((p, i) => {
      const values = inRange.filter((k) => stepOf(k) === i).flatMap(payloads).sort((a, b) => a - b);
      const truth = values[Math.max(1, Math.ceil(q * values.length)) - 1] ?? Number.NaN;
      const idx = expIndex(truth);
      const [lo, hi] = [2 ** (idx / 4), 2 ** ((idx + 1) / 4)];
      assert.ok(p.value !== null && p.value >= lo * (1 - 1e-12) && p.value <= hi * (1 + 1e-12), `exp q${q} step ${i}: ${p.value} not in [${lo}, ${hi}] (true ${truth})`);
    });
  }
  const wantExpRate: Expected = new Map();
  for (const k of inRange) add(wantExpRate, {}, stepOf(k), payloads(k).length / 60);
  assertAnswer(await query(env, `name=payload.size&fn=rate&${RANGE}`), wantExpRate, 'exponential histogram rate');

  // Tenant b's numbers are its own: its counter events carry a salt.
  const wantB: Expected = new Map();
  COUNTERS.forEach((c, s) => {
    if (c.host === 'web-1') for (const k of inRange) add(wantB, {}, stepOf(k), events(s, k, 7));
  });
  assertAnswer(await query(env, `name=http.requests&fn=increase&${RANGE}&match=route!=/c`, KEY_B), wantB, 'tenant b counter');

  // Nothing matched: an empty answer, not an error.
  assert.deepEqual((await query(env, `name=no.such.metric&${RANGE}`)).series, []);
}

async function refused(env: InsightsEnv, params: string, field: string, message?: RegExp): Promise<void> {
  const res = await env.get<ErrorBody>(`/api/v1/metrics/${params}`, KEY_A);
  assert.equal(res.status, 400, `${params}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.field, field, `${params}: ${res.body.error.message}`);
  if (message !== undefined) assert.match(res.body.error.message, message);
}

async function refusals(env: InsightsEnv): Promise<void> {
  await refused(env, `query?name=connections.active&fn=rate&${RANGE}`, 'fn', /monotonic/);
  await refused(env, `query?name=rpc.latency&fn=raw&${RANGE}`, 'fn', /summary/);
  await refused(env, `query?name=queue.depth&fn=rate&${RANGE}`, 'fn', /use raw/);
  await refused(env, `query?name=http.duration&fn=quantile&${RANGE}`, 'q');
  await refused(env, `query?name=http.duration&fn=quantile&q=1.5&${RANGE}`, 'q');
  await refused(env, `query?name=queue.depth&agg=median&${RANGE}`, 'agg');
  await refused(env, `query?name=queue.depth&fn=mean`, 'fn');
  await refused(env, `query?name=queue.depth&start=${BASE_S}&end=${BASE_S + 600}&step=0`, 'step');
  await refused(env, `query?name=queue.depth&start=${BASE_S}&end=${BASE_S + 86_400}&step=1`, 'step', /more than 1500 steps/);
  await refused(env, 'query?match=a=b', 'name');
  await refused(env, `query?name=queue.depth&match=${encodeURIComponent('queue=~(')}`, 'match', /"queue=~\("/);
  await refused(env, 'series?name=queue.depth&match=nonsense', 'match', /"nonsense"/);
  await refused(env, 'series?name=queue.depth&limit=0', 'limit');
}

void describe('metrics queries through the pipeline', () => {
  void it('embedded engine (chdb)', async () => {
    const env = await embeddedEnv();
    try {
      await exercise(env);
      await refusals(env);
    } finally {
      await env.close();
    }
  });

  void it('ClickHouse 18.16 cluster via Kafka', async () => {
    const env = await clusterEnv('metricsq');
    try {
      await exercise(env);
      await refusals(env);
    } finally {
      await env.close();
    }
  });
});
