// The same migrations, insert and trace read on the embedded current engine (chdb, single node)
// and on the local ClickHouse 18.16 cluster (replicated + Distributed): migration 1 applies once,
// encoded spans go in as JSONEachRow, and readTrace returns every trace exactly as written. This is
// what lets one SQL codebase serve both dialects. An upgrade from schema v4 is exercised on both:
// traces stored before spans_by_trace existed are still read whole.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import { addColumn, dropDatabase } from '../../common/clickhouse/ddl.ts';
import { migrate, migrations } from '../../common/clickhouse/migrations.ts';
import { encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { databaseIdentifier, identifier, qualified, raw, sql } from '../../common/clickhouse/sql.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { SpanRecord } from '../../common/model/span.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { readTrace } from '../../query/traces/trace-reader.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { stackEndpoints, uniqueName } from './support/stack-env.ts';
import { BATCH_MARK_COLUMN, redMinutelyTable } from '../../common/clickhouse/tables/red-minutely.ts';

const SPANS = 50;
const TENANT = 'tenant-a';
const DDL_TIMEOUT_MS = 120_000;

/**
 * Synthetic spans, every seventh one carrying what is hardest to store: text with quotes,
 * backslashes, NUL and non-ASCII, every attribute type (NaN and infinities included), events with
 * 64-bit times and links.
 */
function spans(salt: string): SpanRecord[] {
  return Array.from({ length: SPANS }, (_, i) => {
    const span = syntheticSpan(i, salt, TENANT);
    if (i % 7 !== 3) return span;
    return {
      ...span,
      traceState: 'vendor=a,other=b',
      statusMessage: `quote ' double " backslash \\ nul \0 newline \n tab \t é 😀 \u2028`,
      attributes: [
        ...span.attributes,
        { key: "k'ey\\", value: { type: 'string', value: '{"json":"text"}\0' } },
        { key: 'int.min', value: { type: 'int', value: -(2n ** 63n) } },
        { key: 'double', value: { type: 'double', value: 0.1 } },
        { key: 'nan', value: { type: 'double', value: Number.NaN } },
        { key: 'inf', value: { type: 'double', value: Number.NEGATIVE_INFINITY } },
        { key: 'bytes', value: { type: 'bytes', value: new Uint8Array([0, 39, 92, 255]) } },
        { key: 'array', value: { type: 'array', value: [{ type: 'bool', value: true }, { type: 'empty' }] } },
        { key: 'kvlist', value: { type: 'kvlist', value: [{ key: 'inner', value: { type: 'int', value: 7n } }] } },
      ],
      events: [
        { timeUnixNano: span.startTimeUnixNano + 1n, name: 'exception', attributes: [{ key: 'exception.type', value: { type: 'string', value: 'Timeout' } }], droppedAttributesCount: 1 },
        { timeUnixNano: 2n ** 64n - 1n, name: 'late', attributes: [], droppedAttributesCount: 0 },
      ],
      droppedEventsCount: 2,
      links: [{ traceId: 'f'.repeat(32), spanId: '1'.repeat(16), traceState: 'l=1', attributes: [], droppedAttributesCount: 0, flags: 0xffff_ffff }],
      droppedLinksCount: 3,
    };
  });
}

function byStartThenId(a: SpanRecord, b: SpanRecord): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

/** Migrates twice, inserts the spans, and reads every trace back through readTrace. */
async function exercise(ch: SqlRunner, target: StorageTarget, insertSettings: Settings, salt: string): Promise<void> {
  const by = { epoch: 7n, member: 'embedded-engine-test' };
  const versions = migrations.map((m) => m.version);
  const first = await migrate(ch, target, by);
  assert.deepEqual(first, { applied: versions, alreadyApplied: [] });
  const second = await migrate(ch, target, by);
  assert.deepEqual(second, { applied: [], alreadyApplied: versions });

  const written = spans(salt);
  await insertSpans(ch, target, written, insertSettings);

  const traces = new Map<string, SpanRecord[]>();
  for (const span of written) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  assert.equal(traces.size, SPANS / 5);
  const options = { signal: AbortSignal.timeout(60_000), timeoutMs: 30_000, maxSpans: 1000 };
  for (const [traceId, expected] of traces) {
    const result = await readTrace(ch, target, TENANT, traceId, options);
    assert.ok(result !== null, `trace ${traceId} not found`);
    assert.equal(result.truncated, false);
    assert.deepEqual(result.spans, [...expected].sort(byStartThenId), `trace ${traceId}`);
  }
  // Truncation, another tenant and an unknown trace.
  const [someTrace] = traces.keys();
  assert.ok(someTrace !== undefined);
  const truncated = await readTrace(ch, target, TENANT, someTrace, { ...options, maxSpans: 2 });
  assert.equal(truncated?.truncated, true);
  assert.equal(truncated.spans.length, 2);
  assert.equal(await readTrace(ch, target, 'tenant-b', someTrace, options), null);
  assert.equal(await readTrace(ch, target, TENANT, '0'.repeat(32), options), null);
}

/** As the ingester writes spans: into spans_ingest (schema v5 on), or into spans (before). */
async function insertSpans(ch: SqlRunner, target: StorageTarget, rows: readonly SpanRecord[], settings: Settings, into = 'spans_ingest'): Promise<void> {
  const table = qualified(databaseIdentifier(target.database.name), identifier(into, ['spans_ingest', 'spans']));
  await ch.insertJsonEachRow(table, rows.map(encodeSpanRow).join('\n') + '\n', { settings, timeoutMs: DDL_TIMEOUT_MS });
}

async function rowsByTrace(ch: SqlRunner, target: StorageTarget, traceId: string): Promise<number> {
  const table = qualified(databaseIdentifier(target.database.name), identifier('spans_by_trace', ['spans_by_trace']));
  const [row] = await ch.queryRows<{ n: string }>(sql`SELECT toString(count()) AS n FROM ${table} WHERE trace_id = ${traceId}`);
  return Number(row?.n);
}

/** Five spans of one trace starting `agoS` seconds ago; `salt` makes the trace. */
function recentTrace(salt: string, agoS: number): SpanRecord[] {
  const start = (BigInt(Date.now()) - BigInt(agoS) * 1000n) * 1_000_000n;
  return Array.from({ length: 5 }, (_, i) => {
    const span = syntheticSpan(i, salt, TENANT);
    const at = start + BigInt(i) * 1_000_000n;
    return { ...span, startTimeUnixNano: at, endTimeUnixNano: at + 500_000n };
  });
}

/**
 * A database at schema v4 with two traces: one from three hours ago, one in flight (three of its
 * five spans stored). The upgrade to v5 runs, the in-flight trace's last two spans arrive through
 * spans_ingest, and both traces read back whole: the old one from `spans` (spans_by_trace never
 * saw it), the in-flight one from spans_by_trace (the upgrade copied its first spans, the view fed
 * the rest). Each span is in the trace index and counted once by the RED rollup: the views v1 and
 * v4 hung off `spans` are gone, or the last two would be counted twice.
 */
async function upgradeFromV4(ch: SqlRunner, target: StorageTarget, insertSettings: Settings, salt: string): Promise<void> {
  const by = { epoch: 3n, member: 'upgrade-test' };
  assert.deepEqual(await migrate(ch, target, by, 4), { applied: [1, 2, 3, 4], alreadyApplied: [] });
  const old = recentTrace(`${salt}-old`, 3 * 3600);
  const inFlight = recentTrace(`${salt}-in-flight`, 60);
  await insertSpans(ch, target, [...old, ...inFlight.slice(0, 3)], insertSettings, 'spans');
  // v1-v4 create tables from today's definitions, which have the rollups' batch mark; a database
  // made by the v4 code has not. Take it off red_minutely, as that code left it: v5 must add it
  // there and skip the ALTER where the column exists (18.16 has no ADD COLUMN IF NOT EXISTS, and
  // a repeated ALTER would fail forever: a leader that stopped part-way through v5 meets that).
  const add = addColumn(redMinutelyTable, BATCH_MARK_COLUMN, target).statement.text;
  await ch.command(raw(add.replace(/ ADD COLUMN `batch_mark` .*$/, ' DROP COLUMN `batch_mark`')), { timeoutMs: DDL_TIMEOUT_MS });
  assert.deepEqual(await migrate(ch, target, by), { applied: [5], alreadyApplied: [1, 2, 3, 4] });
  if (target.topology.kind === 'cluster') {
    // An ingester of the previous version, still writing into spans, is refused (and retries:
    // Kafka keeps its batch) instead of storing spans the views never see.
    await assert.rejects(insertSpans(ch, target, inFlight.slice(3), { ...insertSettings }, 'spans'), /throwIf/);
  }
  await insertSpans(ch, target, inFlight.slice(3), insertSettings);

  const options = { signal: AbortSignal.timeout(60_000), timeoutMs: 30_000, maxSpans: 1000 };
  for (const trace of [old, inFlight]) {
    const traceId = trace[0]?.traceId ?? '';
    const result = await readTrace(ch, target, TENANT, traceId, options);
    assert.deepEqual(result?.spans, [...trace].sort(byStartThenId), `trace ${traceId}`);
  }
  assert.equal(await rowsByTrace(ch, target, old[0]?.traceId ?? ''), 0, 'the old trace is read from spans');
  assert.equal(await rowsByTrace(ch, target, inFlight[0]?.traceId ?? ''), 5, 'the in-flight trace is whole in spans_by_trace');
  const red = qualified(databaseIdentifier(target.database.name), identifier('red_minutely', ['red_minutely']));
  const [calls] = await ch.queryRows<{ n: string }>(sql`SELECT toString(countMerge(calls)) AS n FROM ${red} WHERE tenant = ${TENANT}`);
  assert.equal(calls?.n, '10', 'every span counted once by the RED rollup, before and after the upgrade');
}

function runner(endpoint: ClickHouseEndpoint): SqlRunner {
  return createClickHouse({ endpoint, requestTimeoutMs: DDL_TIMEOUT_MS, retry: defaultClickHouseRetry, logger: createLogger('silent', 'test-embedded-engine') });
}

void describe('one SQL codebase on both dialects', () => {
  void it('embedded engine (chdb, single node): migrate, insert, read every trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-embedded-'));
    const ch = runner({ kind: 'embedded', path: dir });
    try {
      assert.equal(ch.engine, 'embedded');
      await exercise(ch, storageTarget('cairn_embedded', null), {}, 'embedded');
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('embedded engine: an upgrade from schema v4 keeps every trace readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-embedded-'));
    const ch = runner({ kind: 'embedded', path: dir });
    try {
      await upgradeFromV4(ch, storageTarget('cairn_upgrade', null), {}, 'embedded');
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('ClickHouse 18.16 cluster: an upgrade from schema v4 keeps every trace readable', async () => {
    const ch = runner({ kind: 'server', url: stackEndpoints().clickhouseHttp[0] ?? '', username: 'default', password: '' });
    const target = storageTarget(uniqueName('upgrade_v5'), stackEndpoints().clickhouseCluster);
    try {
      await upgradeFromV4(ch, target, { insert_distributed_sync: 1, insert_quorum: 2 }, 'cluster');
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
      await ch.close();
    }
  });

  void it('ClickHouse 18.16 cluster (replicated, Distributed): the same steps, same results', async () => {
    const ch = runner({ kind: 'server', url: stackEndpoints().clickhouseHttp[0] ?? '', username: 'default', password: '' });
    const target = storageTarget(uniqueName('embedded_cmp'), stackEndpoints().clickhouseCluster);
    try {
      assert.equal(ch.engine, 'server');
      await exercise(ch, target, { insert_distributed_sync: 1, insert_quorum: 2 }, 'cluster');
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
      await ch.close();
    }
  });
});
