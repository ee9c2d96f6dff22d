// The query service's leader-election and leader-job settings: defaults fit the local stack, and
// every invalid value stops start-up with a message naming the variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/runtime/env.ts';
import type { Env } from '../../common/runtime/env.ts';
import { readQueryConfig } from '../../query/config.ts';

const BASE: Env = { CAIRN_AUTH: 'none' };

function rejects(env: Env, variable: string): void {
  assert.throws(
    () => readQueryConfig({ ...BASE, ...env }),
    (err: unknown) => err instanceof ConfigError && err.message.includes(variable),
    `${JSON.stringify(env)} is refused naming ${variable}`,
  );
}

void describe('query config: leader election', () => {
  void it('defaults: the local stack ZooKeeper, /cairn, 4 s sessions, a URL from host and port', () => {
    const c = readQueryConfig({ ...BASE, CAIRN_LISTEN_HOST: '127.0.0.1', CAIRN_QUERY_PORT: '8081' });
    assert.deepEqual(c.coordination, { kind: 'zookeeper', connect: '127.0.0.1:12181', root: '/cairn', sessionTimeoutMs: 4000 });
    assert.equal(c.memberUrl, 'http://127.0.0.1:8081');
    assert.deepEqual(c.rollup, { intervalMs: 60_000, settleSeconds: 300 });
    assert.deepEqual(c.retention.days, { traces: 7, logs: 7, metrics: 30 });
    assert.equal(c.insertQuorum, 2);
  });

  void it('the embedded mode elects itself', () => {
    const c = readQueryConfig({ ...BASE, CAIRN_CLICKHOUSE_DATABASE: 'local' }, '/tmp/cairn-embedded');
    assert.deepEqual(c.coordination, { kind: 'standalone' });
    assert.equal(c.insertQuorum, 0);
  });

  void it('takes its settings from the environment', () => {
    const c = readQueryConfig({
      ...BASE,
      CAIRN_ZOOKEEPER: 'zk1:2181,zk2:2181',
      CAIRN_ZK_ROOT: '/prod/cairn',
      CAIRN_ZK_SESSION_TIMEOUT_MS: '10000',
      CAIRN_MEMBER_URL: 'http://query-0.query:8080/',
      CAIRN_QUERY_PORT: '0',
    });
    assert.deepEqual(c.coordination, { kind: 'zookeeper', connect: 'zk1:2181,zk2:2181', root: '/prod/cairn', sessionTimeoutMs: 10_000 });
    assert.equal(c.memberUrl, 'http://query-0.query:8080');
    assert.equal(readQueryConfig({ ...BASE, CAIRN_QUERY_PORT: '0' }).memberUrl, null, 'no URL for an ephemeral port');
  });

  void it('refuses bad values, naming the variable', () => {
    rejects({ CAIRN_ZOOKEEPER: 'zk1' }, 'CAIRN_ZOOKEEPER');
    rejects({ CAIRN_ZK_ROOT: 'cairn' }, 'CAIRN_ZK_ROOT');
    rejects({ CAIRN_ZK_ROOT: '/cairn/' }, 'CAIRN_ZK_ROOT');
    rejects({ CAIRN_ZK_ROOT: '/zookeeper' }, 'CAIRN_ZK_ROOT');
    rejects({ CAIRN_ZK_SESSION_TIMEOUT_MS: '500' }, 'CAIRN_ZK_SESSION_TIMEOUT_MS');
    rejects({ CAIRN_MEMBER_URL: 'query-0:8080' }, 'CAIRN_MEMBER_URL');
    rejects({ CAIRN_ROLLUP_INTERVAL_S: '0' }, 'CAIRN_ROLLUP_INTERVAL_S');
    rejects({ CAIRN_ROLLUP_SETTLE_S: '-1' }, 'CAIRN_ROLLUP_SETTLE_S');
    rejects({ CAIRN_RETENTION_DAYS_LOGS: '0' }, 'CAIRN_RETENTION_DAYS_LOGS');
  });
});
