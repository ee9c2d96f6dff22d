// Trace <-> log correlation over data sent through the real pipeline (spans as OTLP protobuf, logs
// as OTLP/JSON) on both engines: a trace's logs come back in time order, exactly the records that
// carry its id within its time window; a log's span comes back with its ancestry; another tenant
// using the same trace id never sees the first tenant's records; bad ids are refused naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '../../common/model/span.ts';
import { randomHexId } from '../fixtures/otlp-requests.ts';
import { clusterEnv, embeddedEnv, KEY_A, KEY_B } from './support/insights-env.ts';
import type { InsightsEnv } from './support/insights-env.ts';
import { JSON_TYPE, PROTOBUF, simpleLogsRequest, simpleSpansRequest, toProtobuf } from '../support/search-otlp.ts';
import type { SimpleLog, SimpleSpan } from '../support/search-otlp.ts';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const BASE_NS = BigInt(Math.floor(Date.now() / 1000) - 3600) * NS_PER_S;

interface ApiLog {
  timeUnixNano: string;
  severityNumber: number;
  body: { stringValue?: string };
  attributes: { key: string; value: { stringValue?: string } }[];
  traceId: string;
  spanId: string;
  serviceName: string;
  resource: { attributes: { key: string; value: { stringValue?: string } }[] };
}

interface TraceLogsBody {
  traceId: string;
  spanId?: string;
  start: string;
  end: string;
  truncated: boolean;
  logs: ApiLog[];
  links: { trace: string };
  stats: { rowsRead: number; bytesRead: number; elapsedMs: number };
}

interface Brief {
  spanId: string;
  parentSpanId: string;
  serviceName: string;
  name: string;
  kind: string;
  status: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNano: string;
}

interface LogTraceBody {
  traceId: string;
  trace: { startTimeUnixNano: string; endTimeUnixNano: string; durationNano: string; spanCount: number; errorCount: number; services: string[]; root: Brief | null; truncated: boolean };
  span: Brief | null;
  path: Brief[];
  links: { trace: string; logs: string };
  stats: { rowsRead: number };
}

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

function span(traceId: string, spanId: string, parent: SimpleSpan | null, service: string, name: string, kind: number, startMs: bigint, durMs: bigint, error: boolean): SimpleSpan {
  const startNs = BASE_NS + startMs * NS_PER_MS;
  return { traceId, spanId, parentSpanId: parent?.spanId ?? '', service, name, kind, startNs, endNs: startNs + durMs * NS_PER_MS, error, attributes: {} };
}

function log(s: { service: string; traceId: string; spanId: string }, timeNs: bigint, i: number): SimpleLog {
  return { service: s.service, timeNs, severityNumber: i % 2 === 0 ? 9 : 17, body: `${s.service} line ${i}`, traceId: s.traceId, spanId: s.spanId, attributes: { i: String(i) } };
}

/** What the API returns of a sent log, in the fields compared. */
function view(l: SimpleLog | ApiLog): unknown[] {
  if ('timeNs' in l) return [l.timeNs.toString(), l.service, l.traceId, l.spanId, l.severityNumber, l.body, Object.entries(l.attributes)];
  return [l.timeUnixNano, l.serviceName, l.traceId, l.spanId, l.severityNumber, l.body.stringValue, l.attributes.map((a) => [a.key, a.value.stringValue])];
}

const byTime = (a: SimpleLog, b: SimpleLog): number => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0);

async function ok<T>(env: InsightsEnv, path: string, key = KEY_A): Promise<T> {
  const res = await env.get<T>(path, key);
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function refused(env: InsightsEnv, path: string, status: number, field: string): Promise<void> {
  const res = await env.get<ErrorBody>(path, KEY_A);
  assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.field, field, `${path}: ${res.body.error.message}`);
}

async function exercise(env: InsightsEnv): Promise<void> {
  const traceId = randomHexId(16);
  const root = span(traceId, randomHexId(8), null, 'frontend', 'GET /checkout', SpanKind.SERVER, 0n, 200n, false);
  const client = span(traceId, randomHexId(8), root, 'frontend', 'POST /pay', SpanKind.CLIENT, 10n, 100n, false);
  const server = span(traceId, randomHexId(8), client, 'payments', 'POST /pay', SpanKind.SERVER, 20n, 80n, true);
  const spansA = [root, client, server];
  // Tenant b happens to use the same trace id (ids are only unique per tenant's clients).
  const rootB = span(traceId, randomHexId(8), null, 'frontend', 'GET /other', SpanKind.SERVER, 5n, 50n, false);

  const inTrace = spansA.flatMap((s, k) => [0, 1, 2].map((i) => log(s, s.startNs + BigInt(i + 1) * NS_PER_MS + BigInt(k), k * 3 + i)));
  const late = log(root, root.endNs + 5n * NS_PER_S, 90); // after the span ended, within the pad
  const farAway = log(root, root.startNs + 7200n * NS_PER_S, 91); // the same id two hours later
  const otherTraceId = randomHexId(16);
  const otherTrace = [0, 1].map((i) => log({ service: 'frontend', traceId: otherTraceId, spanId: randomHexId(8) }, root.startNs + BigInt(i) * NS_PER_MS, 50 + i));
  const untraced = log({ service: 'frontend', traceId: '', spanId: '' }, root.startNs + 3n * NS_PER_MS, 60);
  const logsB = [0, 1].map((i) => log(rootB, rootB.startNs + BigInt(i + 1) * NS_PER_MS, 70 + i));

  await env.send('traces', toProtobuf('traces', simpleSpansRequest(spansA)), PROTOBUF, KEY_A);
  await env.send('traces', toProtobuf('traces', simpleSpansRequest([rootB])), PROTOBUF, KEY_B);
  // Shuffled across exports: the answer's order comes from the times, not arrival.
  const logsA = [...inTrace, late, farAway, ...otherTrace, untraced];
  await env.send('logs', JSON.stringify(simpleLogsRequest(logsA.filter((_, i) => i % 2 === 1))), JSON_TYPE, KEY_A);
  await env.send('logs', JSON.stringify(simpleLogsRequest(logsA.filter((_, i) => i % 2 === 0))), JSON_TYPE, KEY_A);
  await env.send('logs', JSON.stringify(simpleLogsRequest(logsB)), JSON_TYPE, KEY_B);
  await env.drained();

  // Trace -> logs: every record of the trace within its window, in time order.
  const all = await ok<TraceLogsBody>(env, `/api/v1/traces/${traceId}/logs`);
  assert.deepEqual(all.logs.map(view), [...inTrace, late].sort(byTime).map(view));
  assert.equal(all.truncated, false);
  assert.equal(all.links.trace, `/api/v1/traces/${traceId}`);
  assert.equal(all.start, new Date((Number(root.startNs / NS_PER_S) - 60) * 1000).toISOString());
  assert.equal(all.end, new Date((Number(root.endNs / NS_PER_S) + 61) * 1000).toISOString());
  assert.ok(all.stats.rowsRead > 0 && all.stats.bytesRead > 0, JSON.stringify(all.stats));
  assert.deepEqual(all.logs[0]?.resource.attributes, [{ key: 'service.name', value: { stringValue: 'frontend' } }]);

  const ofServer = await ok<TraceLogsBody>(env, `/api/v1/traces/${traceId.toUpperCase()}/logs?spanId=${server.spanId}`);
  assert.deepEqual(ofServer.logs.map(view), inTrace.filter((l) => l.spanId === server.spanId).sort(byTime).map(view));
  assert.equal(ofServer.spanId, server.spanId);

  const firstTwo = await ok<TraceLogsBody>(env, `/api/v1/traces/${traceId}/logs?limit=2`);
  assert.deepEqual(firstTwo.logs.map(view), [...inTrace].sort(byTime).slice(0, 2).map(view));
  assert.equal(firstTwo.truncated, true);

  // Explicit range: far beyond the trace's window, and a trace with no spans at all.
  const farS = Number(farAway.timeNs / NS_PER_S);
  const far = await ok<TraceLogsBody>(env, `/api/v1/traces/${traceId}/logs?start=${farS - 1}&end=${farS + 1}`);
  assert.deepEqual(far.logs.map(view), [view(farAway)]);
  await refused(env, `/api/v1/traces/${otherTraceId}/logs`, 404, 'traceId');
  const rootS = Number(root.startNs / NS_PER_S);
  const other = await ok<TraceLogsBody>(env, `/api/v1/traces/${otherTraceId}/logs?start=${rootS - 60}&end=${rootS + 60}`);
  assert.deepEqual(other.logs.map(view), otherTrace.map(view));

  // Tenant b sees its own records of the same trace id, and nothing of tenant a's.
  const ofB = await ok<TraceLogsBody>(env, `/api/v1/traces/${traceId}/logs`, KEY_B);
  assert.deepEqual(ofB.logs.map(view), logsB.map(view));

  // Log -> trace: the span of a payments log line in its trace.
  const ctx = await ok<LogTraceBody>(env, `/api/v1/logs/trace?traceId=${traceId}&spanId=${server.spanId}`);
  const brief = (s: SimpleSpan): Brief => ({
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    serviceName: s.service,
    name: s.name,
    kind: s.kind === SpanKind.SERVER ? 'SPAN_KIND_SERVER' : 'SPAN_KIND_CLIENT',
    status: s.error ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_UNSET',
    startTimeUnixNano: s.startNs.toString(),
    endTimeUnixNano: s.endNs.toString(),
    durationNano: (s.endNs - s.startNs).toString(),
  });
  assert.deepEqual(ctx.span, brief(server));
  assert.deepEqual(ctx.path, [brief(root), brief(client), brief(server)]);
  assert.deepEqual(ctx.trace, {
    startTimeUnixNano: root.startNs.toString(),
    endTimeUnixNano: root.endNs.toString(),
    durationNano: (root.endNs - root.startNs).toString(),
    spanCount: 3,
    errorCount: 1,
    services: ['frontend', 'payments'],
    root: brief(root),
    truncated: false,
  });
  assert.deepEqual(ctx.links, { trace: `/api/v1/traces/${traceId}`, logs: `/api/v1/traces/${traceId}/logs?spanId=${server.spanId}` });
  assert.ok(ctx.stats.rowsRead > 0);

  const ctxB = await ok<LogTraceBody>(env, `/api/v1/logs/trace?traceId=${traceId}&spanId=${server.spanId}`, KEY_B);
  assert.deepEqual([ctxB.trace.spanCount, ctxB.trace.services, ctxB.span, ctxB.path], [1, ['frontend'], null, []]);
  const noSpan = await ok<LogTraceBody>(env, `/api/v1/logs/trace?traceId=${traceId}`);
  assert.deepEqual([noSpan.span, noSpan.path, noSpan.trace.spanCount], [null, [], 3]);

  await refused(env, `/api/v1/logs/trace?traceId=${otherTraceId}`, 404, 'traceId');
  await refused(env, `/api/v1/logs/trace?traceId=xyz`, 400, 'traceId');
  await refused(env, `/api/v1/logs/trace`, 400, 'traceId');
  await refused(env, `/api/v1/logs/trace?traceId=${traceId}&spanId=123`, 400, 'spanId');
  await refused(env, `/api/v1/traces/${'0'.repeat(32)}/logs`, 400, 'traceId');
  await refused(env, `/api/v1/traces/${traceId}/logs?spanId=${'0'.repeat(16)}`, 400, 'spanId');
  await refused(env, `/api/v1/traces/${traceId}/logs?start=${rootS}`, 400, 'end');
  await refused(env, `/api/v1/traces/${traceId}/logs?limit=-1`, 400, 'limit');
}

void describe('trace <-> log correlation through the pipeline', () => {
  void it('embedded engine (chdb)', async () => {
    const env = await embeddedEnv();
    try {
      await exercise(env);
    } finally {
      await env.close();
    }
  });

  void it('ClickHouse 18.16 cluster via Kafka', async () => {
    const env = await clusterEnv('correlation');
    try {
      await exercise(env);
    } finally {
      await env.close();
    }
  });
});
