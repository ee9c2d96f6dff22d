// POST /api/v1/query on both engines, with spans and logs sent through each one's real ingestion
// path. Aggregates (count, sum, avg, min, max, uniq, quantile), group by fields and attributes,
// time buckets, having, order and limit are compared with values the test computes from what it
// sent. Security: another tenant's rows never counted; hostile strings through every parameter
// either refused with a 400 naming the JSON path or matched as plain text (stored hostile strings
// are found exactly, generated ones match nothing); queries over the read limits or the deadline
// refused with a clear error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { readAuth } from '../../common/auth/auth-config.ts';
import { createHttpApp } from '../../common/runtime/http-app.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { registerErrorHandler } from '../../query/plugins/error-handler.ts';
import { registerTenant } from '../../query/plugins/tenant.ts';
import type { ReadLimits } from '../../query/storage/read-limits.ts';
import { DEFAULT_READ_LIMITS } from '../../query/storage/read-limits.ts';
import { registerQueryDslRoutes } from '../../query/routes/query-dsl.ts';
import { hexId, logsRequest, spansRequest, storedText } from '../support/search-otlp.ts';
import type { TestLog, TestSpan } from '../support/search-otlp.ts';
import { eventually } from './support/pipeline.ts';
import { api, clusterBackend, embeddedBackend, sendOtlp } from './support/search-backends.ts';
import type { Backend } from './support/search-backends.ts';

type Row = Record<string, unknown>;
interface Answer {
  columns: Array<{ name: string; kind: string }>;
  rows: Row[];
  stats: { rowsRead: number; bytesRead: number; elapsedMs: number };
  error?: { code: string; message: string; field?: string };
}

const MS = 1_000_000n;
const NASTY = [
  "' OR 1=1 --",
  "\\'",
  "'; DROP TABLE logs; --",
  "\\\\'; SELECT 1; --",
  "' UNION ALL SELECT body FROM logs --",
  '\\x27',
  "''",
  '`; --',
  '%_',
  'é😀\u2028',
  'tab\there',
  'line\nbreak',
  'quote"d',
  'nul\0byte',
];

function makeSpans(salt: string, count: number, nowMs: number): TestSpan[] {
  return Array.from({ length: count }, (_, i): TestSpan => ({
    traceId: hexId(`${salt}:${nowMs}:t:${Math.floor(i / 3)}`, 32),
    spanId: hexId(`${salt}:${nowMs}:s:${i}`, 16),
    parentSpanId: i % 3 === 0 ? '' : hexId(`${salt}:${nowMs}:s:${i - (i % 3)}`, 16),
    service: ['cart', 'pay', 'ship'][i % 3] ?? 'cart',
    pod: `pod-${i % 4}`,
    name: i % 2 === 0 ? 'read' : 'write',
    kind: i % 2 === 0 ? 2 : 3,
    startNs: BigInt(nowMs - 50 * 60_000 + i * 30_000) * MS,
    durationNs: BigInt(((i * 7) % 50) + 1) * MS + BigInt(i),
    status: i % 5 === 0 ? 2 : 0,
    attrs: { ...(i % 4 === 0 ? {} : { 'http.status_code': BigInt([200, 404, 500][i % 3] ?? 200) }), 'retry.delay': { double: (i % 6) / 4 } },
  }));
}

function makeLogs(salt: string, nowMs: number): TestLog[] {
  const plain = Array.from({ length: 40 }, (_, i): TestLog => ({
    timeNs: BigInt(nowMs - 45 * 60_000 + i * 37_000) * MS,
    service: ['cart', 'pay'][i % 2] ?? 'cart',
    pod: `pod-${i % 3}`,
    severityNumber: [9, 13, 17][i % 3] ?? 9,
    severityText: '',
    body: `${salt} request ${i % 4 === 0 ? 'timed out' : 'ok'}`,
    traceId: '',
    spanId: '',
    attrs: { bytes: BigInt(i * 10) },
  }));
  const nasty = NASTY.map((s, j): TestLog => ({
    timeNs: BigInt(nowMs - 20 * 60_000 + j * 1000) * MS,
    service: 'nasty',
    pod: 'pod-x',
    severityNumber: 9,
    severityText: '',
    body: `nasty ${s}`,
    traceId: '',
    spanId: '',
    attrs: { nasty: s, j: BigInt(j) },
  }));
  return [...plain, ...nasty];
}

function groupCount<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}

/** ClickHouse's quantile (reservoir sample, exact below 8192 values): linear interpolation. */
function quantile(values: readonly number[], level: number): number {
  const s = [...values].sort((a, b) => a - b);
  const index = Math.max(0, Math.min(s.length - 1, level * (s.length - 1)));
  const left = Math.floor(index);
  if (left + 1 >= s.length) return s[left] ?? Number.NaN;
  return (s[left] ?? 0) * (left + 1 - index) + (s[left + 1] ?? 0) * (index - left);
}

function close(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${String(actual)} != ${expected}`);
}

/** A phrase of the full-text grammar that stands for exactly `s`. */
const phrase = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const regexEscape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** A query app of its own on the backend's storage, with lowered limits or deadline. */
function limitedApp(b: Backend, limits: ReadLimits, timeoutMs: number): FastifyInstance {
  const logger = createLogger('silent', 'test-dsl-limits');
  const app = createHttpApp(logger, 1024 * 1024);
  registerErrorHandler(app);
  registerTenant(app, readAuth({ CAIRN_AUTH: 'none', CAIRN_TENANT: 'team-a' }, 'none'));
  registerQueryDslRoutes(app, { clickhouse: b.clickhouse, target: b.target, schemaStatus: () => '', timeoutMs, logger }, { limits });
  return app;
}

function exercise(open: () => Promise<Backend>): void {
  let b: Backend;
  let spans: TestSpan[];
  let logs: TestLog[];
  const query = (body: unknown, key = b.keyA): Promise<{ status: number; body: Answer }> => api<Answer>(b, '/api/v1/query', key, body);
  const ok = async (body: unknown, key?: string): Promise<Answer> => {
    const r = await query(body, key);
    assert.equal(r.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const count = async (body: Record<string, unknown>): Promise<number> => {
    const a = await ok({ aggregates: [{ fn: 'count' }], ...body });
    return a.rows[0]?.['count'] as number;
  };

  before(async () => {
    b = await open();
    const now = Date.now();
    spans = makeSpans('a', 60, now);
    logs = makeLogs('alpha', now);
    await sendOtlp(b, '/v1/traces', spansRequest(spans), b.keyA);
    await sendOtlp(b, '/v1/logs', logsRequest(logs), b.keyA);
    // Tenant B: more of the same, which tenant A must never count.
    await sendOtlp(b, '/v1/traces', spansRequest(makeSpans('b', 30, now)), b.keyB);
    await sendOtlp(b, '/v1/logs', logsRequest(makeLogs('bravo', now)), b.keyB);
    for (const [key, n, m] of [[b.keyA, 60, logs.length], [b.keyB, 30, logs.length]] as const) {
      await eventually('all rows stored', 90_000, async () => {
        const s = await query({ signal: 'traces', aggregates: [{ fn: 'count' }] }, key);
        const l = await query({ signal: 'logs', aggregates: [{ fn: 'count' }] }, key);
        return s.body.rows[0]?.['count'] === n && l.body.rows[0]?.['count'] === m ? true : undefined;
      });
    }
  });

  after(async () => {
    await b.close();
  });

  void it('aggregates spans by group: count, sum, avg, min, max, uniq, quantiles', async () => {
    const a = await ok({
      signal: 'traces',
      groupBy: ['service', 'name'],
      aggregates: [
        { fn: 'count' },
        { fn: 'sum', field: 'duration' },
        { fn: 'avg', field: 'duration' },
        { fn: 'min', field: 'duration' },
        { fn: 'max', field: 'duration', as: 'slowest' },
        { fn: 'uniq', field: 'trace_id' },
        { fn: 'quantile', field: 'duration', q: 0.99 },
        { fn: 'quantile', field: 'duration', q: 0.5, as: 'p50' },
      ],
      orderBy: [{ name: 'service' }, { name: 'name', dir: 'desc' }],
    });
    assert.deepEqual(a.columns.map((c) => [c.name, c.kind]), [
      ['service', 'group'], ['name', 'group'], ['count', 'aggregate'], ['sum(duration)', 'aggregate'], ['avg(duration)', 'aggregate'],
      ['min(duration)', 'aggregate'], ['slowest', 'aggregate'], ['uniq(trace_id)', 'aggregate'], ['quantile(0.99)(duration)', 'aggregate'], ['p50', 'aggregate'],
    ]);
    const groups = [...groupCount(spans, (s) => `${s.service}\n${s.name}`).entries()].sort(([x], [y]) => {
      const [xs = '', xn = ''] = x.split('\n');
      const [ys = '', yn = ''] = y.split('\n');
      return xs === ys ? (xn < yn ? 1 : -1) : xs < ys ? -1 : 1;
    });
    assert.equal(a.rows.length, groups.length);
    groups.forEach(([, ss], i) => {
      const row = a.rows[i] ?? {};
      const ms = ss.map((s) => Number(s.durationNs) / 1e6);
      assert.equal(row['service'], ss[0]?.service);
      assert.equal(row['name'], ss[0]?.name);
      assert.equal(row['count'], ss.length);
      close(row['sum(duration)'], ms.reduce((x, y) => x + y, 0), 'sum');
      close(row['avg(duration)'], ms.reduce((x, y) => x + y, 0) / ms.length, 'avg');
      close(row['min(duration)'], Math.min(...ms), 'min');
      close(row['slowest'], Math.max(...ms), 'max');
      assert.equal(row['uniq(trace_id)'], new Set(ss.map((s) => s.traceId)).size);
      close(row['quantile(0.99)(duration)'], quantile(ms, 0.99), 'p99');
      close(row['p50'], quantile(ms, 0.5), 'p50');
    });
    assert.ok(a.stats.rowsRead >= 60 && a.stats.bytesRead > 0);
  });

  void it('groups by attributes (absent = null), filters, having, order and limit', async () => {
    const a = await ok({
      signal: 'traces',
      filters: [{ field: 'status', op: '!=', value: 'error' }, { field: 'resource.k8s.pod.name', op: '=~', value: '^pod-[0-2]$' }],
      groupBy: ['span.http.status_code'],
      aggregates: [{ fn: 'count', as: 'n' }, { fn: 'avg', field: 'span.retry.delay' }],
      orderBy: [{ name: 'span.http.status_code', dir: 'asc' }],
    });
    const kept = spans.filter((s) => s.status !== 2 && /^pod-[0-2]$/.test(s.pod));
    const byCode = groupCount(kept, (s) => (s.attrs['http.status_code'] === undefined ? 'null' : storedText(s.attrs['http.status_code'])));
    const want = [...byCode.entries()]
      .sort(([x], [y]) => (x === 'null' ? 1 : y === 'null' ? -1 : x < y ? -1 : 1))
      .map(([code, ss]) => ({ code: code === 'null' ? null : code, n: ss.length, avg: ss.reduce((t, s) => t + Number(storedText(s.attrs['retry.delay'] ?? '0')), 0) / ss.length }));
    assert.deepEqual(a.rows.map((r) => [r['span.http.status_code'], r['n']]), want.map((w) => [w.code, w.n]));
    a.rows.forEach((r, i) => {
      close(r['avg(span.retry.delay)'], want[i]?.avg ?? Number.NaN, 'avg attr');
    });

    const top = await ok({
      signal: 'traces',
      groupBy: ['resource.k8s.pod.name'],
      aggregates: [{ fn: 'count' }, { fn: 'max', field: 'span.http.status_code' }],
      having: [{ name: 'count', op: '>=', value: 15 }],
      orderBy: [{ name: 'max(span.http.status_code)', dir: 'desc' }],
      limit: 2,
    });
    const pods = [...groupCount(spans, (s) => s.pod).entries()]
      .filter(([, ss]) => ss.length >= 15)
      .map(([pod, ss]) => ({ pod, max: Math.max(...ss.map((s) => Number(storedText(s.attrs['http.status_code'] ?? '-1')))) }))
      .sort((x, y) => y.max - x.max || (x.pod < y.pod ? -1 : 1))
      .slice(0, 2);
    assert.deepEqual(top.rows.map((r) => [r['resource.k8s.pod.name'], r['max(span.http.status_code)']]), pods.map((p) => [p.pod, p.max]));
  });

  void it('buckets logs in time, with full text and severity filters', async () => {
    const a = await ok({
      signal: 'logs',
      q: 'TIMED -nasty',
      filters: [{ field: 'severity', op: '>=', value: 'warn' }],
      groupBy: ['service'],
      bucket: 600,
      aggregates: [{ fn: 'count' }, { fn: 'sum', field: 'log.bytes' }],
      orderBy: [{ name: 'bucket' }, { name: 'service' }],
    });
    const kept = logs.filter((l) => l.body.includes('timed') && l.severityNumber >= 13);
    const bucketOf = (l: TestLog): string => new Date(Number(l.timeNs / 1_000_000_000n / 600n) * 600_000).toISOString();
    const want = [...groupCount(kept, (l) => `${bucketOf(l)} ${l.service}`).entries()]
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([, ls]) => [bucketOf(ls[0] as TestLog), ls[0]?.service, ls.length, ls.reduce((t, l) => t + Number(storedText(l.attrs['bytes'] ?? '0')), 0)]);
    assert.ok(want.length > 1);
    assert.deepEqual(a.rows.map((r) => [r['bucket'], r['service'], r['count'], r['sum(log.bytes)']]), want);
    assert.deepEqual(a.columns.map((c) => c.kind), ['group', 'bucket', 'aggregate', 'aggregate']);
  });

  void it('never counts another tenant\'s rows; the tenant is not a field', async () => {
    assert.equal(await count({ signal: 'traces' }), 60);
    const asB = await ok({ signal: 'traces', groupBy: ['service'], aggregates: [{ fn: 'count' }], orderBy: [{ name: 'service' }] }, b.keyB);
    assert.deepEqual(asB.rows.map((r) => r['count']), [10, 10, 10]);
    assert.equal(await count({ signal: 'logs', q: 'bravo' }), 0);
    for (const body of [
      { signal: 'traces', filters: [{ field: 'tenant', op: '=', value: 'team-b' }], aggregates: [{ fn: 'count' }] },
      { signal: 'traces', groupBy: ['tenant'], aggregates: [{ fn: 'count' }] },
      { signal: 'traces', aggregates: [{ fn: 'uniq', field: 'tenant' }] },
      { signal: 'traces', tenant: 'team-b', aggregates: [{ fn: 'count' }] },
    ]) {
      const r = await query(body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
  });

  void it('finds stored hostile strings exactly, through every kind of filter and group', async () => {
    const total = logs.length;
    for (const [j, s] of NASTY.entries()) {
      const eq = await ok({ signal: 'logs', filters: [{ field: 'log.nasty', op: '=', value: s }], groupBy: ['log.j'], aggregates: [{ fn: 'count' }] });
      assert.deepEqual(eq.rows, [{ 'log.j': String(j), count: 1 }], JSON.stringify(s));
      assert.equal(await count({ signal: 'logs', filters: [{ field: 'log.nasty', op: '!=', value: s }] }), total - 1);
      const regex = await query({ signal: 'logs', filters: [{ field: 'log.nasty', op: '=~', value: `^${regexEscape(s)}$` }], aggregates: [{ fn: 'count' }] });
      if (s.includes('\0')) {
        assert.equal(regex.status, 400);
        assert.equal(regex.body.error?.field, 'filters[0].value');
      } else {
        assert.equal(regex.body.rows[0]?.['count'], 1, `regex ${JSON.stringify(s)}`);
      }
      const inBody = logs.filter((l) => l.body.toLowerCase().includes(s.toLowerCase())).length;
      assert.equal(await count({ signal: 'logs', q: phrase(s) }), inBody, `phrase ${JSON.stringify(s)}`);
    }
    const values = await ok({ signal: 'logs', filters: [{ field: 'log.nasty', op: 'exists' }], groupBy: ['log.nasty'], aggregates: [{ fn: 'count' }], orderBy: [{ name: 'log.nasty' }] });
    assert.deepEqual(values.rows.map((r) => r['log.nasty']).sort(), [...NASTY].sort());
  });

  void it('matches generated strings as plain values: no error, no match, no other tenant (property)', async () => {
    const known = new Set([...logs.map((l) => l.service), ...NASTY]);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }).filter((v) => !known.has(v)),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((k) => !['nasty', 'j', 'bytes'].includes(k)),
        async (v, k) => {
          assert.equal(await count({ signal: 'logs', filters: [{ field: `log.${k}`, op: '=', value: v }] }), 0);
          assert.equal(await count({ signal: 'logs', filters: [{ field: `resource.${k}`, op: '!=', value: v }] }), logs.length);
          assert.equal(await count({ signal: 'logs', filters: [{ field: 'service', op: '=', value: v }] }), 0);
          assert.equal(await count({ signal: 'traces', filters: [{ field: 'name', op: '=~', value: `^${regexEscape(v.replaceAll('\0', ''))}$|^$` }] }), 0);
          const c = await count({ signal: 'logs', q: phrase(v) });
          // Case folding of arbitrary Unicode differs between JS and ClickHouse; ASCII is exact.
          if (/^[\x20-\x7e]*$/.test(v)) assert.equal(c, logs.filter((l) => l.body.toLowerCase().includes(v.toLowerCase())).length);
          else assert.ok(c <= logs.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  void it('refuses bad queries with a 400 naming the JSON path', async () => {
    const base = { signal: 'traces', aggregates: [{ fn: 'count' }] };
    const cases: ReadonlyArray<readonly [unknown, string, RegExp]> = [
      [{ ...base, extra: 1 }, 'extra', /unknown property/],
      [{ ...base, aggregates: [{ fn: 'count' }, { fn: 'median', field: 'duration' }] }, 'aggregates[1].fn', /must be one of count, sum, avg, min, max, uniq, quantile/],
      [{ ...base, aggregates: [{ fn: 'avg' }] }, 'aggregates[0].field', /needs a field/],
      [{ ...base, aggregates: [{ fn: 'sum', field: 'service' }] }, 'aggregates[0].field', /numeric field; service is text/],
      [{ ...base, aggregates: [{ fn: 'quantile', field: 'duration' }] }, 'aggregates[0].q', /needs q/],
      [{ ...base, aggregates: [{ fn: 'count', as: 'x; DROP' }] }, 'aggregates[0].as', /expected string to match/],
      [{ ...base, filters: [{ field: 'duration', op: 'like', value: 1 }] }, 'filters[0].op', /must be one of/],
      [{ ...base, filters: [{ field: 'nope', op: '=', value: 1 }] }, 'filters[0].field', /unknown field "nope"/],
      [{ ...base, filters: [{ field: 'span.x', op: '=~', value: 'a**' }] }, 'filters[0].value', /RE2/],
      [{ ...base, groupBy: ['service; DROP TABLE spans'] }, 'groupBy[0]', /unknown field/],
      [{ ...base, having: [{ name: 'nope', op: '>', value: 1 }] }, 'having[0].name', /not an aggregate/],
      [{ ...base, orderBy: [{ name: 'count) --' }] }, 'orderBy[0].name', /not a column/],
      [{ ...base, q: 'x' }, 'q', /logs only/],
      [{ ...base, limit: 10_001 }, 'limit', /10000/],
      [{ ...base, limit: '5' }, 'limit', /integer/i],
      [{ ...base, start: 'now-8d' }, 'start', /168 hours/],
      [{ ...base, end: "now'; --" }, 'end', /RFC 3339/],
      [{ ...base, bucket: 1, start: 'now-7d' }, 'bucket', /buckets/],
      [{ ...base, signal: 'metrics' }, 'signal', /must be one of traces, logs/],
      [{ aggregates: [{ fn: 'count' }] }, 'signal', /required/],
      [{ ...base, aggregates: [] }, 'aggregates', /length/],
      [{ ...base, aggregates: [{ fn: 'count' }, { fn: 'count' }] }, 'aggregates[1]', /used twice/],
      [[1, 2], 'body', /object/i],
    ];
    for (const [body, field, message] of cases) {
      const r = await query(body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, 'INVALID_ARGUMENT');
      assert.equal(r.body.error.field, field, JSON.stringify(body));
      assert.match(r.body.error.message, message, JSON.stringify(body));
    }
    const notJson = await query('{"signal": "traces", ');
    assert.equal(notJson.status, 400);
  });

  void it('refuses queries over the read limits or the deadline with a clear error', async () => {
    const cases: ReadonlyArray<readonly [ReadLimits, unknown, RegExp]> = [
      [{ ...DEFAULT_READ_LIMITS, maxRowsToRead: 5 }, { signal: 'traces', aggregates: [{ fn: 'count' }] }, /row limit \(at most 5 rows read/],
      [{ ...DEFAULT_READ_LIMITS, maxGroups: 3 }, { signal: 'traces', groupBy: ['span_id'], aggregates: [{ fn: 'count' }] }, /3 groups/],
      [{ ...DEFAULT_READ_LIMITS, maxBytesToRead: 100 }, { signal: 'logs', aggregates: [{ fn: 'uniq', field: 'body' }] }, /more than 100 bytes/],
    ];
    for (const [limits, body, message] of cases) {
      const app = limitedApp(b, limits, 10_000);
      try {
        const r = await app.inject({ method: 'POST', url: '/api/v1/query', payload: body as object });
        assert.equal(r.statusCode, 400, r.body);
        assert.match(r.body, message);
      } finally {
        await app.close();
      }
    }
    const late = limitedApp(b, DEFAULT_READ_LIMITS, 1);
    try {
      const r = await late.inject({ method: 'POST', url: '/api/v1/query', payload: { signal: 'traces', groupBy: ['span_id'], aggregates: [{ fn: 'quantile', field: 'duration', q: 0.5 }] } });
      assert.equal(r.statusCode, 504, r.body);
      assert.match(r.body, /TIMEOUT.*did not finish within 1 ms/);
    } finally {
      await late.close();
    }
  });

  void it('documents the search and query endpoints in the OpenAPI document', async () => {
    const res = await fetch(`${b.queryUrl}/docs/json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string }>; requestBody?: unknown }>> };
    for (const path of ['/api/v1/traces', '/api/v1/logs', '/api/v1/logs/tail', '/api/v1/query']) assert.ok(doc.paths[path] !== undefined, path);
    assert.ok(doc.paths['/api/v1/traces']?.['get']?.parameters?.some((p) => p.name === 'filter'));
    assert.ok(doc.paths['/api/v1/query']?.['post']?.requestBody !== undefined);
  });
}

void describe('query DSL on the ClickHouse 18.16 cluster (through Kafka)', () => {
  exercise(() => clusterBackend('qdsl'));
});

void describe('query DSL on the embedded engine (chdb)', () => {
  exercise(() => embeddedBackend());
});
