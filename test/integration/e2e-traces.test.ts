// End to end over the real local stack: two NodeSDK-instrumented services (child processes) export
// one trace over OTLP/HTTP to Cairn's receiver, and Kafka, the ingester, ClickHouse and the query
// API must give back every span exactly as the SDK recorded it; a retried export is stored once;
// bad requests get the right answer over real HTTP. One pipeline serves the file; the OPTIMIZE test has its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { identifier, qualified, raw, sql } from '../../common/clickhouse/sql.ts';
import { expectedApiSpan } from '../fixtures/expected-span.ts';
import { waitForIngestDrained } from '../fixtures/ingest-drained.ts';
import { decodeRpcStatus, fetchTrace, otlpJsonRequest, postTraces, randomHexId } from '../fixtures/otlp-requests.ts';
import type { TraceResponse } from '../fixtures/otlp-requests.ts';
import { optimizeFinalOnLeaders } from '../fixtures/optimize-final.ts';
import type { RecordedSpan } from '../fixtures/recorded-span.ts';
import { TracedServiceProcess } from '../fixtures/traced-service-process.ts';
import { eventually, startPipeline } from './support/pipeline.ts';
import type { Pipeline } from './support/pipeline.ts';

// Small enough that a gzip bomb is cheap to send, large enough for any export the fixtures make.
const MAX_REQUEST_BYTES = 65_536;
const JSON_TYPE = { 'content-type': 'application/json' };
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' };

/** A pipeline with its own database and topics; close() removes them. */
function openPipeline(extraEnv: Record<string, string>): Promise<Pipeline> {
  return startPipeline('e2e', { CAIRN_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES), ...extraEnv });
}

let shared: Pipeline | undefined;

before(async () => {
  shared = await openPipeline({});
});

after(async () => {
  await shared?.close();
});

function stack(): Pipeline {
  return shared ?? assert.fail('pipeline did not start');
}

async function waitForTrace(traceId: string, spans: number, p: Pipeline = stack()): Promise<TraceResponse> {
  return eventually(`${spans} spans of trace ${traceId} from the query API`, 60_000, async () => {
    const t = await fetchTrace(p.queryUrl, traceId);
    return t !== undefined && t.spans.length >= spans ? t : undefined;
  });
}

function byStart(x: RecordedSpan, y: RecordedSpan): number {
  const d = BigInt(x.startNs) - BigInt(y.startNs);
  if (d !== 0n) return d < 0n ? -1 : 1;
  return x.spanId < y.spanId ? -1 : 1;
}

/** Runs backend and frontend to completion and returns what their SDKs recorded. */
async function runServices(protocol: 'protobuf' | 'json'): Promise<RecordedSpan[]> {
  const common = { OTLP_TRACES_URL: `${stack().otlpUrl}/v1/traces`, OTLP_PROTOCOL: protocol };
  const backend = new TracedServiceProcess('backend', { ...common, ROLE: 'backend', SERVICE_NAME: `payments-${protocol}` });
  let frontend: TracedServiceProcess | undefined;
  try {
    const [, port = ''] = await backend.waitForLine(/^LISTENING (\d+)$/, 30_000);
    frontend = new TracedServiceProcess('frontend', {
      ...common,
      ROLE: 'frontend',
      SERVICE_NAME: `checkout-${protocol}`,
      BACKEND_URL: `http://127.0.0.1:${port}`,
    });
    assert.deepEqual(await frontend.waitForExit(60_000), { code: 0, signal: null }, frontend.describe());
    backend.terminate();
    assert.deepEqual(await backend.waitForExit(60_000), { code: 0, signal: null }, backend.describe());
    return [...frontend.recordedSpans(), ...backend.recordedSpans()];
  } finally {
    await Promise.all([backend.kill(), frontend?.kill()]);
  }
}

for (const protocol of ['protobuf', 'json'] as const) {
  void test(`a trace across two services exported over OTLP/${protocol} reads back exactly as the SDK recorded it`, async () => {
    const recorded = await runServices(protocol);
    const byName = new Map(recorded.map((s) => [s.name, s]));
    assert.deepEqual([...byName.keys()].sort(), ['GET /checkout', 'POST /charge', 'charge card', 'db.query'], 'spans recorded');
    const root = byName.get('GET /checkout') ?? assert.fail('no root span');
    // frontend SERVER > CLIENT > backend SERVER > INTERNAL, one trace, the backend's parent remote.
    const chain = ['GET /checkout', 'charge card', 'POST /charge', 'db.query'].map((n) => byName.get(n) ?? assert.fail(n));
    assert.deepEqual(chain.map((s) => [s.traceId, s.parentSpanId, s.parentIsRemote]), [
      [root.traceId, '', false],
      [root.traceId, chain[0]?.spanId, false],
      [root.traceId, chain[1]?.spanId, true],
      [root.traceId, chain[2]?.spanId, false],
    ]);
    for (const s of recorded) {
      assert.equal(s.durationNs, (BigInt(s.endNs) - BigInt(s.startNs)).toString(), `SDK duration of ${s.name}`);
    }

    const stored = await waitForTrace(root.traceId, recorded.length);
    assert.equal(stored.traceId, root.traceId);
    assert.equal(stored.truncated, false);
    assert.equal(stored.spans.length, recorded.length, 'one stored span per recorded span');
    for (const span of recorded) {
      const got = stored.spans.find((s) => s.spanId === span.spanId) ?? assert.fail(`span ${span.name} not stored`);
      assert.deepStrictEqual(got, expectedApiSpan(span), `stored ${span.name} (${protocol})`);
    }
    assert.deepEqual(stored.spans.map((s) => s.spanId), [...recorded].sort(byStart).map((s) => s.spanId), 'spans in start order');
  });
}

/** Posts one hand-made request with three spans of a new trace twice, as a client retrying would. */
async function sendTwice(p: Pipeline): Promise<{ traceId: string; spanIds: string[] }> {
  const traceId = randomHexId(16);
  const spanIds = [randomHexId(8), randomHexId(8), randomHexId(8)];
  const spans = spanIds.map((spanId, i) => ({ spanId, parentSpanId: i === 0 ? '' : (spanIds[i - 1] ?? ''), name: `retried ${i}` }));
  const body = JSON.stringify(otlpJsonRequest(traceId, spans, BigInt(Date.now()) * 1_000_000n));
  for (const attempt of [1, 2]) {
    const res = await postTraces(p.otlpUrl, body, JSON_TYPE);
    assert.equal(res.status, 200, `attempt ${attempt}: ${res.body.toString()}`);
    assert.deepEqual(JSON.parse(res.body.toString()), {}, `attempt ${attempt} fully accepted`);
  }
  return { traceId, spanIds };
}

/** Rows of the trace in the spans table: as stored, or as ReplacingMergeTree collapses them. */
async function storedRows(p: Pipeline, traceId: string, final: boolean): Promise<number> {
  const spans = qualified(p.collectorConfig.clickhouse.target.database, identifier('spans', ['spans']));
  const [r] = await p.clickhouse.queryRows<{ n: string }>(
    sql`SELECT toString(count()) AS n FROM ${spans} ${raw(final ? 'FINAL' : '')} WHERE trace_id = ${traceId}`,
  );
  return Number(r?.n ?? NaN);
}

void test('the same span sent twice is stored once', async (t) => {
  const p = stack();
  const { traceId, spanIds } = await sendTwice(p);
  await waitForIngestDrained(p, 60_000);
  const stored = await waitForTrace(traceId, 3);
  assert.deepEqual(stored.spans.map((s) => s.spanId).sort(), [...spanIds].sort(), 'one span per span id');
  t.diagnostic(`rows stored before any merge: ${await storedRows(p, traceId, false)}`);
  // With the production insert quorum, physically merging on demand is not possible (see
  // optimize-final.ts); FINAL shows what merges will leave: the copies share the whole sort key.
  assert.equal(await storedRows(p, traceId, true), 3, 'rows after ReplacingMergeTree collapsing (FINAL)');
});

void test('a span stored twice is one row after OPTIMIZE FINAL', async (t) => {
  // ClickHouse 18.16 never merges a partition's last quorum-inserted part, so this pipeline writes
  // without insert quorum; everything else is as in production.
  const own = await openPipeline({ CAIRN_INSERT_QUORUM: '0' });
  try {
    const p = own;
    const { traceId } = await sendTwice(p);
    await waitForIngestDrained(p, 60_000);
    assert.equal((await waitForTrace(traceId, 3, p)).spans.length, 3);
    t.diagnostic(`rows stored before OPTIMIZE FINAL: ${await storedRows(p, traceId, false)}`);
    const { endpoint, target } = p.collectorConfig.clickhouse;
    assert.equal(await optimizeFinalOnLeaders(endpoint, target, 'spans_local'), 2, 'one leader replica per shard');
    await eventually('one stored row per span after OPTIMIZE FINAL', 60_000, async () =>
      (await storedRows(p, traceId, false)) === 3 ? true : undefined,
    );
  } finally {
    await own.close();
  }
});

void test('malformed protobuf is refused with 400 and a message', async () => {
  // Field 1 (resource_spans), length-delimited, claiming far more bytes than follow.
  const res = await postTraces(stack().otlpUrl, Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x01, 0x02]), PROTO_TYPE);
  assert.equal(res.status, 400);
  assert.match(res.contentType, /^application\/x-protobuf/);
  const status = decodeRpcStatus(res.body);
  assert.equal(status.code, 3, 'INVALID_ARGUMENT');
  assert.notEqual(status.message, '', 'a message saying what is wrong');
});

void test('malformed JSON is refused with 400 and a message', async () => {
  const res = await postTraces(stack().otlpUrl, '{"resourceSpans": [', JSON_TYPE);
  assert.equal(res.status, 400);
  const body = JSON.parse(res.body.toString()) as { code: number; message: string };
  assert.equal(body.code, 3);
  assert.match(body.message, /JSON/);
});

void test('an unsupported content-type is refused with 415', async () => {
  const res = await postTraces(stack().otlpUrl, 'hello', { 'content-type': 'text/plain' });
  assert.equal(res.status, 415, res.body.toString());
  assert.match(res.body.toString(), /content-type/);
});

void test('a gzip body that inflates beyond the limit is refused with 413', async () => {
  const bomb = gzipSync(Buffer.alloc(1024 * 1024));
  assert.ok(bomb.length < MAX_REQUEST_BYTES, 'the compressed body itself is within the limit');
  const res = await postTraces(stack().otlpUrl, bomb, { ...PROTO_TYPE, 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
  const status = decodeRpcStatus(res.body);
  assert.equal(status.code, 3);
  assert.match(status.message, /CAIRN_MAX_REQUEST_BYTES/);
});

void test('a request with one valid and one invalid span stores the valid one and reports the other', async () => {
  const traceId = randomHexId(16);
  const good = randomHexId(8);
  const request = otlpJsonRequest(traceId, [
    { spanId: good, parentSpanId: '', name: 'valid' },
    { spanId: 'not-a-hex-span!!', parentSpanId: '', name: 'invalid' },
  ], BigInt(Date.now()) * 1_000_000n);
  const res = await postTraces(stack().otlpUrl, JSON.stringify(request), JSON_TYPE);
  assert.equal(res.status, 200, res.body.toString());
  const body = JSON.parse(res.body.toString()) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
  assert.equal(body.partialSuccess?.rejectedSpans, '1');
  assert.match(body.partialSuccess.errorMessage ?? '', /span_id/);
  const stored = await waitForTrace(traceId, 1);
  assert.deepEqual(stored.spans.map((s) => [s.spanId, s['name']]), [[good, 'valid']]);
});
