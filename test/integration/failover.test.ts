// Failover of the query service with three `cairn query` processes against the stack: the leader
// is killed with SIGKILL, then the next leader is frozen with SIGSTOP past its session timeout and
// thawed, then the next one is stopped with SIGTERM. Each scenario reports the time until a new
// leader ACTS (its first fenced action, as recorded in ZooKeeper, on the server's clock) and the
// survivors keep answering reads. At the end the whole action record is checked: epochs never go
// back, one member per epoch, nothing recorded in the frozen leader's epoch once a newer epoch
// acted, and each schema migration applied exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClickHouse, defaultClickHouseRetry } from '../../common/clickhouse/client.ts';
import { dropDatabase } from '../../common/clickhouse/ddl.ts';
import { identifier, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { REPO_ROOT } from '../../deploy/local/paths.ts';
import { readQueryConfig } from '../../query/config.ts';
import type { QueryConfig } from '../../query/config.ts';
import { electionPaths } from '../../query/ha/election-paths.ts';
import type { ElectionPaths } from '../../query/ha/election-paths.ts';
import { decodeAction } from '../../query/ha/ha-records.ts';
import type { ClusterView } from '../../query/ha/leadership.ts';
import type { ZkSession } from '../../query/ha/zk-session.ts';
import { eventually, openZooKeeper, removeElection } from './support/pipeline.ts';
import { isolatedEnv, stackEndpoints, uniqueName } from './support/stack-env.ts';
import { freePort } from '../../deploy/local/free-port.ts';

const KILL_TARGET_MS = 5000;
const HANDOVER_TARGET_MS = 1000;
const SESSION_MS = 4000;

/** One `cairn query` replica as a child process; keeps the tail of its log. */
class QueryProcess {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | string>;

  constructor(
    readonly id: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(line);
      if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => { resolve(signal ?? code ?? 0); }));
  }

  static async spawn(id: string, env: Readonly<Record<string, string>>): Promise<QueryProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cairn.js'), 'query'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, CAIRN_MEMBER_ID: id, CAIRN_QUERY_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new QueryProcess(id, `http://127.0.0.1:${port}`, child);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  async exit(): Promise<number | string> {
    return this.exited;
  }

  /** Log lines (pino JSON) whose msg matches. */
  logged(msg: RegExp): string[] {
    return this.lines.filter((l) => msg.test(l));
  }

  async cluster(): Promise<ClusterView | undefined> {
    try {
      const res = await fetch(`${this.url}/api/v1/cluster`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200 ? ((await res.json()) as ClusterView) : undefined;
    } catch {
      return undefined;
    }
  }

  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }
}

interface Action {
  readonly seq: string;
  readonly epoch: number;
  readonly memberId: string;
  readonly job: string;
  readonly ctimeMs: number;
}

/** The action records of one election, read incrementally. */
class ActionLog {
  private readonly known = new Map<string, Action>();

  constructor(
    private readonly zk: ZkSession,
    private readonly paths: ElectionPaths,
  ) {}

  async read(): Promise<Action[]> {
    const names = (await this.zk.getChildren(this.paths.actions).catch(() => [])).sort();
    for (const name of names) {
      if (this.known.has(name)) continue;
      const node = await this.zk.getData(`${this.paths.actions}/${name}`);
      const record = node === null ? null : decodeAction(node.data);
      if (node !== null && record !== null) this.known.set(name, { seq: name, epoch: record.epoch, memberId: record.memberId, job: record.job, ctimeMs: node.stat.ctimeMs });
    }
    return [...this.known.values()].sort((a, b) => a.seq.localeCompare(b.seq));
  }

  /** The first action of an epoch above `epoch`. */
  async firstAfter(epoch: number, timeoutMs: number): Promise<Action> {
    return eventually(`a fenced action in an epoch after ${epoch}`, timeoutMs, async () => (await this.read()).find((a) => a.epoch > epoch));
  }

  async latestEpoch(): Promise<number> {
    return Math.max(0, ...(await this.read()).map((a) => a.epoch));
  }
}

const name = uniqueName('failover');
// Short rollup interval and no settling: the leaders also act every minute, not only at election.
const env = isolatedEnv(name, {
  CAIRN_ZOOKEEPER: stackEndpoints().zookeeper,
  CAIRN_ZK_SESSION_TIMEOUT_MS: String(SESSION_MS),
  CAIRN_ROLLUP_INTERVAL_S: '1',
  CAIRN_ROLLUP_SETTLE_S: '0',
  CAIRN_LOG_LEVEL: 'info',
});
const config: QueryConfig = readQueryConfig(env);
const paths = electionPaths('/cairn', name);
const replicas: QueryProcess[] = [];
let zk: ZkSession;
let log: ActionLog;
let ch: SqlRunner;

before(async () => {
  zk = await openZooKeeper();
  log = new ActionLog(zk, paths);
  ch = createClickHouse({ endpoint: config.clickhouse.endpoint, requestTimeoutMs: 120_000, retry: defaultClickHouseRetry, logger: createLogger('silent', 'test-failover') });
  replicas.push(...(await Promise.all(['q1', 'q2', 'q3'].map((id) => QueryProcess.spawn(id, env)))));
});

after(async () => {
  for (const r of replicas) {
    r.signal('SIGCONT');
    r.signal('SIGKILL');
  }
  await Promise.all(replicas.map((r) => r.exit()));
  await removeElection(config);
  await ch.command(dropDatabase(config.clickhouse.target), { timeoutMs: 120_000 });
  await ch.close();
  await zk.close();
});

function replica(id: string | null): QueryProcess {
  const r = replicas.find((x) => x.id === id);
  if (r === undefined) throw new Error(`no replica ${String(id)}`);
  return r;
}

/** The leader as the survivors see it once `members` replicas are in the election. */
async function settled(members: number, survivors: readonly QueryProcess[]): Promise<ClusterView> {
  return eventually(`${members} members and a leader`, 60_000, async () => {
    const views = await Promise.all(survivors.map((r) => r.cluster()));
    const leaders = new Set(views.map((v) => v?.leader));
    const ok = views.every((v) => v?.members.length === members && v.leader !== null && v.zookeeper?.reachable === true) && leaders.size === 1;
    return ok ? views[0] : undefined;
  });
}

async function assertReadsAnswered(survivors: readonly QueryProcess[]): Promise<void> {
  for (const r of survivors) {
    assert.equal(await r.ready(), true, `${r.id} /readyz`);
    assert.ok((await r.cluster()) !== undefined, `${r.id} GET /api/v1/cluster`);
  }
}

let frozen: { id: string; epoch: number } | null = null;

void test('three replicas: one leads, applies the schema, every replica becomes ready', async () => {
  const view = await settled(3, replicas);
  await eventually('every replica ready (schema current)', 90_000, async () => ((await Promise.all(replicas.map((r) => r.ready()))).every(Boolean) ? true : undefined));
  const first = await log.firstAfter(0, 30_000);
  assert.equal(first.memberId, view.leader);
  assert.equal(first.job, 'schema-migrations');
  const roles = (await Promise.all(replicas.map((r) => r.cluster()))).map((v) => v?.self.role).sort();
  assert.deepEqual(roles, ['follower', 'follower', 'leader']);
});

void test('kill -9 the leader: a survivor leads and acts within 5 s; reads keep answering', async (t) => {
  const view = await settled(3, replicas);
  const leader = replica(view.leader);
  const epoch = await log.latestEpoch();
  const killedAt = Date.now();
  leader.signal('SIGKILL');
  const acted = await log.firstAfter(epoch, 20_000);
  const ms = acted.ctimeMs - killedAt;
  t.diagnostic(`kill -9 ${leader.id}: ${acted.memberId} acted in epoch ${acted.epoch} after ${(ms / 1000).toFixed(2)} s`);
  assert.notEqual(acted.memberId, leader.id);
  assert.ok(ms < KILL_TARGET_MS, `failover after kill -9 took ${ms} ms (target ${KILL_TARGET_MS})`);
  await leader.exit();
  const survivors = replicas.filter((r) => r.alive);
  await settled(2, survivors);
  await assertReadsAnswered(survivors);
});

void test('SIGSTOP the leader past its session timeout: a survivor takes over; thawed, the old leader does nothing stale and follows', async (t) => {
  const survivors = replicas.filter((r) => r.alive);
  const view = await settled(2, survivors);
  const leader = replica(view.leader);
  const other = survivors.find((r) => r !== leader);
  assert.ok(other !== undefined);
  const epoch = await log.latestEpoch();
  frozen = { id: leader.id, epoch };
  const stoppedAt = Date.now();
  leader.signal('SIGSTOP');
  let thawed = false;
  try {
    const acted = await log.firstAfter(epoch, 30_000);
    const ms = acted.ctimeMs - stoppedAt;
    t.diagnostic(`SIGSTOP ${leader.id}: ${other.id} acted in epoch ${acted.epoch} after ${(ms / 1000).toFixed(2)} s (session timeout ${SESSION_MS / 1000} s)`);
    assert.equal(acted.memberId, other.id);
    assert.ok(ms >= SESSION_MS - 1500, 'nobody took over while the frozen leader could still hold its session');
    await assertReadsAnswered([other]);
    // Past the session timeout for sure, then thaw.
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + SESSION_MS + 1000 - Date.now())));
    leader.signal('SIGCONT');
    thawed = true;
    const rejoined = await settled(2, survivors);
    assert.equal(rejoined.leader, other.id, 'the thawed replica follows');
    const self = await leader.cluster();
    assert.equal(self?.self.role, 'follower');
    await assertReadsAnswered(survivors);
    const msg = (text: string): RegExp => new RegExp(`"msg":"${text}"`);
    t.diagnostic(
      `${leader.id} after thawing: ${leader.logged(msg('stepped down')).length} step-down, ${leader.logged(msg('fenced out: action refused')).length} action(s) refused by the fence, ${leader.logged(msg('ZooKeeper session lost')).length} session loss`,
    );
  } finally {
    if (!thawed) leader.signal('SIGCONT');
  }
});

void test('SIGTERM the leader: a survivor leads and acts within 1 s', async (t) => {
  const survivors = replicas.filter((r) => r.alive);
  const view = await settled(2, survivors);
  const leader = replica(view.leader);
  const epoch = await log.latestEpoch();
  const stoppedAt = Date.now();
  leader.signal('SIGTERM');
  const acted = await log.firstAfter(epoch, 20_000);
  const ms = acted.ctimeMs - stoppedAt;
  t.diagnostic(`SIGTERM ${leader.id}: ${acted.memberId} acted in epoch ${acted.epoch} after ${(ms / 1000).toFixed(2)} s`);
  assert.notEqual(acted.memberId, leader.id);
  assert.ok(ms < HANDOVER_TARGET_MS, `graceful hand-over took ${ms} ms (target ${HANDOVER_TARGET_MS})`);
  assert.equal(await leader.exit(), 0, 'exits cleanly');
  const rest = replicas.filter((r) => r.alive);
  await settled(1, rest);
  await assertReadsAnswered(rest);
});

void test('the record: epochs only grow, one member per epoch, nothing stale after a newer epoch acted, migrations applied once', async (t) => {
  const actions = await log.read();
  const owners = new Map<number, Set<string>>();
  let last = 0;
  for (const a of actions) {
    assert.ok(a.epoch >= last, `${a.seq}: epoch ${a.epoch} recorded after epoch ${last}`);
    last = a.epoch;
    owners.set(a.epoch, (owners.get(a.epoch) ?? new Set()).add(a.memberId));
  }
  for (const [epoch, members] of owners) assert.equal(members.size, 1, `epoch ${epoch} acted on by ${[...members].join(', ')}`);
  const epochs = [...owners.keys()];
  t.diagnostic(`${actions.length} fenced actions in epochs ${epochs.join(', ')} by ${epochs.map((e) => [...(owners.get(e) ?? [])].join('')).join(', ')}`);
  assert.ok(epochs.length >= 4, 'four leadership terms: the first and one per scenario');

  assert.ok(frozen !== null);
  const stale = frozen;
  const newerAt = actions.findIndex((a) => a.epoch > stale.epoch);
  const afterNewer = actions.slice(newerAt).filter((a) => a.memberId === stale.id && a.epoch <= stale.epoch);
  assert.deepEqual(afterNewer, [], 'the thawed leader recorded nothing in its old epoch');

  const migrations = qualified(config.clickhouse.target.database, identifier('schema_migrations', ['schema_migrations']));
  const rows = await ch.queryRows<{ version: number; n: string; epoch: string; by: string }>(
    sql`SELECT version, count() AS n, any(epoch) AS epoch, any(applied_by) AS by FROM ${migrations} GROUP BY version ORDER BY version`,
  );
  const firstLeader = actions[0];
  assert.ok(firstLeader !== undefined);
  assert.ok(rows.length >= 4);
  for (const r of rows) {
    assert.equal(Number(r.n), 1, `migration ${r.version} applied once`);
    assert.equal(Number(r.epoch), firstLeader.epoch, `migration ${r.version} carries the epoch that applied it`);
    assert.equal(r.by, firstLeader.memberId);
  }
});
