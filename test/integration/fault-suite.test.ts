// The fault suite: real faults on the local stack under steady, numbered load, each scenario
// reporting sent / acknowledged / stored / missing / duplicated items and recovery times, and
// requiring every acknowledged item to be stored exactly once. Every scenario restores the stack
// it broke (other tests share it) before it ends, pass or fail.
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitDrained } from './support/fault-accounting.ts';
import { FaultRig, INGESTER_READY_MS } from './support/fault-rig.ts';
import { insertInFlight, rowsInsertedAbove, runScenario } from './support/fault-scenario.ts';
import { clickhouseNode, killService, partitionLeader, restoreStack, waitFullIsr, waitReplicaCaughtUp } from './support/fault-stack.ts';
import { pauseServices } from './support/pause-process.ts';
import { eventually } from './support/pipeline.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';

/** Deliberate fault durations; everything else waits on events. */
const KAFKA_DOWN_MS = 12_000;
const REPLICA_DOWN_MS = 20_000;
/** Longer than ClickHouse's 20 s ZooKeeper session, so replicated tables really go read-only. */
const ZOOKEEPER_FROZEN_MS = 30_000;

let rig: FaultRig;

before(async () => {
  rig = await FaultRig.start('faultsuite');
  await rig.ingester.waitReady(INGESTER_READY_MS);
});

after(async () => {
  await rig.close();
});

void test('kill -9 the Kafka broker leading partition 0 of the spans topic during the load', async (t) => {
  await runScenario(t, rig, 'kafka-leader-kill', { storedTimeoutMs: 120_000 }, async () => {
    const leader = await partitionLeader(rig.admin, rig.spansTopic, 0);
    const injectedAt = Date.now();
    try {
      await killService(`kafka-${leader}`);
      t.diagnostic(`killed kafka-${leader}, leader of ${rig.spansTopic}/0`);
      await sleep(KAFKA_DOWN_MS);
    } finally {
      await restoreStack();
    }
    await waitFullIsr(rig.admin, rig.spansTopic, 3, 120_000);
    return { injectedAt, clearedAt: Date.now() };
  });
});

void test('kill -9 the ingester before, during and right after an insert', async (t) => {
  const resumedBefore = rig.planResumes();
  await runScenario(t, rig, 'ingester-kill', { storedTimeoutMs: 120_000 }, async (driver) => {
    const database = rig.config.clickhouse.target.database.name;
    // (a) Before an insert: load paused, everything ingested, the ingester idle.
    await driver.pause();
    await waitDrained(rig.admin, rig.spansGroup, rig.spansTopic, 60_000);
    const injectedAt = Date.now();
    let ingester = await rig.killAndRestartIngester();
    t.diagnostic('killed the idle ingester');
    driver.start();
    await ingester.waitReady(INGESTER_READY_MS);

    // (b) During inserts: killed while an INSERT of its is running in ClickHouse, twice.
    for (let i = 0; i < 2; i++) {
      await insertInFlight(rig.clickhouse, database, 60_000);
      ingester = await rig.killAndRestartIngester();
      t.diagnostic(`killed the ingester during an insert (${i + 1})`);
      await ingester.waitReady(INGESTER_READY_MS);
    }

    // (c) Right after an insert: the moment its row counter moves, before or around the commit.
    await rowsInsertedAbove(ingester, await ingester.rowsInserted(), 60_000);
    ingester = await rig.killAndRestartIngester();
    t.diagnostic('killed the ingester right after an insert');
    await ingester.waitReady(INGESTER_READY_MS);
    return { injectedAt, clearedAt: Date.now() };
  });
  // Informative: how often a successor found a plan (insert possibly done, commit not) and replayed it.
  t.diagnostic(`planned batches resumed by successors: ${rig.planResumes() - resumedBefore}`);
});

void test('kill -9 one ClickHouse replica (s1r2) during the load', async (t) => {
  const replica = 's1r2';
  const database = rig.config.clickhouse.target.database.name;
  const scenario = 'clickhouse-replica-kill';
  await runScenario(t, rig, scenario, { storedTimeoutMs: 180_000 }, async () => {
    const injectedAt = Date.now();
    try {
      await killService(`clickhouse-${replica}`);
      await sleep(REPLICA_DOWN_MS);
    } finally {
      await restoreStack();
    }
    const clearedAt = Date.now();
    // The restarted replica rejoins once its old ZooKeeper session expires, then fetches.
    await waitReplicaCaughtUp(replica, database, 'spans_local', 180_000);
    return { injectedAt, clearedAt };
  });
  // Both replicas of the shard hold the same rows of the scenario.
  const local = qualified(rig.config.clickhouse.target.database, identifier('spans_local', ['spans_local']));
  const count = async (name: string): Promise<number> => {
    const ch = clickhouseNode(name);
    try {
      const [row] = await ch.queryRows<{ n: string }>(sql`SELECT count() AS n FROM ${local} WHERE service_name = ${scenario}`);
      return Number(row?.n ?? -1);
    } finally {
      await ch.close();
    }
  };
  const rows = await eventually('s1r1 and s1r2 to hold the same rows', 60_000, async () => {
    const [a, b] = await Promise.all([count('s1r1'), count(replica)]);
    return a === b ? a : undefined;
  });
  assert.ok(rows > 0, 'shard 1 received rows of the scenario');
});

void test('freeze ZooKeeper for 30 s during the load', async (t) => {
  await runScenario(t, rig, 'zookeeper-freeze', { storedTimeoutMs: 180_000 }, async () => {
    const injectedAt = Date.now();
    const paused = pauseServices(['zookeeper']);
    try {
      await sleep(ZOOKEEPER_FROZEN_MS);
    } finally {
      paused.resume();
    }
    const clearedAt = Date.now();
    await restoreStack();
    return { injectedAt, clearedAt };
  });
});
