// Retention on both dialects: spans and the RED rollup get rows on several days, then
// dropExpiredPartitions with a fixed `now` drops the expired days of each table (on a cluster also a
// day stored on the other shard only) and keeps the recent ones; a second run drops nothing. The TTL
// clause is offered only by versions that have TTL; applyTtl sets it once on the embedded engine.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import { createTable, dropDatabase, physicalName } from '../../common/clickhouse/ddl.ts';
import {
  applyTtl,
  dropExpiredPartitions,
  expiredPartitionsQuery,
  modifyTtlStatement,
  serverVersion,
  supportsTtl,
  ttlClause,
} from '../../common/clickhouse/retention.ts';
import { encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { redMinutelyTable } from '../../common/clickhouse/tables/red-minutely.ts';
import { schemaMigrationsTable } from '../../common/clickhouse/tables/schema-migrations.ts';
import { spansTable } from '../../common/clickhouse/tables/spans.ts';
import type { TableDef } from '../../common/clickhouse/tables/table-def.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { SpanRecord } from '../../common/model/span.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { stackEndpoints, uniqueName } from './support/stack-env.ts';
import { spansIngestTable } from '../../common/clickhouse/tables/spans-ingest.ts';
import { migrate } from '../../common/clickhouse/migrations.ts';

const DDL_TIMEOUT_MS = 120_000;
const DAY_MS = 86_400_000;
const NOW = new Date('2025-11-30T12:00:00Z');
/** Days before NOW that get rows (at noon, far from any day boundary), and their partition ids. */
const DAYS = [20, 12, 5, 1, 0];
const LONE_DAY = 12;
const dayId = (daysAgo: number): string => new Date(NOW.getTime() - daysAgo * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
const ALL_TIME = new Date('2100-01-01T00:00:00Z');

const ttlProbeTable: TableDef = {
  name: 'ttl_probe',
  columns: [
    { name: 'tenant', type: 'String' },
    { name: 'timestamp', type: 'DateTime' },
  ],
  engine: 'MergeTree',
  partitionBy: 'toDate(timestamp)',
  orderBy: '(tenant, timestamp)',
  placement: { kind: 'sharded', shardingKey: 'cityHash64(tenant)' },
};

/** Spans on every day of DAYS; the LONE_DAY gets one span, so on a cluster one shard holds it. */
function spansOn(daysAgo: number, count: number, salt: string): SpanRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const span = syntheticSpan(i, `${salt}:${daysAgo}`);
    const start = BigInt(NOW.getTime() - daysAgo * DAY_MS) * 1_000_000n + BigInt(i) * 1_000_000_000n;
    return { ...span, startTimeUnixNano: start, endTimeUnixNano: start + 5_000n };
  });
}

async function partitions(ch: SqlRunner, target: StorageTarget, table: TableDef): Promise<string[]> {
  const rows = await ch.queryRows<{ partition_id: string }>(expiredPartitionsQuery(target, table, ALL_TIME), { timeoutMs: 30_000 });
  return rows.map((r) => r.partition_id);
}

/** Polls `done` until it holds, failing after 60 s with what it waited for. */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `servers`: a runner on every server of the target (the one runner on the embedded engine). */
async function exercise(ch: SqlRunner, servers: readonly SqlRunner[], target: StorageTarget, insertSettings: Settings, salt: string): Promise<void> {
  const ddl = { timeoutMs: DDL_TIMEOUT_MS };
  // The schema as it ships: spans are written to spans_ingest, whose views feed red_minutely.
  await migrate(ch, target, { epoch: 1n, member: 'retention-test' });

  let lone = spansOn(LONE_DAY, 1, salt);
  if (target.topology.kind === 'cluster') {
    // Put the lone day on the second shard, away from the server this runner talks to, so only the
    // all-shards listing can find it (Distributed sends slot hash % 2 = 1 to shard 2).
    for (let attempt = 0; ; attempt++) {
      const [slot] = await ch.queryRows<{ slot: number }>(sql`SELECT toUInt8(cityHash64(${lone[0]?.traceId ?? ''}) % 2) AS slot`);
      if (slot?.slot === 1) break;
      lone = spansOn(LONE_DAY, 1, `${salt}:${attempt}`);
    }
  }
  const written = DAYS.flatMap((d) => (d === LONE_DAY ? lone : spansOn(d, 20, salt)));
  const ingest = qualified(target.database, identifier(spansIngestTable.name, [spansIngestTable.name]));
  const spans = qualified(target.database, identifier(spansTable.name, [spansTable.name]));
  await ch.insertJsonEachRow(ingest, written.map(encodeSpanRow).join('\n') + '\n', { settings: insertSettings, timeoutMs: DDL_TIMEOUT_MS });

  const allDays = DAYS.map(dayId).sort();
  assert.deepEqual(await partitions(ch, target, spansTable), allDays);
  assert.deepEqual(await partitions(ch, target, redMinutelyTable), allDays);
  if (target.topology.kind === 'cluster') {
    const local = await ch.queryRows<{ n: string }>(
      sql`SELECT count() AS n FROM system.parts WHERE database = ${target.database.name} AND table = ${physicalName(spansTable, target)} AND active AND partition_id = ${dayId(LONE_DAY)}`,
    );
    assert.equal(Number(local[0]?.n), 0, 'the lone day is on the other shard only');
  }

  const rules = [
    { table: spansTable, days: 3 },
    { table: redMinutelyTable, days: 10 },
  ];
  const dropped = await dropExpiredPartitions(ch, target, rules, NOW, ddl);
  assert.deepEqual(dropped, [
    ...[20, 12, 5].map((d) => ({ table: 'spans', partitionId: dayId(d) })),
    ...[20, 12].map((d) => ({ table: 'red_minutely', partitionId: dayId(d) })),
  ]);
  // On a cluster one replica per shard runs the drop and the other follows through replication a
  // moment later; wait until no server holds a dropped part, then every read is deterministic.
  const tableOf = new Map(rules.map((r) => [r.table.name, physicalName(r.table, target)]));
  for (const server of servers) {
    for (const d of dropped) {
      await until(`every replica to drop ${d.table} ${d.partitionId}`, async () => {
        const [left] = await server.queryRows<{ n: string }>(
          sql`SELECT count() AS n FROM system.parts WHERE database = ${target.database.name} AND table = ${tableOf.get(d.table) ?? ''} AND active AND partition_id = ${d.partitionId}`,
        );
        return Number(left?.n) === 0;
      });
    }
  }
  assert.deepEqual(await partitions(ch, target, spansTable), [1, 0].map(dayId));
  assert.deepEqual(await partitions(ch, target, redMinutelyTable), [5, 1, 0].map(dayId));

  // What queries see: the rows of kept days only, all of them.
  const days = await ch.queryRows<{ day: number; n: string }>(
    sql`SELECT toYYYYMMDD(timestamp) AS day, count() AS n FROM ${spans} GROUP BY day ORDER BY day`,
    { timeoutMs: 30_000 },
  );
  assert.deepEqual(days.map((r) => [String(r.day), Number(r.n)]), [[dayId(1), 20], [dayId(0), 20]]);
  const red = qualified(target.database, identifier(redMinutelyTable.name, [redMinutelyTable.name]));
  const calls = await ch.queryRows<{ day: number; n: string }>(
    sql`SELECT toYYYYMMDD(minute) AS day, countMerge(calls) AS n FROM ${red} GROUP BY day ORDER BY day`,
    { timeoutMs: 30_000 },
  );
  assert.deepEqual(calls.map((r) => [String(r.day), Number(r.n)]), [[dayId(5), 20], [dayId(1), 20], [dayId(0), 20]]);

  assert.deepEqual(await dropExpiredPartitions(ch, target, rules, NOW, ddl), [], 'a second run drops nothing');
}

function runner(endpoint: ClickHouseEndpoint): SqlRunner {
  return createClickHouse({ endpoint, requestTimeoutMs: DDL_TIMEOUT_MS, retry: defaultClickHouseRetry, logger: createLogger('silent', 'test-retention') });
}

void describe('retention on both dialects', () => {
  void it('TTL is offered from 19.6 on, for Date and DateTime columns only', () => {
    assert.equal(supportsTtl('18.16.1'), false);
    assert.equal(supportsTtl('19.5.3.8'), false);
    assert.equal(supportsTtl('19.6.2.11'), true);
    assert.equal(supportsTtl('26.7.2.1'), true);
    assert.equal(supportsTtl('garbage'), false);
    assert.equal(ttlClause('18.16.1', spansTable, 'timestamp', 7), null);
    assert.equal(ttlClause('24.3.1', spansTable, 'timestamp', 7)?.text, 'TTL toDate(`timestamp`) + INTERVAL 8 DAY');
    assert.throws(() => ttlClause('24.3.1', spansTable, 'name', 7), /not a Date or DateTime/);
    assert.throws(() => ttlClause('24.3.1', spansTable, 'timestamp', 0), RangeError);
  });

  void it('refuses tables not partitioned by day, and bad retention', async () => {
    const target = storageTarget('cairn_retention', null);
    const idle = {} as SqlRunner;
    await assert.rejects(dropExpiredPartitions(idle, target, [{ table: schemaMigrationsTable, days: 3 }], NOW), /not partitioned by day/);
    await assert.rejects(dropExpiredPartitions(idle, target, [{ table: spansTable, days: 1.5 }], NOW), RangeError);
  });

  void it('embedded engine (chdb, single node): drops expired days, keeps recent ones; TTL applies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-retention-'));
    const ch = runner({ kind: 'embedded', path: dir });
    const target = storageTarget('cairn_retention', null);
    try {
      await exercise(ch, [ch], target, {}, 'embedded');

      // TTL on top: an ALTER on a test table, then a merge expires rows older than the TTL (real time).
      const version = await serverVersion(ch);
      assert.ok(supportsTtl(version), version);
      for (const statement of createTable(ttlProbeTable, target)) await ch.command(statement);
      const ttl = ttlClause(version, ttlProbeTable, 'timestamp', 3);
      assert.ok(ttl !== null);
      await ch.command(modifyTtlStatement(target, ttlProbeTable, ttl));
      const probe = qualified(target.database, identifier(ttlProbeTable.name, [ttlProbeTable.name]));
      const [created] = await ch.queryRows<{ statement: string }>(sql`SHOW CREATE TABLE ${probe}`);
      assert.match(created?.statement ?? '', /TTL toDate\(timestamp\) \+ toIntervalDay\(4\)/);
      const nowS = Math.floor(Date.now() / 1000);
      await ch.insertJsonEachRow(probe, `{"tenant":"a","timestamp":${nowS - 10 * 86_400}}\n{"tenant":"a","timestamp":${nowS}}\n`);
      await ch.command(sql`OPTIMIZE TABLE ${probe} FINAL`);
      const [left] = await ch.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${probe}`);
      assert.equal(Number(left?.n), 1);

      // applyTtl sets each rule's TTL once: a second call (a restart) alters nothing.
      const rules = [
        { table: spansTable, days: 7 },
        { table: redMinutelyTable, days: 9 },
      ];
      assert.deepEqual(await applyTtl(ch, target, rules), ['spans', 'red_minutely']);
      assert.deepEqual(await applyTtl(ch, target, rules), []);
      const spansRef = qualified(target.database, identifier('spans', ['spans']));
      const [spansDdl] = await ch.queryRows<{ statement: string }>(sql`SHOW CREATE TABLE ${spansRef}`);
      assert.match(spansDdl?.statement ?? '', /TTL toDate\(timestamp\) \+ toIntervalDay\(8\)/);
      // A changed retention is applied on the next start.
      assert.deepEqual(await applyTtl(ch, target, [{ table: spansTable, days: 3 }]), ['spans']);
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('ClickHouse 18.16 cluster (replicated, Distributed): the same drops on every shard; no TTL', async () => {
    const endpoints = stackEndpoints();
    const servers = endpoints.clickhouseHttp.map((url) => runner({ kind: 'server', url, username: 'default', password: '' }));
    const [ch] = servers;
    assert.ok(ch !== undefined);
    const target = storageTarget(uniqueName('retention'), endpoints.clickhouseCluster);
    try {
      assert.equal(ttlClause(await serverVersion(ch), spansTable, 'timestamp', 3), null);
      assert.deepEqual(await applyTtl(ch, target, [{ table: spansTable, days: 3 }]), [], '18.16 has no TTL: nothing altered');
      await exercise(ch, servers, target, { insert_distributed_sync: 1, insert_quorum: 2 }, 'cluster');
    } finally {
      await ch.command(dropDatabase(target), { timeoutMs: DDL_TIMEOUT_MS });
      for (const server of servers) await server.close();
    }
  });
});
