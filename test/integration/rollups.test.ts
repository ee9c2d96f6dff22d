// The RED and service-graph rollups on both dialects: spans with known services, kinds, durations
// and statuses go into spans, the views fill red_minutely and the peer-attribute edges, the job
// fills the parent/child edges, and every merged answer is checked against the same numbers
// computed here from the spans: counts, error counts and duration sums exactly, quantiles within a
// rank tolerance (t-digest is approximate).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import { dropDatabase } from '../../common/clickhouse/ddl.ts';
import { runServiceEdgesJob, serviceEdgesJobStatement } from '../../common/clickhouse/rollups/service-edges-job.ts';
import { encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { identifier, qualified, raw, sql } from '../../common/clickhouse/sql.ts';
import { DURATION_QUANTILE_LEVELS, durationQuantilesMerge, redMinutelyTable } from '../../common/clickhouse/tables/red-minutely.ts';
import { EdgeOrigin, serviceEdgesMinutelyTable } from '../../common/clickhouse/tables/service-edges-minutely.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { SpanKind, StatusCode } from '../../common/model/span.ts';
import type { Attribute, SpanRecord } from '../../common/model/span.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { stackEndpoints, uniqueName } from './support/stack-env.ts';
import { spansIngestTable } from '../../common/clickhouse/tables/spans-ingest.ts';
import { migrate } from '../../common/clickhouse/migrations.ts';

const DDL_TIMEOUT_MS = 120_000;
const TRACES = 400;
const BASE_S = 1_763_805_600; // 2025-11-22T10:00:00Z, a whole hour
const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
/** Allowed rank error of a t-digest quantile (ClickHouse documents none; its digest keeps ~1%). */
const RANK_TOLERANCE = 0.03;

interface SpanSpec {
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly offsetMs: number;
  readonly error: boolean;
  readonly attributes: readonly Attribute[];
}

const str = (key: string, value: string): Attribute => ({ key, value: { type: 'string', value } });

/** One trace: frontend SERVER -> frontend CLIENT -> payments SERVER -> payments PRODUCER -> worker CONSUMER. */
function trace(t: number, salt: string): SpanRecord[] {
  const callee = t % 3 === 0 ? [str('peer.service', 'payments')] : t % 3 === 1 ? [str('server.address', 'payments.internal')] : [];
  const specs: SpanSpec[] = [
    { service: 'frontend', name: 'GET /checkout', kind: SpanKind.SERVER, offsetMs: 0, error: t % 9 === 0, attributes: [] },
    { service: 'frontend', name: 'POST /pay', kind: SpanKind.CLIENT, offsetMs: 1, error: t % 5 === 0, attributes: [str('http.method', 'POST'), ...callee] },
    { service: 'payments', name: 'POST /pay', kind: SpanKind.SERVER, offsetMs: 2, error: t % 4 === 0, attributes: [] },
    { service: 'payments', name: 'publish', kind: SpanKind.PRODUCER, offsetMs: 3, error: t % 7 === 0, attributes: [] },
    // Starts 30 s later, often in the next minute: the job's child window has to reach it.
    { service: 'worker', name: 'process', kind: SpanKind.CONSUMER, offsetMs: 30_000, error: t % 6 === 0, attributes: [] },
  ];
  const rootStartNs = BigInt(BASE_S + (t % 2) * 60) * NS_PER_S + BigInt(t) * 100n * NS_PER_MS;
  const spans: SpanRecord[] = [];
  specs.forEach((spec, k) => {
    const base = syntheticSpan(t * 5 + k, salt, t % 10 === 9 ? 'tenant-b' : 'tenant-a');
    const start = rootStartNs + BigInt(spec.offsetMs) * NS_PER_MS;
    const duration = 1_000_000n + BigInt((t * 37 + k * 101) % 997) * 10_000n + BigInt(t);
    spans.push({
      ...base,
      parentSpanId: k === 0 ? '' : (spans[k - 1]?.spanId ?? ''),
      name: spec.name,
      kind: spec.kind,
      serviceName: spec.service,
      resourceAttributes: [str('service.name', spec.service)],
      startTimeUnixNano: start,
      endTimeUnixNano: start + duration,
      statusCode: spec.error ? StatusCode.ERROR : StatusCode.UNSET,
      statusMessage: spec.error ? 'failed' : '',
      attributes: spec.attributes,
    });
  });
  return spans;
}

interface Expected {
  calls: number;
  errors: number;
  durations: bigint[];
}

const minuteOf = (s: SpanRecord): number => Number(s.startTimeUnixNano / NS_PER_S / 60n) * 60;
const durationOf = (s: SpanRecord): bigint => s.endTimeUnixNano - s.startTimeUnixNano;
const isError = (s: SpanRecord): boolean => s.statusCode === StatusCode.ERROR;

function add(map: Map<string, Expected>, key: string, error: boolean, duration: bigint): void {
  const e = map.get(key) ?? { calls: 0, errors: 0, durations: [] };
  e.calls += 1;
  e.errors += error ? 1 : 0;
  e.durations.push(duration);
  map.set(key, e);
}

/** RED per (tenant, minute, service, name, kind) over every stored row, duplicates included. */
function expectedRed(rows: readonly SpanRecord[]): Map<string, Expected> {
  const map = new Map<string, Expected>();
  for (const s of rows) add(map, [s.tenant, minuteOf(s), s.serviceName, s.name, s.kind].join('|'), isError(s), durationOf(s));
  return map;
}

/** Edges named by the client span's peer.service, else server.address. */
function expectedPeerEdges(rows: readonly SpanRecord[]): Map<string, Expected> {
  const map = new Map<string, Expected>();
  for (const s of rows) {
    if (s.kind !== SpanKind.CLIENT && s.kind !== SpanKind.PRODUCER) continue;
    const attr = (key: string): string => {
      const v = s.attributes.find((a) => a.key === key)?.value;
      return v?.type === 'string' ? v.value : '';
    };
    const callee = attr('peer.service') !== '' ? attr('peer.service') : attr('server.address');
    if (callee === '' || callee === s.serviceName) continue;
    add(map, [s.tenant, minuteOf(s), s.serviceName, callee].join('|'), isError(s), durationOf(s));
  }
  return map;
}

/** Edges from distinct parent/child pairs across services, parents in [fromS, toS). */
function expectedJobEdges(rows: readonly SpanRecord[], fromS: number, toS: number): Map<string, Expected> {
  const unique = new Map(rows.map((s) => [`${s.tenant}|${s.traceId}|${s.spanId}`, s]));
  const map = new Map<string, Expected>();
  for (const child of unique.values()) {
    const parent = unique.get(`${child.tenant}|${child.traceId}|${child.parentSpanId}`);
    if (parent === undefined || parent.serviceName === child.serviceName) continue;
    const startS = Number(parent.startTimeUnixNano / NS_PER_S);
    if (startS < fromS || startS >= toS) continue;
    add(map, [parent.tenant, minuteOf(parent), parent.serviceName, child.serviceName].join('|'), isError(parent) || isError(child), durationOf(parent));
  }
  return map;
}

interface MergedRow {
  key: string;
  calls: string;
  errors: string;
  duration_sum: string;
  q: number[];
}

/** The value at rank r (0..1) of sorted values: the lower neighbour below the median, the upper above. */
function at(sorted: readonly bigint[], r: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, r * (sorted.length - 1)));
  return Number(sorted[r < 0.5 ? Math.floor(i) : Math.ceil(i)] ?? 0n);
}

function assertMerged(rows: readonly MergedRow[], expected: Map<string, Expected>, what: string): void {
  assert.deepEqual(rows.map((r) => r.key).sort(), [...expected.keys()].sort(), `${what}: groups`);
  for (const row of rows) {
    const e = expected.get(row.key);
    assert.ok(e !== undefined);
    assert.equal(Number(row.calls), e.calls, `${what} ${row.key}: calls`);
    assert.equal(Number(row.errors), e.errors, `${what} ${row.key}: errors`);
    assert.equal(BigInt(row.duration_sum), e.durations.reduce((a, b) => a + b, 0n), `${what} ${row.key}: duration sum`);
    const sorted = [...e.durations].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    DURATION_QUANTILE_LEVELS.forEach((p, i) => {
      const v = row.q[i];
      assert.ok(v !== undefined, `${what} ${row.key}: quantile ${p}`);
      // Float32 results: one part in 2^23 of slack on each side.
      // One value of slack besides the tolerance, which matters in the small groups.
      const slack = RANK_TOLERANCE + 1 / sorted.length;
      const lo = at(sorted, p - slack) * (1 - 2 ** -22);
      const hi = at(sorted, p + slack) * (1 + 2 ** -22);
      assert.ok(v >= lo && v <= hi, `${what} ${row.key}: q${p} = ${v} outside [${lo}, ${hi}] (n=${sorted.length})`);
    });
  }
}

async function exercise(ch: SqlRunner, target: StorageTarget, insertSettings: Settings, salt: string): Promise<void> {
  // The schema as it ships: spans are written to spans_ingest, whose views feed the rollups.
  await migrate(ch, target, { epoch: 1n, member: 'rollups-test' });

  const written = Array.from({ length: TRACES }, (_, t) => trace(t, salt)).flat();
  // The producer of trace 0 stored again in a later block: the views count it twice, the job once.
  const duplicate = written[3];
  assert.ok(duplicate?.kind === SpanKind.PRODUCER);
  const blocks = [written.slice(0, written.length / 2), written.slice(written.length / 2), [duplicate]];
  // Written as the ingester writes them: into spans_ingest, whose views feed spans and the rollups.
  const ingest = qualified(target.database, identifier(spansIngestTable.name, [spansIngestTable.name]));
  for (const block of blocks) {
    await ch.insertJsonEachRow(ingest, block.map(encodeSpanRow).join('\n') + '\n', { settings: insertSettings, timeoutMs: DDL_TIMEOUT_MS });
  }
  const stored = blocks.flat();
  const read = { timeoutMs: 30_000 };

  const red = qualified(target.database, identifier(redMinutelyTable.name, [redMinutelyTable.name]));
  const redRows = await ch.queryRows<MergedRow>(
    sql`SELECT concat(tenant, '|', toString(toUnixTimestamp(minute)), '|', service_name, '|', name, '|', toString(kind)) AS key, countMerge(calls) AS calls, sumMerge(errors) AS errors, sumMerge(duration_sum) AS duration_sum, ${raw(durationQuantilesMerge('duration_quantiles'))} AS q FROM ${red} GROUP BY key`,
    read,
  );
  assertMerged(redRows, expectedRed(stored), 'red_minutely');

  const edges = qualified(target.database, identifier(serviceEdgesMinutelyTable.name, [serviceEdgesMinutelyTable.name]));
  const edgeRows = (origin: number): Promise<MergedRow[]> =>
    ch.queryRows<MergedRow>(
      sql`SELECT concat(tenant, '|', toString(toUnixTimestamp(minute)), '|', client_service, '|', server_service) AS key, countMerge(calls) AS calls, sumMerge(errors) AS errors, sumMerge(duration_sum) AS duration_sum, ${raw(durationQuantilesMerge('duration_quantiles'))} AS q FROM ${edges} WHERE origin = ${origin} GROUP BY key`,
      read,
    );
  assertMerged(await edgeRows(EdgeOrigin.PEER_ATTRIBUTE), expectedPeerEdges(stored), 'peer-attribute edges');
  assert.deepEqual(await edgeRows(EdgeOrigin.PARENT_CHILD), [], 'no parent/child edges before the job');

  // The job over the first minute only, then the second: each parent counted in its own minute.
  const minute = (m: number): Date => new Date((BASE_S + m * 60) * 1000);
  const now = minute(60);
  await assert.rejects(runServiceEdgesJob(ch, target, { from: minute(0), to: minute(1) }, { now: minute(1) }), RangeError);
  for (const m of [0, 1]) {
    await runServiceEdgesJob(ch, target, { from: minute(m), to: minute(m + 1) }, { now }, { settings: insertSettings, timeoutMs: DDL_TIMEOUT_MS });
  }
  const jobEdges = expectedJobEdges(stored, BASE_S, BASE_S + 120);
  assert.ok([...jobEdges.keys()].some((k) => k.includes('|payments|worker')), 'the job finds edges nobody annotated');
  assertMerged(await edgeRows(EdgeOrigin.PARENT_CHILD), jobEdges, 'parent/child edges');
}

function runner(endpoint: ClickHouseEndpoint): SqlRunner {
  return createClickHouse({ endpoint, requestTimeoutMs: DDL_TIMEOUT_MS, retry: defaultClickHouseRetry, logger: createLogger('silent', 'test-rollups') });
}

void describe('RED and service-graph rollups on both dialects', () => {
  void it('the job statement is built from whole minutes only', () => {
    const target = storageTarget('cairn_rollups', 'cairn');
    const text = serviceEdgesJobStatement(target, { from: new Date(BASE_S * 1000), to: new Date((BASE_S + 60) * 1000) }).text;
    assert.match(text, /^INSERT INTO `cairn_rollups`\.`service_edges_minutely` \(/);
    assert.match(text, /FROM `cairn_rollups`\.`spans` AS parent FINAL ALL INNER JOIN/);
    assert.match(text, /FROM `cairn_rollups`\.`spans_local` WHERE timestamp >= toDateTime\(1763802000\)/);
    assert.throws(() => serviceEdgesJobStatement(target, { from: new Date(BASE_S * 1000 + 1), to: new Date((BASE_S + 60) * 1000) }), RangeError);
    assert.throws(() => serviceEdgesJobStatement(target, { from: new Date(BASE_S * 1000), to: new Date(BASE_S * 1000) }), RangeError);
  });

  void it('embedded engine (chdb, single node): views and job match the spans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-rollups-'));
    const ch = runner({ kind: 'embedded', path: dir });
    try {
      await exercise(ch, storageTarget('cairn_rollups', null), {}, 'embedded');
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('ClickHouse 18.16 cluster: batches that aggregate to identical rows are all counted; a retried batch once', async () => {
    // A replicated table drops a block identical to a recent one. Two health checks a minute apart
    // in different batches, same service, operation and duration, make identical rollup rows; only
    // the batch mark (a hash of their span ids) tells them apart, and a true retry keeps its mark.
    const endpoints = stackEndpoints();
    const ch = runner({ kind: 'server', url: endpoints.clickhouseHttp[0] ?? '', username: 'default', password: '' });
    const target = storageTarget(uniqueName('rollup_marks'), endpoints.clickhouseCluster);
    const settings = { insert_distributed_sync: 1, insert_quorum: 2 };
    try {
      await migrate(ch, target, { epoch: 1n, member: 'rollups-test' });
      const ingest = qualified(target.database, identifier(spansIngestTable.name, [spansIngestTable.name]));
      const batch = (salt: string): string => {
        const start = BigInt(BASE_S + 5) * 1_000_000_000n;
        const span = (i: number): SpanRecord => ({
          ...syntheticSpan(i, salt),
          traceId: syntheticSpan(0, 'one-trace').traceId,
          serviceName: 'health',
          name: 'GET /healthz',
          kind: SpanKind.CLIENT,
          startTimeUnixNano: start,
          endTimeUnixNano: start + 1_000_000n,
          attributes: [{ key: 'peer.service', value: { type: 'string', value: 'probe' } }],
        });
        return [span(0), span(1)].map(encodeSpanRow).join('\n') + '\n';
      };
      for (const body of [batch('first'), batch('second'), batch('second')]) {
        await ch.insertJsonEachRow(ingest, body, { settings, timeoutMs: DDL_TIMEOUT_MS });
      }
      const count = async (table: string, where: ReturnType<typeof sql>): Promise<string | undefined> => {
        const t = qualified(target.database, identifier(table, [redMinutelyTable.name, serviceEdgesMinutelyTable.name]));
        return (await ch.queryRows<{ n: string }>(sql`SELECT toString(countMerge(calls)) AS n FROM ${t} WHERE ${where}`))[0]?.n;
      };
      assert.equal(await count(redMinutelyTable.name, sql`service_name = 'health'`), '4', 'two batches of two calls; the retry not again');
      assert.equal(await count(serviceEdgesMinutelyTable.name, sql`client_service = 'health'`), '4', 'the same for the service graph');
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
      await ch.close();
    }
  });

  void it('ClickHouse 18.16 cluster (replicated, Distributed): the same steps, same results', async () => {
    const endpoints = stackEndpoints();
    const ch = runner({ kind: 'server', url: endpoints.clickhouseHttp[0] ?? '', username: 'default', password: '' });
    const target = storageTarget(uniqueName('rollups'), endpoints.clickhouseCluster);
    try {
      await exercise(ch, target, { insert_distributed_sync: 1, insert_quorum: 2 }, 'cluster');
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
      await ch.close();
    }
  });
});
