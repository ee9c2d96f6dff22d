// The epoch claim and the fence, over an in-memory ZooKeeper: epochs start at 1 and only grow, a
// claim whose answer was lost is recognised, a member whose znode is gone cannot claim, and an
// action of a stale epoch is refused before any effect (the term ends with it). The fenced
// SqlRunner lets a write through only after the fence passed; reads pass untouched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueryResult, SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { raw } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { createLogger } from '../../common/runtime/logger.ts';
import { electionPaths, statePath } from '../../query/ha/election-paths.ts';
import { claimEpoch } from '../../query/ha/epoch-claim.ts';
import { decodeAction } from '../../query/ha/ha-records.ts';
import { FenceUnavailable, FencedOut, StateConflict } from '../../query/ha/leadership.ts';
import { StandaloneLeadership } from '../../query/ha/standalone-leadership.ts';
import type { LeaderTerm } from '../../query/ha/leadership.ts';
import { ZkTerm } from '../../query/ha/zk-term.ts';
import { fencedRunner } from '../../query/jobs/fenced-runner.ts';
import { FakeZk } from './leader-fake-zk.ts';

const logger = createLogger('silent', 'test-fence');
const paths = electionPaths('/cairn', 'db');
const A = `${paths.members}/m-0000000000`;
const B = `${paths.members}/m-0000000001`;

function setUp(): FakeZk {
  const zk = new FakeZk();
  for (const p of ['/cairn', paths.base, paths.members, paths.actions, paths.state]) zk.put(p);
  zk.put(A, '{}');
  zk.put(B, '{}');
  return zk;
}

function term(zk: FakeZk, epoch: number, memberPath = A, memberId = 'a'): ZkTerm {
  return new ZkTerm({ zk, paths, epoch, memberId, memberPath, logger });
}

async function actions(zk: FakeZk): Promise<{ epoch: number; memberId: string; job: string }[]> {
  const names = (await zk.getChildren(paths.actions)).sort();
  const out = [];
  for (const n of names) {
    const node = await zk.getData(`${paths.actions}/${n}`);
    const record = node === null ? null : decodeAction(node.data);
    if (record !== null) out.push({ epoch: record.epoch, memberId: record.memberId, job: record.job });
  }
  return out;
}

void describe('claimEpoch', () => {
  void it('the first claim is epoch 1, each later one the next version', async () => {
    const zk = setUp();
    assert.equal(await claimEpoch(zk, paths, A, 'a'), 1);
    assert.equal(await claimEpoch(zk, paths, B, 'b'), 2);
    assert.equal(await claimEpoch(zk, paths, A, 'a'), 3);
  });

  void it('a member whose znode is gone cannot claim', async () => {
    const zk = setUp();
    await claimEpoch(zk, paths, A, 'a');
    zk.nodes.delete(A);
    await assert.rejects(claimEpoch(zk, paths, A, 'a'), FencedOut);
    assert.equal((await zk.getData(paths.epoch))?.stat.version, 1, 'the epoch did not move');
  });

  void it('a claim applied but unanswered (timeout) is recognised by its nonce, not claimed twice', async () => {
    const zk = setUp();
    await claimEpoch(zk, paths, A, 'a');
    zk.failNext = { code: 'TIMEOUT', applied: true };
    assert.equal(await claimEpoch(zk, paths, B, 'b', { nonce: 'n-1' }), 2);
    assert.equal((await zk.getData(paths.epoch))?.stat.version, 2);
  });

  void it('a claim lost before it reached the server is retried', async () => {
    const zk = setUp();
    zk.failNext = { code: 'CONNECTION_LOSS', applied: false };
    assert.equal(await claimEpoch(zk, paths, A, 'a'), 1);
  });
});

void describe('ZkTerm.act (the fence)', () => {
  void it('records each action with its epoch and member, in one transaction with the checks', async () => {
    const zk = setUp();
    const epoch = await claimEpoch(zk, paths, A, 'a');
    const t = term(zk, epoch);
    await t.act({ job: 'retention', what: 'drop' });
    await t.act({ job: 'retention', what: 'drop again' });
    assert.deepEqual(await actions(zk), [
      { epoch: 1, memberId: 'a', job: 'retention' },
      { epoch: 1, memberId: 'a', job: 'retention' },
    ]);
  });

  void it('a stale epoch is refused, records nothing, and ends the term', async () => {
    const zk = setUp();
    const old = term(zk, await claimEpoch(zk, paths, A, 'a'));
    await claimEpoch(zk, paths, B, 'b');
    await assert.rejects(old.act({ job: 'retention', what: 'drop' }), FencedOut);
    assert.deepEqual(await actions(zk), []);
    assert.equal(old.signal.aborted, true);
    await assert.rejects(old.act({ job: 'retention', what: 'drop' }), FencedOut, 'stays refused');
  });

  void it('a member whose znode is gone is refused even if the epoch did not move', async () => {
    const zk = setUp();
    const t = term(zk, await claimEpoch(zk, paths, A, 'a'));
    zk.nodes.delete(A);
    await assert.rejects(t.act({ job: 'schema-migrations', what: 'CREATE' }), FencedOut);
  });

  void it('refuses locally, without asking ZooKeeper, once the session has not answered for too long', async () => {
    const zk = setUp();
    const t = term(zk, await claimEpoch(zk, paths, A, 'a'));
    const before = zk.multis;
    zk.lease = 0;
    await assert.rejects(t.act({ job: 'retention', what: 'drop' }), FencedOut);
    assert.equal(zk.multis, before);
  });

  void it('an unanswered fence check does nothing and leaves the term running (retry later)', async () => {
    const zk = setUp();
    const t = term(zk, await claimEpoch(zk, paths, A, 'a'));
    zk.failNext = { code: 'TIMEOUT', applied: false };
    await assert.rejects(t.act({ job: 'retention', what: 'drop' }), FenceUnavailable);
    assert.equal(t.signal.aborted, false);
  });

  void it('state writes commit with the fence; a version conflict is not mistaken for a lost term', async () => {
    const zk = setUp();
    const t = term(zk, await claimEpoch(zk, paths, A, 'a'));
    await t.act({ job: 'service-edges', what: 'start' }, [{ key: 'mark', value: '60000', version: null }]);
    const mark = await t.readState('mark');
    assert.deepEqual(mark, { value: '60000', version: 1 });
    await t.act({ job: 'service-edges', what: 'done' }, [{ key: 'mark', value: '120000', version: 1 }]);
    await assert.rejects(t.act({ job: 'service-edges', what: 'done' }, [{ key: 'mark', value: '180000', version: 1 }]), StateConflict);
    assert.equal(t.signal.aborted, false);
    assert.equal((await zk.getData(statePath(paths, 'mark')))?.data.toString(), '120000');
  });
});

class RecordingRunner implements SqlRunner {
  readonly engine = 'server' as const;
  readonly calls: string[] = [];
  command(statement: SqlFragment): Promise<void> {
    this.calls.push(`command ${statement.text}`);
    return Promise.resolve();
  }
  queryRows<T>(query: SqlFragment): Promise<T[]> {
    this.calls.push(`query ${query.text}`);
    return Promise.resolve([]);
  }
  queryWithStats<T>(query: SqlFragment): Promise<QueryResult<T>> {
    this.calls.push(`query ${query.text}`);
    return Promise.resolve({ rows: [], columns: [], stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 } });
  }
  insertJsonEachRow(table: SqlFragment): Promise<void> {
    this.calls.push(`insert ${table.text}`);
    return Promise.resolve();
  }
  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

void describe('fencedRunner', () => {
  void it('writes pass the fence first (recorded), reads do not; a refused fence stops the write', async () => {
    const zk = setUp();
    const t = term(zk, await claimEpoch(zk, paths, A, 'a'));
    const inner = new RecordingRunner();
    const runner = fencedRunner(inner, t, 'retention');
    await runner.queryRows(raw('SELECT 1'));
    assert.deepEqual(await actions(zk), [], 'a read records nothing');
    await runner.command(raw('ALTER TABLE t DROP PARTITION ID 20250101'));
    assert.equal((await actions(zk)).length, 1);
    await claimEpoch(zk, paths, B, 'b');
    await assert.rejects(runner.command(raw('ALTER TABLE t DROP PARTITION ID 20250102')), FencedOut);
    await assert.rejects(runner.insertJsonEachRow(raw('t'), '{}\n'), FencedOut);
    assert.deepEqual(inner.calls, ['query SELECT 1', 'command ALTER TABLE t DROP PARTITION ID 20250101']);
  });
});

void describe('StandaloneLeadership (embedded mode)', () => {
  void it('elects itself in epoch 1, runs the jobs, and stops them on close', async () => {
    const leadership = new StandaloneLeadership('solo', logger);
    const started = new Promise<LeaderTerm>((resolve) => {
      leadership.start(async (t) => {
        await t.act({ job: 'x', what: 'y' }, [{ key: 'k', value: 'v', version: null }]);
        resolve(t);
        await new Promise<void>((done) => { t.signal.addEventListener('abort', () => { done(); }); });
      });
    });
    const t = await started;
    assert.deepEqual(leadership.status(), { role: 'leader', epoch: 1 });
    const view = await leadership.view();
    assert.equal(view.leader, 'solo');
    assert.equal(view.mode, 'standalone');
    await leadership.close();
    assert.deepEqual(await t.readState('k'), { value: 'v', version: 1 });
    await assert.rejects(t.act({ job: 'x', what: 'after close' }), FencedOut);
    assert.equal(leadership.status().role, 'stopped');
  });
});
