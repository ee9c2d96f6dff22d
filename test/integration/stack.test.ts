// The local stack (`cairn stack up`) is what the other integration tests rely on: four ClickHouse
// servers forming a replicated 2x2 cluster, ZooKeeper, and a 3-broker Kafka.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import { databaseIdentifier, identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import { ENDPOINTS_FILE } from '../../deploy/local/paths.ts';
import { fourLetterWord } from '../../deploy/local/probe.ts';
import type { StackEndpoints } from '../../deploy/local/stack.ts';

function readEndpoints(): StackEndpoints {
  if (!existsSync(ENDPOINTS_FILE)) {
    throw new Error(`${ENDPOINTS_FILE} not found: run \`cairn stack up\` (or npx tsx deploy/local/run.ts up) first`);
  }
  return JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as StackEndpoints;
}

const endpoints = readEndpoints();

async function withClient<T>(url: string, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const client = createClient({ url, request_timeout: 60_000 });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

void test('all four ClickHouse servers answer and see the cluster as 2 shards x 2 replicas', async () => {
  assert.equal(endpoints.clickhouseNodes.length, 4);
  const cluster = identifier(endpoints.clickhouseCluster, [endpoints.clickhouseCluster]);
  for (const node of endpoints.clickhouseNodes) {
    await withClient(node.http, async (client) => {
      const [version] = await rows<{ v: string }>(client, 'SELECT version() AS v');
      assert.match(version?.v ?? '', /^\d+\.\d+/, `${node.name} answers SELECT version()`);
      // 18.16 has no getMacro(); system.macros shows the same thing.
      const macros = await rows<{ macro: string; substitution: string }>(
        client,
        'SELECT macro, substitution FROM system.macros ORDER BY macro',
      );
      assert.deepEqual(
        macros.map((m) => [m.macro, m.substitution]),
        [['replica', node.replica], ['shard', String(node.shard)]],
        `${node.name} macros`,
      );
      const topology = await rows<{ shard_num: number; replica_num: number; port: number }>(
        client,
        sql`SELECT shard_num, replica_num, port FROM system.clusters WHERE cluster = ${cluster.name} ORDER BY shard_num, replica_num`.text,
      );
      assert.deepEqual(
        topology.map((r) => [r.shard_num, r.replica_num]),
        [[1, 1], [1, 2], [2, 1], [2, 2]],
        `${node.name} sees 2 shards x 2 replicas`,
      );
    });
  }
});

void test('ON CLUSTER ReplicatedMergeTree + Distributed replicates a quorum insert', async () => {
  const db = databaseIdentifier(`stack_test_${randomBytes(6).toString('hex')}`);
  const cluster = identifier(endpoints.clickhouseCluster, [endpoints.clickhouseCluster]);
  const local = qualified(db, identifier('events_local', ['events_local']));
  const dist = qualified(db, identifier('events', ['events']));
  // One znode per table, no per-database parent: 18.16 deletes the table node on DROP but would
  // leave an empty parent behind.
  const zkPath = `/clickhouse/tables/{shard}/${db.name}_events_local`;
  const first = endpoints.clickhouseHttp[0] ?? assert.fail('no ClickHouse endpoint');

  await withClient(first, async (client) => {
    try {
      await client.command({ query: sql`CREATE DATABASE ${db} ON CLUSTER ${cluster}`.text });
      await client.command({
        query: sql`CREATE TABLE ${local} ON CLUSTER ${cluster} (id UInt64, msg String, day Date DEFAULT today())
          ENGINE = ReplicatedMergeTree(${zkPath}, '{replica}') PARTITION BY toYYYYMM(day) ORDER BY id`.text,
      });
      await client.command({
        query: sql`CREATE TABLE ${dist} ON CLUSTER ${cluster} AS ${local}
          ENGINE = Distributed(${cluster.name}, ${db.name}, 'events_local', rand())`.text,
      });
      await client.insert({
        table: dist.text,
        values: [{ id: 42, msg: 'replicated' }],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_distributed_sync: 1, insert_quorum: '2' },
      });

      // The row sits on both replicas of exactly one shard, and every server sees it via Distributed.
      const perShard = new Map<number, number[]>();
      for (const node of endpoints.clickhouseNodes) {
        await withClient(node.http, async (c) => {
          const [localCount] = await rows<{ n: string }>(c, sql`SELECT count() AS n FROM ${local}`.text);
          const [distRow] = await rows<{ msg: string }>(c, sql`SELECT msg FROM ${dist} WHERE id = 42`.text);
          assert.equal(distRow?.msg, 'replicated', `${node.name} reads the row through the Distributed table`);
          perShard.set(node.shard, [...(perShard.get(node.shard) ?? []), Number(localCount?.n)]);
        });
      }
      const counts = [...perShard.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
      assert.ok(
        JSON.stringify(counts) === '[[1,1],[0,0]]' || JSON.stringify(counts) === '[[0,0],[1,1]]',
        `row on both replicas of one shard, got local counts ${JSON.stringify(counts)}`,
      );
    } finally {
      await client.command({ query: sql`DROP DATABASE IF EXISTS ${db} ON CLUSTER ${cluster}`.text });
    }
  });
});

void test('ZooKeeper answers ruok', async () => {
  const [host, port] = endpoints.zookeeper.split(':');
  assert.equal(await fourLetterWord(host ?? '', Number(port), 'ruok'), 'imok');
});

void test('kafkajs metadata lists 3 brokers', async () => {
  const kafka = new Kafka({ clientId: 'cairn-stack-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b), [1, 2, 3]);
    assert.ok(cluster.controller !== null && [1, 2, 3].includes(cluster.controller));
    const ports = cluster.brokers.map((b) => `${b.host}:${b.port}`).sort();
    assert.deepEqual(ports, [...endpoints.kafkaBrokers].sort());
  } finally {
    await admin.disconnect();
  }
});
