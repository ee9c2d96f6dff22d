// Service configuration from the environment: defaults when nothing is set, and a ConfigError that
// names the variable for every invalid value, before anything connects anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/runtime/env.ts';
import type { Env } from '../../common/runtime/env.ts';
import { readCollectorConfig } from '../../collector/config.ts';
import { readQueryConfig } from '../../query/config.ts';

/** Asserts that reading `env` fails with a ConfigError whose message names `variable`. */
function rejects(read: (env: Env) => unknown, env: Env, variable: string): void {
  assert.throws(
    () => read(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(err.message.includes(variable), `"${err.message}" should name ${variable}`);
      return true;
    },
    JSON.stringify(env),
  );
}

// Receivers and the query API need API keys unless told otherwise; the tests below are about
// other settings.
const KEYS = { CAIRN_API_KEYS: 'test-key-0123456789=team-a' };
const collector = (env: Env): unknown => readCollectorConfig({ ...KEYS, ...env }, 'all');
const query = (env: Env): unknown => readQueryConfig({ ...KEYS, ...env });

void describe('readCollectorConfig', () => {
  void it('has working defaults for the local cluster', () => {
    const c = readCollectorConfig(KEYS, 'ingester');
    assert.equal(c.role, 'ingester');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.otlpHttpPort, 4318);
    assert.equal(c.ingesterHttpPort, 8319);
    assert.equal(c.auth, null, 'an ingester serves no OTLP: no keys');
    assert.deepEqual(c.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(c.kafka.clientId, 'cairn-ingester');
    assert.equal(c.kafka.topicPrefix, 'cairn.');
    assert.equal(c.kafka.replicationFactor, 3);
    assert.equal(c.kafka.minInsyncReplicas, 2);
    assert.deepEqual(c.clickhouse.endpoint, { kind: 'server', url: 'http://127.0.0.1:8123', username: 'default', password: '' });
    assert.equal(c.clickhouse.target.database.name, 'cairn');
    assert.deepEqual(c.clickhouse.target.topology, { kind: 'cluster', cluster: 'cairn' });
    assert.equal(c.clickhouse.requestTimeoutMs, 30_000);
    assert.equal(c.ingest.groupPrefix, 'cairn-ingest');
    assert.deepEqual(c.kafka.partitions, { traces: 6, logs: 6, metrics: 6 });
    assert.equal(c.ingest.maxBatchRows, 20_000);
    assert.equal(c.ingest.insertQuorum, 2, 'quorum 2 on a cluster');
  });

  void it('reads set values, trimming whitespace and treating blank as unset', () => {
    const c = readCollectorConfig(
      {
        CAIRN_OTLP_HTTP_PORT: ' 0 ',
        CAIRN_KAFKA_BROKERS: 'a:1, b.example:29092 ,[::1]:9092,',
        CAIRN_CLICKHOUSE_DATABASE: 'it_db_1',
        CAIRN_CLICKHOUSE_CLUSTER: '',
        CAIRN_AUTH: 'none',
        CAIRN_TENANT: '   ',
        CAIRN_LOG_LEVEL: 'silent',
      },
      'receiver',
    );
    assert.equal(c.otlpHttpPort, 0);
    assert.deepEqual(c.kafka.brokers, ['a:1', 'b.example:29092', '[::1]:9092']);
    assert.equal(c.clickhouse.target.database.name, 'it_db_1');
    // An empty cluster means the default cluster for a server, not a single node.
    assert.deepEqual(c.clickhouse.target.topology, { kind: 'cluster', cluster: 'cairn' });
    assert.deepEqual(c.auth, { mode: 'none', tenant: 'default' });
    assert.equal(c.logLevel, 'silent');
  });

  void it('rejects invalid ports', () => {
    rejects(collector, { CAIRN_OTLP_HTTP_PORT: 'abc' }, 'CAIRN_OTLP_HTTP_PORT');
    rejects(collector, { CAIRN_OTLP_HTTP_PORT: '65536' }, 'CAIRN_OTLP_HTTP_PORT');
    rejects(collector, { CAIRN_OTLP_HTTP_PORT: '-1' }, 'CAIRN_OTLP_HTTP_PORT');
    rejects(collector, { CAIRN_OTLP_HTTP_PORT: '80.5' }, 'CAIRN_OTLP_HTTP_PORT');
    rejects(collector, { CAIRN_INGESTER_HTTP_PORT: '1e3' }, 'CAIRN_INGESTER_HTTP_PORT');
  });

  void it('rejects brokers that are not host:port', () => {
    rejects(collector, { CAIRN_KAFKA_BROKERS: 'nohostport' }, 'CAIRN_KAFKA_BROKERS');
    rejects(collector, { CAIRN_KAFKA_BROKERS: 'a:1,b' }, 'CAIRN_KAFKA_BROKERS');
    rejects(collector, { CAIRN_KAFKA_BROKERS: 'kafka://a:1' }, 'CAIRN_KAFKA_BROKERS');
    rejects(collector, { CAIRN_KAFKA_BROKERS: ',,' }, 'CAIRN_KAFKA_BROKERS');
  });

  void it('rejects database and cluster names that are not plain identifiers', () => {
    for (const db of ['x;drop', 'Cairn', 'a-b', 'db`x', "d'b", '1db']) {
      rejects(collector, { CAIRN_CLICKHOUSE_DATABASE: db }, 'CAIRN_CLICKHOUSE_DATABASE');
    }
    rejects(collector, { CAIRN_CLICKHOUSE_CLUSTER: "c' OR 1" }, 'CAIRN_CLICKHOUSE_CLUSTER');
  });

  void it('rejects out-of-range and non-integer numbers', () => {
    rejects(collector, { CAIRN_INGEST_MAX_BATCH_ROWS: '0' }, 'CAIRN_INGEST_MAX_BATCH_ROWS');
    rejects(collector, { CAIRN_INGEST_MAX_BATCH_ROWS: 'many' }, 'CAIRN_INGEST_MAX_BATCH_ROWS');
    rejects(collector, { CAIRN_KAFKA_REPLICATION_FACTOR: '17' }, 'CAIRN_KAFKA_REPLICATION_FACTOR');
    rejects(collector, { CAIRN_MAX_REQUEST_BYTES: '10' }, 'CAIRN_MAX_REQUEST_BYTES');
    rejects(collector, { CAIRN_CLICKHOUSE_TIMEOUT_MS: '99' }, 'CAIRN_CLICKHOUSE_TIMEOUT_MS');
    rejects(collector, { CAIRN_INSERT_QUORUM: '99' }, 'CAIRN_INSERT_QUORUM');
  });

  void it('rejects an unknown log level and a non-http ClickHouse URL', () => {
    rejects(collector, { CAIRN_LOG_LEVEL: 'verbose' }, 'CAIRN_LOG_LEVEL');
    rejects(collector, { CAIRN_CLICKHOUSE_URL: 'tcp://127.0.0.1:9000' }, 'CAIRN_CLICKHOUSE_URL');
    rejects(collector, { CAIRN_CLICKHOUSE_URL: 'not a url' }, 'CAIRN_CLICKHOUSE_URL');
  });
});

void describe('readQueryConfig', () => {
  void it('has defaults, and an embedded path gives a single-node target', () => {
    const c = readQueryConfig(KEYS);
    assert.equal(c.port, 8080);
    assert.equal(c.auth.mode, 'api-key');
    assert.equal(c.queryTimeoutMs, 10_000);
    assert.equal(c.maxTraceSpans, 10_000);
    assert.match(c.memberId, /^query-\d+$/);
    assert.equal(c.clickhouse.target.topology.kind, 'cluster');
    assert.throws(() => readQueryConfig({}), (err: unknown) => err instanceof ConfigError && /CAIRN_API_KEYS/.test(err.message));
    const e = readQueryConfig({ CAIRN_CLICKHOUSE_DATABASE: 'local', CAIRN_AUTH: 'none' }, '/tmp/cairn-embedded');
    assert.deepEqual(e.auth, { mode: 'none', tenant: 'default' });
    assert.deepEqual(e.clickhouse.endpoint, { kind: 'embedded', path: '/tmp/cairn-embedded' });
    assert.deepEqual(e.clickhouse.target.topology, { kind: 'single' });
    assert.equal(e.clickhouse.target.database.name, 'local');
  });

  void it('rejects invalid values, naming the variable', () => {
    rejects(query, { CAIRN_QUERY_PORT: 'abc' }, 'CAIRN_QUERY_PORT');
    rejects(query, { CAIRN_QUERY_PORT: '70000' }, 'CAIRN_QUERY_PORT');
    rejects(query, { CAIRN_QUERY_TIMEOUT_MS: '5' }, 'CAIRN_QUERY_TIMEOUT_MS');
    rejects(query, { CAIRN_QUERY_MAX_TRACE_SPANS: '0' }, 'CAIRN_QUERY_MAX_TRACE_SPANS');
    rejects(query, { CAIRN_CLICKHOUSE_DATABASE: 'x;drop' }, 'CAIRN_CLICKHOUSE_DATABASE');
    rejects(query, { CAIRN_LOG_LEVEL: 'loud' }, 'CAIRN_LOG_LEVEL');
  });

  void it('refuses a cluster with the embedded engine', () => {
    rejects((env) => readQueryConfig({ ...KEYS, ...env }, '/tmp/x'), { CAIRN_CLICKHOUSE_CLUSTER: 'cairn' }, 'CAIRN_CLICKHOUSE_CLUSTER');
  });
});

void describe('receiver authentication settings', () => {
  void it('requires API keys by default and names the variable', () => {
    assert.throws(() => readCollectorConfig({}, 'receiver'), (err: unknown) => err instanceof ConfigError && /CAIRN_API_KEYS/.test(err.message));
    assert.throws(() => readCollectorConfig({}, 'all'), (err: unknown) => err instanceof ConfigError && /CAIRN_API_KEYS/.test(err.message));
  });
  void it('a lone ingester serves no OTLP and needs no keys', () => {
    assert.equal(readCollectorConfig({}, 'ingester').auth, null);
  });
  void it('rejects malformed, short and duplicate keys and bad tenant names', () => {
    for (const keys of ['nokey', '=tenant', 'short=t', 'k-0123456789abcdef=', 'k-0123456789abcdef=a,k-0123456789abcdef=b', 'k-0123456789abcdef=bad tenant']) {
      assert.throws(() => readCollectorConfig({ CAIRN_API_KEYS: keys }, 'receiver'), ConfigError, keys);
    }
  });
  void it('maps several keys to tenants, and none mode to CAIRN_TENANT', () => {
    const c = readCollectorConfig({ CAIRN_API_KEYS: 'k-0123456789abcdef=a, k-fedcba9876543210=b' }, 'receiver');
    assert.deepEqual(c.auth, { mode: 'api-key', keys: new Map([['k-0123456789abcdef', 'a'], ['k-fedcba9876543210', 'b']]) });
    assert.deepEqual(readCollectorConfig({ CAIRN_AUTH: 'none', CAIRN_TENANT: 'solo' }, 'receiver').auth, { mode: 'none', tenant: 'solo' });
  });
});
