// GET /api/v1/red and GET /api/v1/service-graph over data sent through the real pipeline (OTLP
// protobuf into the receiver; Kafka, ingester and the 18.16 cluster, or the embedded engine), on
// both engines. Every count, error count and rate is compared exactly, and every quantile within a
// rank tolerance, with values computed here from the spans sent. Another tenant's spans, sent
// alongside with the same services, must never show up; bad parameters are refused naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runServiceEdgesJob } from '../../common/clickhouse/rollups/service-edges-job.ts';
import { SpanKind } from '../../common/model/span.ts';
import { randomHexId } from '../fixtures/otlp-requests.ts';
import { clusterEnv, embeddedEnv, KEY_A, KEY_B } from './support/insights-env.ts';
import type { InsightsEnv } from './support/insights-env.ts';
import { PROTOBUF, simpleSpansRequest, toProtobuf } from '../support/search-otlp.ts';
import type { SimpleSpan } from '../support/search-otlp.ts';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
/** Two hours ago, on a whole hour: recent enough for retention, closed for the edge job. */
const BASE_S = Math.floor(Date.now() / 3_600_000) * 3600 - 7200;
const RANGE = `start=${BASE_S}&end=${BASE_S + 120}`;
/** Allowed rank error of a t-digest quantile (as in the rollups test). */
const RANK_TOLERANCE = 0.03;

/**
 * Trace t: frontend SERVER -> frontend CLIENT (names payments via peer.service in minute 0 always,
 * in minute 1 only when t % 4 == 1) -> payments SERVER (missing when t % 6 == 0: the callee's spans
 * were lost) -> payments CLIENT naming postgres, which sends no spans.
 */
function trace(t: number): SimpleSpan[] {
  const minute = t % 2;
  const traceId = randomHexId(16);
  const root = BigInt(BASE_S + minute * 60) * NS_PER_S + BigInt(t) * 200n * NS_PER_MS;
  const ids = [randomHexId(8), randomHexId(8), randomHexId(8), randomHexId(8)];
  const span = (k: number, service: string, name: string, kind: number, durMs: bigint, error: boolean, attributes: Record<string, string>): SimpleSpan => {
    const startNs = root + BigInt(k) * NS_PER_MS;
    // A few hundred distinct durations with sub-millisecond parts.
    const endNs = startNs + durMs * NS_PER_MS + BigInt((t * 7919 + k) % 1000) * 1000n;
    return { traceId, spanId: ids[k] ?? '', parentSpanId: k === 0 ? '' : (ids[k - 1] ?? ''), service, name, kind, startNs, endNs, error, attributes };
  };
  const namesPeer = minute === 0 || t % 4 === 1;
  const spans = [
    span(0, 'frontend', 'GET /checkout', SpanKind.SERVER, 10n + BigInt((t * 37) % 50), t % 5 === 0, {}),
    span(1, 'frontend', 'POST /pay', SpanKind.CLIENT, 5n + BigInt((t * 13) % 40), t % 7 === 0, namesPeer ? { 'peer.service': 'payments' } : {}),
  ];
  if (t % 6 !== 0) {
    spans.push(
      span(2, 'payments', 'POST /pay', SpanKind.SERVER, 4n + BigInt((t * 17) % 30), t % 3 === 0, {}),
      span(3, 'payments', 'SELECT orders', SpanKind.CLIENT, 1n + BigInt(t % 9), t % 11 === 0, { 'peer.service': 'postgres' }),
    );
  }
  return spans;
}

interface Tally {
  calls: number;
  errors: number;
  durations: bigint[];
}

const tally = (): Tally => ({ calls: 0, errors: 0, durations: [] });
const count = (t: Tally, error: boolean, duration: bigint): void => {
  t.calls += 1;
  t.errors += error ? 1 : 0;
  t.durations.push(duration);
};
const minuteOf = (s: SimpleSpan): number => Number(s.startNs / NS_PER_S / 60n) * 60;

function group<K>(map: Map<K, Tally>, key: K): Tally {
  const t = map.get(key) ?? tally();
  map.set(key, t);
  return t;
}

/** RED per (service, operation, minute|-1 for the whole range) of spans of the given kinds. */
function expectedRed(spans: readonly SimpleSpan[], kinds: readonly number[]): Map<string, Tally> {
  const map = new Map<string, Tally>();
  for (const s of spans) {
    if (!kinds.includes(s.kind)) continue;
    for (const m of [-1, minuteOf(s)]) count(group(map, JSON.stringify([s.service, s.name, m])), s.error, s.endNs - s.startNs);
  }
  return map;
}

type EdgeTallies = Map<string, Tally>;
const edgeKey = (minute: number, caller: string, callee: string): string => JSON.stringify([minute, caller, callee]);

function peerEdges(spans: readonly SimpleSpan[]): EdgeTallies {
  const map: EdgeTallies = new Map();
  for (const s of spans) {
    const callee = s.attributes['peer.service'];
    if ((s.kind !== SpanKind.CLIENT && s.kind !== SpanKind.PRODUCER) || callee === undefined || callee === s.service) continue;
    count(group(map, edgeKey(minuteOf(s), s.service, callee)), s.error, s.endNs - s.startNs);
  }
  return map;
}

function parentChildEdges(spans: readonly SimpleSpan[]): EdgeTallies {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const map: EdgeTallies = new Map();
  for (const child of spans) {
    const parent = byId.get(child.parentSpanId);
    if (parent === undefined || parent.service === child.service) continue;
    count(group(map, edgeKey(minuteOf(parent), parent.service, child.service)), parent.error || child.error, parent.endNs - parent.startNs);
  }
  return map;
}

/** Per (minute, edge) the origin with more calls, parent/child on a tie; then summed per edge. */
function combinedEdges(peer: EdgeTallies, parentChild: EdgeTallies): Map<string, Tally> {
  const edges = new Map<string, Tally>();
  for (const key of new Set([...peer.keys(), ...parentChild.keys()])) {
    const a = peer.get(key) ?? tally();
    const b = parentChild.get(key) ?? tally();
    const chosen = a.calls > b.calls ? a : b;
    const [, caller, callee] = JSON.parse(key) as [number, string, string];
    const e = group(edges, JSON.stringify([caller, callee]));
    e.calls += chosen.calls;
    e.errors += chosen.errors;
    e.durations.push(...chosen.durations);
  }
  return edges;
}

function perEdge(tallies: EdgeTallies): Map<string, Tally> {
  const edges = new Map<string, Tally>();
  for (const [key, t] of tallies) {
    const [, caller, callee] = JSON.parse(key) as [number, string, string];
    const e = group(edges, JSON.stringify([caller, callee]));
    e.calls += t.calls;
    e.errors += t.errors;
    e.durations.push(...t.durations);
  }
  return edges;
}

interface Stats {
  calls: number;
  errors: number;
  rate: number;
  errorRatio: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
}

/** The value at rank r of sorted durations: the lower neighbour below the median, the upper above. */
function at(sorted: readonly bigint[], r: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, r * (sorted.length - 1)));
  return Number(sorted[r < 0.5 ? Math.floor(i) : Math.ceil(i)] ?? 0n);
}

function assertStats(got: Stats | undefined, want: Tally, seconds: number, what: string): void {
  assert.ok(got !== undefined, `${what}: missing`);
  assert.equal(got.calls, want.calls, `${what}: calls`);
  assert.equal(got.errors, want.errors, `${what}: errors`);
  assert.ok(Math.abs(got.rate - want.calls / seconds) < 1e-9, `${what}: rate ${got.rate}`);
  assert.ok(Math.abs(got.errorRatio - want.errors / want.calls) < 1e-12, `${what}: error ratio`);
  const sum = want.durations.reduce((a, b) => a + b, 0n);
  assert.ok(Math.abs((got.latencyMs.mean ?? NaN) - Number(sum) / want.calls / 1e6) < 1e-6, `${what}: mean ${got.latencyMs.mean}`);
  const sorted = [...want.durations].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [p, v] of [[0.5, got.latencyMs.p50], [0.95, got.latencyMs.p95], [0.99, got.latencyMs.p99]] as const) {
    const slack = RANK_TOLERANCE + 1 / sorted.length;
    // Float32 results: a part in 2^22 either side.
    const lo = (at(sorted, p - slack) / 1e6) * (1 - 2 ** -22);
    const hi = (at(sorted, p + slack) / 1e6) * (1 + 2 ** -22);
    assert.ok(v !== null && v >= lo && v <= hi, `${what}: p${p * 100} = ${v} outside [${lo}, ${hi}]`);
  }
}

interface RedBody {
  step: number;
  kinds: string[];
  truncated: boolean;
  groups: { service: string; operation: string; total: Stats; points: (Stats & { time: string })[] }[];
  stats: { rowsRead: number; bytesRead: number; elapsedMs: number };
}

interface GraphBody {
  origin: string;
  edges: (Stats & { caller: string; callee: string; origins: string[] })[];
  nodes: { service: string; callsIn: number; callsOut: number; errorsIn: number }[];
  stats: { rowsRead: number };
}

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

async function red(env: InsightsEnv, query: string, key = KEY_A): Promise<RedBody> {
  const res = await env.get<RedBody>(`/api/v1/red?${query}`, key);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function assertRed(body: RedBody, want: Map<string, Tally>, what: string): void {
  const groups = [...want.keys()].map((k) => JSON.parse(k) as [string, string, number]).filter(([, , m]) => m === -1);
  assert.deepEqual(body.groups.map((g) => [g.service, g.operation]).sort(), groups.map(([s, o]) => [s, o]).sort(), `${what}: groups`);
  for (const g of body.groups) {
    assertStats(g.total, want.get(JSON.stringify([g.service, g.operation, -1])) ?? tally(), 120, `${what} ${g.service} ${g.operation} total`);
    const minutes = [BASE_S, BASE_S + 60].filter((m) => want.has(JSON.stringify([g.service, g.operation, m])));
    assert.deepEqual(g.points.map((p) => p.time), minutes.map((m) => new Date(m * 1000).toISOString()), `${what}: steps`);
    for (const p of g.points) {
      const m = Date.parse(p.time) / 1000;
      assertStats(p, want.get(JSON.stringify([g.service, g.operation, m])) ?? tally(), 60, `${what} ${g.service} ${g.operation} @${m}`);
    }
  }
}

async function graph(env: InsightsEnv, query: string, key = KEY_A): Promise<GraphBody> {
  const res = await env.get<GraphBody>(`/api/v1/service-graph?${query}`, key);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function assertEdges(body: GraphBody, want: Map<string, Tally>, what: string): void {
  assert.deepEqual(body.edges.map((e) => JSON.stringify([e.caller, e.callee])).sort(), [...want.keys()].sort(), `${what}: edges`);
  for (const e of body.edges) assertStats(e, want.get(JSON.stringify([e.caller, e.callee])) ?? tally(), 120, `${what} ${e.caller}->${e.callee}`);
}

async function exercise(env: InsightsEnv): Promise<void> {
  const a = Array.from({ length: 60 }, (_, t) => trace(t)).flat();
  const b = Array.from({ length: 10 }, (_, t) => trace(t + 1)).flat();
  // Several exports, as SDKs batch them; the tenant comes from the API key.
  for (let i = 0; i < a.length; i += 50) await env.send('traces', toProtobuf('traces', simpleSpansRequest(a.slice(i, i + 50))), PROTOBUF, KEY_A);
  await env.send('traces', toProtobuf('traces', simpleSpansRequest(b)), PROTOBUF, KEY_B);
  await env.drained();

  // RED: requests (server and consumer spans) per operation, per minute and over the range.
  const requests = await red(env, `${RANGE}&step=60`);
  assert.deepEqual([requests.step, requests.kinds, requests.truncated], [60, ['server', 'consumer'], false]);
  assert.ok(requests.stats.rowsRead > 0 && requests.stats.bytesRead > 0, JSON.stringify(requests.stats));
  assertRed(requests, expectedRed(a, [SpanKind.SERVER, SpanKind.CONSUMER]), 'red requests');
  assertRed(await red(env, `${RANGE}&step=1m&kind=client`), expectedRed(a, [SpanKind.CLIENT]), 'red client');
  assertRed(await red(env, `${RANGE}&step=60&service=payments&kind=all`), expectedRed(a.filter((s) => s.service === 'payments'), Object.values(SpanKind)), 'red payments');
  assertRed(await red(env, `${RANGE}&step=60&service=payments&operation=POST%20%2Fpay`), expectedRed(a.filter((s) => s.service === 'payments' && s.name === 'POST /pay'), [SpanKind.SERVER]), 'red one operation');
  const perService = await red(env, `${RANGE}&step=2m&by=service`);
  const wantPerService = expectedRed(a.map((s) => ({ ...s, name: '' })), [SpanKind.SERVER, SpanKind.CONSUMER]);
  for (const g of perService.groups) assertStats(g.total, wantPerService.get(JSON.stringify([g.service, '', -1])) ?? tally(), 120, `per service ${g.service}`);
  assert.deepEqual(perService.groups.map((g) => [g.service, g.operation, g.points.length]).sort(), [['frontend', '', 1], ['payments', '', 1]]);
  const top = await red(env, `${RANGE}&limit=1`);
  assert.equal(top.truncated, true);
  assert.deepEqual(top.groups.map((g) => g.service), ['frontend'], 'the busiest group first');
  assertRed(await red(env, `${RANGE}&step=60`, KEY_B), expectedRed(b, [SpanKind.SERVER, SpanKind.CONSUMER]), 'red tenant b');

  // Service graph before the parent/child job: only the client spans' peer names.
  const peer = peerEdges(a);
  const before = await graph(env, RANGE);
  assert.equal(before.origin, 'combined');
  assertEdges(before, perEdge(peer), 'graph before the job');
  assert.deepEqual((await graph(env, `${RANGE}&origin=parent_child`)).edges, []);

  await runServiceEdgesJob(env.clickhouse, env.target, { from: new Date(BASE_S * 1000), to: new Date((BASE_S + 120) * 1000) }, { now: new Date() }, {
    settings: env.insertSettings,
    timeoutMs: 120_000,
  });
  const parentChild = parentChildEdges(a);
  assertEdges(await graph(env, `${RANGE}&origin=peer_attribute`), perEdge(peer), 'graph peer_attribute');
  assertEdges(await graph(env, `${RANGE}&origin=parent_child`), perEdge(parentChild), 'graph parent_child');
  const combined = await graph(env, RANGE);
  assertEdges(combined, combinedEdges(peer, parentChild), 'graph combined');
  // Minute 0 lost callee spans (peer counted more), minute 1 lacked peer names (parent/child more).
  assert.deepEqual(combined.edges.find((e) => e.callee === 'payments')?.origins, ['parent_child', 'peer_attribute']);
  assert.deepEqual(combined.nodes.map((n) => n.service), ['frontend', 'payments', 'postgres']);
  const payments = combined.edges.find((e) => e.callee === 'payments');
  assert.deepEqual(combined.nodes.find((n) => n.service === 'payments'), {
    service: 'payments',
    callsIn: payments?.calls,
    callsOut: combined.edges.find((e) => e.callee === 'postgres')?.calls,
    errorsIn: payments?.errors,
  });
  assertEdges(await graph(env, `${RANGE}&service=postgres`), new Map([...combinedEdges(peer, parentChild)].filter(([k]) => k.includes('postgres'))), 'graph around postgres');
  // The job ran over every tenant's spans; tenant b sees its own edges only.
  assertEdges(await graph(env, RANGE, KEY_B), combinedEdges(peerEdges(b), parentChildEdges(b)), 'graph tenant b');
}

async function assertRefused(env: InsightsEnv, path: string, field: string): Promise<void> {
  const res = await env.get<ErrorBody>(path, KEY_A);
  assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, 'INVALID_ARGUMENT');
  assert.equal(res.body.error.field, field, `${path}: ${res.body.error.message}`);
}

async function refusals(env: InsightsEnv): Promise<void> {
  await assertRefused(env, `/api/v1/red?${RANGE}&step=90`, 'step');
  await assertRefused(env, `/api/v1/red?${RANGE}&step=1s`, 'step');
  await assertRefused(env, `/api/v1/red?start=2020-01-01T00:00:00Z&end=2021-01-01T00:00:00Z`, 'start');
  await assertRefused(env, `/api/v1/red?start=yesterday`, 'start');
  await assertRefused(env, `/api/v1/red?start=${BASE_S}&end=${BASE_S}`, 'start');
  await assertRefused(env, `/api/v1/red?kind=server,bogus`, 'kind');
  await assertRefused(env, `/api/v1/red?limit=0`, 'limit');
  await assertRefused(env, `/api/v1/red?by=trace`, 'by');
  await assertRefused(env, `/api/v1/service-graph?origin=guess`, 'origin');
  await assertRefused(env, `/api/v1/service-graph?end=soon`, 'end');
}

/** Every insights route is in the OpenAPI document, generated from the route schemas. */
async function documented(env: InsightsEnv): Promise<void> {
  const doc = await env.get<{ paths: Record<string, { get?: { tags?: string[] } }> }>('/docs/json', KEY_A);
  assert.equal(doc.status, 200);
  for (const path of ['/api/v1/red', '/api/v1/service-graph', '/api/v1/traces/{traceId}/logs', '/api/v1/logs/trace', '/api/v1/metrics/series', '/api/v1/metrics/query']) {
    assert.ok(doc.body.paths[path]?.get?.tags?.length === 1, `${path} documented`);
  }
}

void describe('RED and service graph through the pipeline', () => {
  void it('embedded engine (chdb): RED, graph, tenants and refusals', async () => {
    const env = await embeddedEnv();
    try {
      await documented(env);
      await exercise(env);
      await refusals(env);
    } finally {
      await env.close();
    }
  });

  void it('ClickHouse 18.16 cluster via Kafka: the same requests, the same answers', async () => {
    const env = await clusterEnv('redgraph');
    try {
      await exercise(env);
      await refusals(env);
    } finally {
      await env.close();
    }
  });
});
