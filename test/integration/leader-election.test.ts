// Leader election among in-process members against the stack's real ZooKeeper, each test on an
// election of its own. A member's connection is cut through a TCP proxy in this process (the
// shared ZooKeeper itself is never frozen): blackholed (no close, the server just goes silent) or
// reset. Also: a query service whose ZooKeeper is unreachable keeps serving reads and only pauses
// its leader jobs; a stale fence is refused by ZooKeeper itself; and the leader's service-graph
// rollup does not count a range twice when an earlier term inserted it without recording it, on
// both engines.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import type { ClickHouseEndpoint } from '../../common/clickhouse/client.ts';
import { dropDatabase } from '../../common/clickhouse/ddl.ts';
import { migrate } from '../../common/clickhouse/migrations.ts';
import { runServiceEdgesJob } from '../../common/clickhouse/rollups/service-edges-job.ts';
import { encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { Settings, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { EdgeOrigin, serviceEdgesMinutelyTable } from '../../common/clickhouse/tables/service-edges-minutely.ts';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import { SpanKind } from '../../common/model/span.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { buildQueryApp } from '../../query/app.ts';
import { readQueryConfig } from '../../query/config.ts';
import { electionPaths } from '../../query/ha/election-paths.ts';
import type { ElectionPaths } from '../../query/ha/election-paths.ts';
import { claimEpoch } from '../../query/ha/epoch-claim.ts';
import { decodeAction } from '../../query/ha/ha-records.ts';
import { FencedOut } from '../../query/ha/leadership.ts';
import type { ClusterView, LeaderTerm } from '../../query/ha/leadership.ts';
import { StandaloneLeadership } from '../../query/ha/standalone-leadership.ts';
import { untilAborted } from '../../query/ha/until-aborted.ts';
import { ZkLeadership } from '../../query/ha/zk-leadership.ts';
import { ZkSession } from '../../query/ha/zk-session.ts';
import { ZkTerm } from '../../query/ha/zk-term.ts';
import { EdgeRollupJob } from '../../query/jobs/edge-rollup-job.ts';
import { fencedRunner } from '../../query/jobs/fenced-runner.ts';
import { syntheticSpan } from '../support/synthetic-span.ts';
import { eventually, openZooKeeper, removeTree } from './support/pipeline.ts';
import { isolatedEnv, stackEndpoints, uniqueName } from './support/stack-env.ts';
import { spansIngestTable } from '../../common/clickhouse/tables/spans-ingest.ts';

const ROOT = '/cairn';
const SESSION_MS = 4000;
const logger = createLogger(process.env['CAIRN_TEST_LOG_LEVEL'] ?? 'silent', 'test-leader-election');

/** Forwards TCP to ZooKeeper; can go silent (blackhole) or reset every connection. */
class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private silent = false;
  private readonly held: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(target: string): Promise<TcpProxy> {
    const [host, port] = target.split(':');
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => {
      const upstream = new (client.constructor as typeof Socket)();
      upstream.connect(Number(port), host ?? '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      const forward = (from: Socket, to: Socket): void => {
        from.on('data', (chunk) => {
          const send = (): void => {
            if (!to.destroyed) to.write(chunk);
          };
          if (proxy.silent) proxy.held.push(send);
          else send();
        });
      };
      forward(client, upstream);
      forward(upstream, client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        proxy.pairs.delete(pair);
      };
      client.on('close', close);
      upstream.on('close', close);
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sockets stay open, nothing gets through: what a frozen server or a dropping network looks like. */
  blackhole(): void {
    this.silent = true;
  }

  /** Lets through what was held, then everything again. */
  restore(): void {
    this.silent = false;
    for (const send of this.held.splice(0)) send();
  }

  /** Resets every connection now; new ones are accepted. */
  reset(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }
}

interface TermLog {
  readonly member: string;
  readonly epoch: number;
  readonly startedAt: number;
  actedAt: number;
  endedAt: number;
  readonly term: LeaderTerm;
}

/** A member whose jobs act once per term (a fenced action, recorded) and then wait for its end. */
function member(id: string, group: string, terms: TermLog[], connect = stackEndpoints().zookeeper): ZkLeadership {
  const l = new ZkLeadership({ connect, root: ROOT, group, sessionTimeoutMs: SESSION_MS, memberId: id, url: null, logger, probe: false });
  l.start(async (term) => {
    const entry: TermLog = { member: id, epoch: term.epoch, startedAt: Date.now(), actedAt: 0, endedAt: 0, term };
    terms.push(entry);
    await term.act({ job: 'test', what: `hello from ${id}` });
    entry.actedAt = Date.now();
    await untilAborted(term.signal);
    entry.endedAt = Date.now();
  });
  return l;
}

/**
 * Member `a` (connecting through `connectA` when given, e.g. a proxy) leads and has acted; then
 * member `b` joins. Waiting for `b` to follow is left to the caller's try, which closes both.
 */
async function leaderThenJoiner(group: string, connectA?: string): Promise<{ terms: TermLog[]; a: ZkLeadership; b: ZkLeadership }> {
  const terms: TermLog[] = [];
  const a = member('a', group, terms, connectA);
  await eventually('a leads and acted', 10_000, () => Promise.resolve(terms[0]?.actedAt ? true : undefined));
  const b = member('b', group, terms);
  return { terms, a, b };
}

async function untilFollower(b: ZkLeadership): Promise<void> {
  await eventually('b follows', 10_000, () => Promise.resolve(b.status().role === 'follower' ? true : undefined));
}

/** Cuts the leader's connection (`cut`), then waits for its first term to end: that term, and when it was cut. */
async function cutLeader(terms: readonly TermLog[], cut: () => void, stepDownMs: number): Promise<{ first: TermLog; cutAt: number }> {
  const cutAt = Date.now();
  cut();
  const first = terms[0];
  assert.ok(first !== undefined);
  await eventually('a steps down', stepDownMs, () => Promise.resolve(first.endedAt ? true : undefined));
  return { first, cutAt };
}

async function actionLog(zk: ZkSession, paths: ElectionPaths): Promise<{ epoch: number; memberId: string; ctimeMs: number }[]> {
  const names = (await zk.getChildren(paths.actions)).sort();
  const out = [];
  for (const name of names) {
    const node = await zk.getData(`${paths.actions}/${name}`);
    const record = node === null ? null : decodeAction(node.data);
    if (node !== null && record !== null) out.push({ epoch: record.epoch, memberId: record.memberId, ctimeMs: node.stat.ctimeMs });
  }
  return out;
}

/** The election's action log, read on a session of its own. */
async function recordedActions(paths: ElectionPaths): Promise<{ epoch: number; memberId: string; ctimeMs: number }[]> {
  const zk = await openZooKeeper();
  try {
    return await actionLog(zk, paths);
  } finally {
    await zk.close();
  }
}

/** Epochs never go back in record order, and one epoch belongs to one member. */
function assertFencedHistory(log: readonly { epoch: number; memberId: string }[]): void {
  const owner = new Map<number, string>();
  let last = 0;
  for (const a of log) {
    assert.ok(a.epoch >= last, `epoch ${a.epoch} recorded after epoch ${last}`);
    last = a.epoch;
    const o = owner.get(a.epoch);
    assert.ok(o === undefined || o === a.memberId, `epoch ${a.epoch} acted on by ${o ?? ''} and ${a.memberId}`);
    owner.set(a.epoch, a.memberId);
  }
}

const groups: string[] = [];
function newGroup(prefix: string): { group: string; paths: ElectionPaths } {
  const group = uniqueName(prefix);
  groups.push(group);
  return { group, paths: electionPaths(ROOT, group) };
}

after(async () => {
  const zk = await openZooKeeper();
  try {
    for (const g of groups) await removeTree(zk, electionPaths(ROOT, g).base);
  } finally {
    await zk.close();
  }
});

void describe('leader election on ZooKeeper', () => {
  void it('three members elect one leader in join order; a graceful stop hands over within 1 s', async (t) => {
    const { group, paths } = newGroup('elect');
    const { terms, a, b } = await leaderThenJoiner(group);
    let c: ZkLeadership | null = null;
    try {
      await untilFollower(b);
      c = member('c', group, terms);
      await eventually('three members', 10_000, async () => ((await a.view()).members.length === 3 ? true : undefined));
      assert.deepEqual([a.status().role, b.status().role, c.status().role], ['leader', 'follower', 'follower']);
      const view = await c.view();
      assert.deepEqual(view.members.map((m) => m.id), ['a', 'b', 'c']);
      assert.equal(view.leader, 'a');
      assert.equal(view.epoch, terms[0]?.epoch);

      const stoppedAt = Date.now();
      await a.close();
      const next = await eventually('b leads and acted', 10_000, () => Promise.resolve(terms[1]?.actedAt ? terms[1] : undefined));
      const handOverMs = next.actedAt - stoppedAt;
      t.diagnostic(`graceful hand-over: ${handOverMs} ms from close() to the successor's first fenced action`);
      assert.equal(next.member, 'b');
      assert.equal(next.epoch, (terms[0]?.epoch ?? 0) + 1);
      assert.ok(handOverMs < 1000, `hand-over took ${handOverMs} ms`);
      assert.equal(c.status().role, 'follower');
    } finally {
      await Promise.all([a.close(), b.close(), c?.close()]);
    }
    const log = await recordedActions(paths);
    assert.deepEqual(log.map((x) => x.memberId), ['a', 'b']);
    assertFencedHistory(log);
  });

  void it('a leader whose connection goes silent steps down before the session expires, and before anyone else leads', async (t) => {
    const { group, paths } = newGroup('silent');
    const proxy = await TcpProxy.start(stackEndpoints().zookeeper);
    const { terms, a, b } = await leaderThenJoiner(group, proxy.address);
    try {
      await untilFollower(b);
      const { first, cutAt } = await cutLeader(terms, () => { proxy.blackhole(); }, 10_000);
      const next = await eventually('b leads and acted', 20_000, () => Promise.resolve(terms[1]?.actedAt ? terms[1] : undefined));
      t.diagnostic(`silent connection: a stepped down after ${first.endedAt - cutAt} ms; b acted after ${next.actedAt - cutAt} ms`);
      assert.ok(first.endedAt - cutAt < SESSION_MS, 'stepped down within the session timeout');
      assert.ok(first.endedAt < next.startedAt, 'no overlap: the old term ended before the new one began');
      assert.equal(next.epoch, first.epoch + 1);
      await assert.rejects(first.term.act({ job: 'test', what: 'stale' }), FencedOut);

      proxy.restore();
      await eventually('a back, as a follower', 20_000, async () => ((await b.view()).members.length === 2 && a.status().role === 'follower' ? true : undefined));
    } finally {
      proxy.restore();
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
    }
    const log = await recordedActions(paths);
    assert.deepEqual(log.map((x) => `${x.memberId}@${x.epoch}`), [`a@${terms[0]?.epoch ?? 0}`, `b@${terms[1]?.epoch ?? 0}`]);
    assertFencedHistory(log);
  });

  void it('a leader whose connection resets steps down at once; with its session intact it leads again in a new epoch', async (t) => {
    const { group } = newGroup('reset');
    const proxy = await TcpProxy.start(stackEndpoints().zookeeper);
    const { terms, a, b } = await leaderThenJoiner(group, proxy.address);
    try {
      await untilFollower(b);
      const { first, cutAt: resetAt } = await cutLeader(terms, () => { proxy.reset(); }, 5000);
      t.diagnostic(`reset connection: stepped down after ${first.endedAt - resetAt} ms`);
      assert.ok(first.endedAt - resetAt < 500);
      const again = await eventually('a leads again', 10_000, () => Promise.resolve(terms[1]?.actedAt ? terms[1] : undefined));
      assert.equal(again.member, 'a', 'its znode stayed first in line');
      assert.equal(again.epoch, first.epoch + 1, 'every term has a new epoch');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
    }
  });

  void it('ZooKeeper unreachable: reads and /readyz keep working, no leader jobs run; once it is back a leader is elected and acts', async (t) => {
    const database = uniqueName('nozk');
    groups.push(database);
    const proxy = await TcpProxy.start(stackEndpoints().zookeeper);
    proxy.blackhole();
    const env = isolatedEnv(database, { CAIRN_ZOOKEEPER: proxy.address, CAIRN_QUERY_PORT: '0', CAIRN_ZK_SESSION_TIMEOUT_MS: String(SESSION_MS) });
    const config = readQueryConfig(env);
    const ch = createClickHouse({ endpoint: config.clickhouse.endpoint, requestTimeoutMs: 120_000, retry: defaultClickHouseRetry, logger });
    await migrate(ch, config.clickhouse.target, { epoch: 0n, member: 'test-setup' });
    const query = buildQueryApp(config, logger);
    try {
      await query.schemaReady;
      const ready = await query.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
      const read = await query.app.inject({ method: 'GET', url: `/api/v1/traces/${'ab'.repeat(16)}` });
      assert.equal(read.statusCode, 404, 'a read is answered (unknown trace), not refused');
      await new Promise((r) => setTimeout(r, SESSION_MS + 500));
      const started = Date.now();
      const view = await query.app.inject({ method: 'GET', url: '/api/v1/cluster' });
      t.diagnostic(`/api/v1/cluster answered in ${Date.now() - started} ms with ZooKeeper silent: ${view.body}`);
      assert.equal(view.statusCode, 200);
      const body = view.json<ClusterView>();
      assert.equal(body.zookeeper?.reachable, false);
      assert.notEqual(body.self.role, 'leader');
      assert.match((await query.app.inject({ method: 'GET', url: '/metrics' })).body, /^cairn_query_leader\{[^}]*\} 0$/m);

      proxy.restore();
      const paths = electionPaths(ROOT, database);
      const zk = await openZooKeeper();
      try {
        const acted = await eventually('a leader acts once ZooKeeper is back', 30_000, async () => {
          const log = await actionLog(zk, paths);
          return log.length > 0 ? log : undefined;
        });
        assert.equal(acted[0]?.memberId, config.memberId);
      } finally {
        await zk.close();
      }
      assert.equal(query.leadership.status().role, 'leader');
      assert.match((await query.app.inject({ method: 'GET', url: '/metrics' })).body, /^cairn_query_leader\{[^}]*\} 1$/m);
      const after = (await query.app.inject({ method: 'GET', url: '/api/v1/cluster' })).json<ClusterView>();
      assert.equal(after.zookeeper?.reachable, true);
      assert.equal(after.leader, config.memberId);
    } finally {
      await query.app.close();
      await proxy.close();
      await ch.command(dropDatabase(config.clickhouse.target), { timeoutMs: 120_000 });
      await ch.close();
    }
  });

  void it('ZooKeeper refuses a stale fence even while the old leader still has a live session', async () => {
    const { paths } = newGroup('stale');
    const connect = stackEndpoints().zookeeper;
    const open = (): Promise<ZkSession> => ZkSession.open({ connect, sessionTimeoutMs: SESSION_MS, connectTimeoutMs: 10_000, logger });
    const [s1, s2] = await Promise.all([open(), open()]);
    const ch = createClickHouse({ endpoint: { kind: 'server', url: stackEndpoints().clickhouseHttp[0] ?? '', username: 'default', password: '' }, requestTimeoutMs: 30_000, retry: defaultClickHouseRetry, logger });
    const probeDb = uniqueName('fenced');
    try {
      for (const dir of [paths.members, paths.actions, paths.state]) await s1.mkdirp(dir);
      const a = await s1.create(paths.memberPrefix, Buffer.from('{}'), 'ephemeral-sequential');
      const b = await s2.create(paths.memberPrefix, Buffer.from('{}'), 'ephemeral-sequential');
      const old = new ZkTerm({ zk: s1, paths, epoch: await claimEpoch(s1, paths, a, 'a'), memberId: 'a', memberPath: a, logger });
      await old.act({ job: 'test', what: 'while current' });
      // What a successor does when it finds its predecessor gone: remove it, claim the next epoch.
      assert.equal(await s2.remove(a), true);
      const epoch2 = await claimEpoch(s2, paths, b, 'b');
      assert.equal(epoch2, old.epoch + 1);
      assert.ok(s1.leaseRemainingMs() > 0, "the old leader's session is alive: only ZooKeeper's check can stop it");
      const runner = fencedRunner(ch, old, 'test');
      const target = storageTarget(probeDb, null);
      await assert.rejects(runner.command(sql`CREATE DATABASE IF NOT EXISTS ${target.database}`), FencedOut);
      const rows = await ch.queryRows<{ n: string }>(sql`SELECT count() AS n FROM system.databases WHERE name = ${probeDb}`);
      assert.equal(Number(rows[0]?.n), 0, 'the fenced statement never reached ClickHouse');
      assert.equal(old.signal.aborted, true);
      const log = await actionLog(s2, paths);
      assert.deepEqual(log.map((x) => `${x.memberId}@${x.epoch}`), [`a@${old.epoch}`]);
    } finally {
      await ch.close();
      await Promise.all([s1.close(), s2.close()]);
    }
  });
});

const MIN_MS = 60_000;

async function edgeCalls(ch: SqlRunner, target: StorageTarget, minuteMs: number): Promise<number> {
  const edges = qualified(target.database, identifier(serviceEdgesMinutelyTable.name, [serviceEdgesMinutelyTable.name]));
  const rows = await ch.queryRows<{ c: string | number }>(
    sql`SELECT countMerge(calls) AS c FROM ${edges} WHERE origin = ${EdgeOrigin.PARENT_CHILD} AND minute = ${new Date(minuteMs)}`,
  );
  return Number(rows[0]?.c ?? 0);
}

/** One front -> back call starting inside the minute. */
async function insertCall(ch: SqlRunner, target: StorageTarget, minuteMs: number, salt: string, settings: Settings): Promise<void> {
  const startNs = BigInt(minuteMs + 10_000) * 1_000_000n;
  const parent = { ...syntheticSpan(0, salt), serviceName: 'front', kind: SpanKind.SERVER, startTimeUnixNano: startNs, endTimeUnixNano: startNs + 5_000_000n };
  const child = { ...syntheticSpan(1, salt), serviceName: 'back', kind: SpanKind.SERVER, startTimeUnixNano: startNs + 1_000_000n, endTimeUnixNano: startNs + 4_000_000n };
  assert.equal(child.parentSpanId, parent.spanId);
  const ingest = qualified(target.database, identifier(spansIngestTable.name, [spansIngestTable.name]));
  await ch.insertJsonEachRow(ingest, [parent, child].map(encodeSpanRow).join('\n') + '\n', { settings, timeoutMs: 120_000 });
}

async function rollupOnce(endpoint: ClickHouseEndpoint, target: StorageTarget, settings: Settings): Promise<void> {
  const ch = createClickHouse({ endpoint, requestTimeoutMs: 120_000, retry: defaultClickHouseRetry, logger });
  const leadership = new StandaloneLeadership('rollup-test', logger);
  try {
    await migrate(ch, target, { epoch: 0n, member: 'test' });
    const term = await new Promise<LeaderTerm>((resolve) => {
      leadership.start((t) => {
        resolve(t);
        return untilAborted(t.signal);
      });
    });
    const m = Math.floor(Date.now() / MIN_MS) * MIN_MS - 120 * MIN_MS;
    let now = new Date(m);
    const job = new EdgeRollupJob({ clickhouse: ch, target, term, intervalMs: 1000, settleSeconds: 0, insertSettings: settings, timeoutMs: 120_000, logger, now: () => now });
    assert.equal((await job.step()).kind, 'started');

    await insertCall(ch, target, m, 'first', settings);
    // An earlier term inserted [m, m+1) and lost its term before moving the mark.
    await runServiceEdgesJob(ch, target, { from: new Date(m), to: new Date(m + MIN_MS) }, { now: new Date(m + MIN_MS), settleSeconds: 0 }, { settings, timeoutMs: 120_000 });
    now = new Date(m + MIN_MS);
    const skipped = await job.step();
    assert.equal(skipped.kind, 'skipped');
    assert.equal(await edgeCalls(ch, target, m), 1, 'the range is counted once, not twice');

    await insertCall(ch, target, m + MIN_MS, 'second', settings);
    now = new Date(m + 2 * MIN_MS);
    assert.equal((await job.step()).kind, 'inserted');
    assert.equal(await edgeCalls(ch, target, m + MIN_MS), 1);
    assert.equal((await job.step()).kind, 'idle', 'nothing more until the next minute settles');
  } finally {
    await leadership.close();
    if (target.topology.kind === 'cluster') await ch.command(dropDatabase(target), { timeoutMs: 120_000 });
    await ch.close();
  }
}

void describe('leader-only service-graph rollup', () => {
  void it('cluster (ClickHouse 18.16): a range an earlier term inserted is not counted again', async () => {
    const e = stackEndpoints();
    await rollupOnce({ kind: 'server', url: e.clickhouseHttp[0] ?? '', username: 'default', password: '' }, storageTarget(uniqueName('edgejob'), e.clickhouseCluster), {
      insert_distributed_sync: 1,
      insert_quorum: 2,
    });
  });

  void it('embedded engine (chdb): the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-edgejob-'));
    try {
      await rollupOnce({ kind: 'embedded', path: dir }, storageTarget('cairn_edgejob', null), {});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
