// deploy/compose and the Cairn image, checked against the code: each Cairn service's environment
// goes through the real config readers and its command through the real `cairn` command, and every
// port, host, cluster name and credential must match what the other side of it serves.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { readCollectorConfig } from '../../collector/config.ts';
import { readQueryConfig } from '../../query/config.ts';
import {
  cairnProcess,
  cliAccepts,
  dockerIgnores,
  durationMs,
  exists,
  isObj,
  list,
  obj,
  packageVersion,
  processName,
  readDockerfile,
  readEnvFile,
  readProcess,
  readText,
  readXml,
  readYaml,
  repoPath,
  runtimeFiles,
  shutdownGraceMs,
  text,
  xmlAll,
  xmlOne,
} from '../support/deploy-manifests.ts';
import type { CairnProcess, ProcessView, XmlNode } from '../support/deploy-manifests.ts';

const DIR = 'deploy/compose';
const COMPOSE = `${DIR}/docker-compose.yml`;
const DOCKERFILE = `${DIR}/Dockerfile`;
const services = obj(obj(readYaml(COMPOSE), COMPOSE).services, `${COMPOSE} services`);
const at = (name: string, field: string): string => `${COMPOSE} services.${name}.${field}`;
const service = (name: string): Record<string, unknown> => ({ ...obj(services[name], at(name, '')) });
const names = Object.keys(services);

/** The container's environment as compose builds it: env_file entries in order, then `environment`. */
function environmentOf(name: string): Record<string, string> {
  const s = service(name);
  const env: Record<string, string> = {};
  const files = s.env_file === undefined ? [] : Array.isArray(s.env_file) ? s.env_file : [s.env_file];
  for (const [i, entry] of files.entries()) {
    const path = isObj(entry) ? text(entry.path, at(name, `env_file[${i}].path`)) : text(entry, at(name, `env_file[${i}]`));
    const required = !isObj(entry) || entry.required !== false;
    const file = join(DIR, path);
    if (!exists(file)) {
      assert.ok(!required, `${at(name, `env_file[${i}]`)}: ${file} does not exist`);
      continue;
    }
    Object.assign(env, readEnvFile(file));
  }
  const raw = s.environment ?? {};
  const pairs: [string, unknown][] = Array.isArray(raw)
    ? raw.map((e) => text(e, at(name, 'environment')).split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(obj(raw, at(name, 'environment')));
  for (const [key, value] of pairs) {
    // Compose refuses booleans and nulls: they must be quoted.
    assert.ok(typeof value === 'string' || typeof value === 'number', `${at(name, `environment.${key}`)}: ${JSON.stringify(value)} must be a string`);
    env[key] = String(value);
  }
  return env;
}

const hostnameOf = (name: string): string => (typeof service(name).hostname === 'string' ? String(service(name).hostname) : name);

/** Services that answer to `host` on the default network: by name, hostname or alias. */
function servicesAt(host: string): string[] {
  return names.filter((n) => {
    const networks = service(n).networks;
    const aliases = isObj(networks) && isObj(networks.default) && Array.isArray(networks.default.aliases) ? networks.default.aliases : [];
    return n === host || hostnameOf(n) === host || aliases.includes(host);
  });
}

function imageOf(name: string): string {
  return text(service(name).image ?? '', at(name, 'image'));
}

interface CairnService {
  readonly name: string;
  readonly args: readonly string[];
  readonly process: CairnProcess;
  readonly env: Record<string, string>;
}

// A Cairn service is one built from (or tagged as) the Cairn image.
const commands = names
  .filter((n) => isObj(service(n).build) || imageOf(n).startsWith('cairn:'))
  .map((name) => ({ name, args: list(service(name).command, at(name, 'command')).map((a) => text(a, at(name, 'command'))) }));

// The ones running a cluster role; the command test reports the others.
const cairnServices: CairnService[] = commands.flatMap(({ name, args }) => {
  const process = cairnProcess(args);
  return process === null ? [] : [{ name, args, process, env: environmentOf(name) }];
});

function view(s: CairnService): ProcessView {
  try {
    return readProcess(s.process, s.env);
  } catch (err) {
    throw new Error(`${at(s.name, 'environment')} (with env_file): the ${processName(s.process)} config reader refuses it: ${(err as Error).message}`);
  }
}

const ofKind = (kind: string): CairnService[] => cairnServices.filter((s) => processName(s.process) === kind);
const byImage = (prefix: string): string[] => names.filter((n) => imageOf(n).startsWith(prefix));

void describe('deploy/compose: the Cairn image', () => {
  const instructions = readDockerfile(DOCKERFILE);
  const final = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf('FROM'));
  const defaults = { collector: readCollectorConfig({ CAIRN_AUTH: 'none' }, 'all'), query: readQueryConfig({ CAIRN_AUTH: 'none' }) };

  void it('is built on node 20 (bookworm-slim), runs as a non-root user and enters through bin/cairn.js', () => {
    for (const from of instructions.filter((i) => i.keyword === 'FROM')) {
      assert.match(from.args, /^node:20[.\d]*-bookworm-slim\b/, `${DOCKERFILE}:${from.line}: FROM ${from.args} is not node 20 bookworm-slim`);
    }
    const user = final.filter((i) => i.keyword === 'USER').at(-1);
    assert.ok(user !== undefined, `${DOCKERFILE}: the final stage sets no USER (it would run as root)`);
    assert.match(user.args, /^[1-9]\d*(:\d+)?$/, `${DOCKERFILE}:${user.line}: USER ${user.args} must be a numeric non-root uid (Kubernetes runAsNonRoot checks it)`);
    const entrypoint = final.find((i) => i.keyword === 'ENTRYPOINT');
    assert.deepEqual(JSON.parse(entrypoint?.args ?? 'null'), ['node', 'bin/cairn.js'], `${DOCKERFILE}: ENTRYPOINT must be ["node", "bin/cairn.js"]`);
  });

  void it('EXPOSEs the ports the roles listen on by default, and its HEALTHCHECK asks each role for /healthz', () => {
    const exposed = new Set(final.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => Number(p.replace(/\/tcp$/, ''))));
    const listening = new Set([defaults.collector.otlpGrpcPort, defaults.collector.otlpHttpPort, defaults.collector.ingesterHttpPort, defaults.query.port]);
    assert.deepEqual([...exposed].sort(), [...listening].sort(), `${DOCKERFILE}: EXPOSE must list exactly the default ports of the config readers`);
    const health = final.find((i) => i.keyword === 'HEALTHCHECK');
    assert.ok(health?.args.includes('/healthz') === true, `${DOCKERFILE}: HEALTHCHECK must ask /healthz`);
    for (const port of [defaults.collector.otlpHttpPort, defaults.collector.ingesterHttpPort, defaults.query.port]) {
      assert.match(health.args, new RegExp(`\\b${port}\\b`), `${DOCKERFILE}: HEALTHCHECK does not try port ${port}`);
    }
  });

  void it('installs only the production dependencies, following package-lock.json', () => {
    const lock = instructions.findIndex((i) => i.keyword === 'COPY' && i.args.split(/\s+/).includes('package-lock.json'));
    const install = instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    assert.ok(lock >= 0 && install > lock, `${DOCKERFILE}: package-lock.json must be copied before npm installs`);
    assert.match(instructions[install]?.args ?? '', /--omit=dev/, `${DOCKERFILE}: npm must install with --omit=dev`);
  });

  void it('copies every file the cairn command loads to the same path, and .dockerignore drops none of them', () => {
    const workdir = final.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
    const copied: string[] = [];
    for (const copy of final.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const dest = parts.pop() ?? '';
      for (const source of parts) {
        const target = parts.length > 1 || dest.endsWith('/') ? join(dest, basename(source)) : dest;
        const inImage = normalize(target.startsWith('/') ? target : join(workdir, target));
        assert.equal(inImage, join(workdir, source), `${DOCKERFILE}:${copy.line}: ${source} must keep its repository path under ${workdir}`);
        assert.ok(exists(source), `${DOCKERFILE}:${copy.line}: ${source} does not exist`);
        copied.push(source);
      }
    }
    const ignore = readText('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    for (const file of runtimeFiles()) {
      assert.ok(copied.some((c) => file === c || file.startsWith(`${c}/`)), `${DOCKERFILE}: ${file} is loaded by the cairn command but not copied into the image`);
      assert.ok(!dockerIgnores(ignore, file), `.dockerignore excludes ${file}, which the cairn command loads`);
    }
  });

  void it('.dockerignore keeps node_modules, .cairn, .git and env files out of the build context', () => {
    const ignore = readText('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    for (const path of ['node_modules/x', '.cairn/data', '.git/HEAD', `${DIR}/env/cairn.env`, 'collector/node_modules/x']) {
      assert.ok(dockerIgnores(ignore, path), `.dockerignore must exclude ${path}`);
    }
  });
});

void describe('deploy/compose: the Cairn services', () => {
  void it('build the image from deploy/compose/Dockerfile (context: the repository root), tagged with the package version', () => {
    for (const s of cairnServices) {
      const build = obj(service(s.name).build, at(s.name, 'build'));
      assert.equal(normalize(join(DIR, text(build.context, at(s.name, 'build.context')))), '.', `${at(s.name, 'build.context')} must be the repository root`);
      assert.equal(text(build.dockerfile, at(s.name, 'build.dockerfile')), DOCKERFILE, `${at(s.name, 'build.dockerfile')} must be ${DOCKERFILE}`);
      assert.equal(imageOf(s.name), `cairn:${packageVersion()}`, `${at(s.name, 'image')} must be tagged with package.json's version`);
    }
  });

  void it('run valid cairn commands: 2+ receivers, 2+ ingesters (no more than partitions), 2+ query replicas', () => {
    const verdicts = new Map<string, ReturnType<typeof cliAccepts>>();
    for (const s of commands) {
      const key = JSON.stringify(s.args);
      const verdict = verdicts.get(key) ?? cliAccepts(s.args);
      verdicts.set(key, verdict);
      assert.ok(verdict.ok, `${at(s.name, 'command')}: cairn ${s.args.join(' ')} is refused (${verdict.detail})`);
      assert.ok(cairnProcess(s.args) !== null, `${at(s.name, 'command')}: cairn ${s.args.join(' ')} is not one of the cluster roles (collector --role …, query)`);
    }
    assert.ok(ofKind('receiver').length >= 2, `${COMPOSE}: at least 2 receivers`);
    assert.ok(ofKind('query').length >= 2, `${COMPOSE}: at least 2 query replicas`);
    const ingesters = ofKind('ingester');
    assert.ok(ingesters.length >= 2, `${COMPOSE}: at least 2 ingesters`);
    for (const s of ingesters) {
      const fewest = Math.min(...Object.values(view(s).collector?.kafka.partitions ?? {}));
      assert.ok(ingesters.length <= fewest, `${COMPOSE}: ${ingesters.length} ingesters but only ${fewest} partitions; the extra ones would idle`);
    }
  });

  void it('pass environments their config readers accept, setting only CAIRN_* variables those readers read', () => {
    for (const s of cairnServices) {
      const { variables } = view(s);
      for (const key of Object.keys(s.env).filter((k) => k.startsWith('CAIRN_'))) {
        assert.ok(variables.has(key), `${at(s.name, 'environment')} (with env_file): ${key} is not read by the ${processName(s.process)} config reader`);
      }
    }
  });

  void it('publish, health-check and stop the way the processes listen and drain', () => {
    const graceMs = shutdownGraceMs();
    for (const s of cairnServices) {
      const v = view(s);
      for (const [i, p] of (Array.isArray(service(s.name).ports) ? (service(s.name).ports as unknown[]) : []).entries()) {
        const target = Number(text(p, at(s.name, `ports[${i}]`)).split(':').at(-1));
        assert.ok(v.ports.includes(target), `${at(s.name, `ports[${i}]`)}: container port ${target} is not one the ${processName(s.process)} listens on (${v.ports.join(', ')})`);
      }
      const test = list(obj(service(s.name).healthcheck, at(s.name, 'healthcheck')).test, at(s.name, 'healthcheck.test')).join(' ');
      const m = /http:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/\w+)/.exec(test);
      assert.ok(m !== null, `${at(s.name, 'healthcheck.test')}: no http://127.0.0.1:<port>/<path> in it`);
      assert.equal(Number(m[1]), v.httpPort, `${at(s.name, 'healthcheck.test')}: port ${m[1] ?? ''} is not the ${processName(s.process)}'s HTTP port ${v.httpPort}`);
      assert.ok(m[2] === '/readyz' || m[2] === '/healthz', `${at(s.name, 'healthcheck.test')}: ${m[2] ?? ''} is neither /readyz nor /healthz`);
      const stop = durationMs(text(service(s.name).stop_grace_period ?? '10s', at(s.name, 'stop_grace_period')), at(s.name, 'stop_grace_period'));
      assert.ok(stop > graceMs, `${at(s.name, 'stop_grace_period')}: ${stop} ms does not outlast the ${graceMs} ms drain of common/runtime/serve.ts`);
    }
  });

  void it('give ingesters a memory limit above the RSS where they pause fetching', () => {
    for (const s of ofKind('ingester')) {
      const limit = text(obj(obj(obj(service(s.name).deploy, at(s.name, 'deploy')).resources, at(s.name, 'deploy.resources')).limits, at(s.name, 'deploy.resources.limits')).memory, at(s.name, 'deploy.resources.limits.memory'));
      const m = /^(\d+)([kmg])$/i.exec(limit);
      const bytes = Number(m?.[1]) * 1024 ** ({ k: 1, m: 2, g: 3 }[(m?.[2] ?? '').toLowerCase()] ?? NaN);
      const max = view(s).collector?.ingest.maxRssBytes ?? 0;
      assert.ok(bytes > max, `${at(s.name, 'deploy.resources.limits.memory')}: ${limit} is not above CAIRN_INGEST_MAX_RSS_BYTES (${max}); the ingester would be killed before it pauses`);
    }
  });

  void it('query replicas advertise distinct CAIRN_MEMBER_URLs that reach themselves', () => {
    const urls = new Set<string>();
    const ids = new Set<string>();
    for (const s of ofKind('query')) {
      const q = view(s).query;
      assert.ok(q?.memberUrl !== null && q !== undefined, `${at(s.name, 'environment.CAIRN_MEMBER_URL')} must be set`);
      const url = new URL(q.memberUrl);
      assert.deepEqual(servicesAt(url.hostname), [s.name], `${at(s.name, 'environment.CAIRN_MEMBER_URL')}: ${url.hostname} is not this service's own name`);
      assert.equal(Number(url.port), q.port, `${at(s.name, 'environment.CAIRN_MEMBER_URL')}: port ${url.port} is not the query port ${q.port}`);
      assert.ok(!urls.has(q.memberUrl) && !ids.has(q.memberId), `${at(s.name, 'environment')}: CAIRN_MEMBER_URL and CAIRN_MEMBER_ID must differ between replicas`);
      urls.add(q.memberUrl);
      ids.add(q.memberId);
    }
  });
});

void describe('deploy/compose: Kafka, Keeper and ClickHouse as Cairn is configured', () => {
  const collectors = cairnServices.filter((s) => s.process.kind === 'collector');
  const queries = ofKind('query');
  const brokers = byImage('apache/kafka:');
  const keepers = byImage('clickhouse/clickhouse-keeper:');
  const servers = byImage('clickhouse/clickhouse-server:');

  void it('Kafka: 3.9.x brokers in one KRaft quorum, each broker address Cairn uses advertised, RF within the broker count', () => {
    assert.ok(brokers.length >= 3, `${COMPOSE}: at least 3 Kafka brokers`);
    const envs = brokers.map(environmentOf);
    const voters = new Set(brokers.map((b, i) => `${envs[i]?.KAFKA_NODE_ID ?? ''}@${hostnameOf(b)}:9093`));
    for (const [i, b] of brokers.entries()) {
      const env = envs[i] ?? {};
      assert.match(imageOf(b), /^apache\/kafka:3\.9\.\d+$/, `${at(b, 'image')}: pin Kafka 3.9.x`);
      assert.equal(env.CLUSTER_ID, envs[0]?.CLUSTER_ID, `${at(b, 'environment.CLUSTER_ID')} differs between brokers`);
      assert.equal(Buffer.from(env.CLUSTER_ID ?? '', 'base64url').length, 16, `${at(b, 'environment.CLUSTER_ID')} is not a base64 UUID`);
      assert.deepEqual(new Set((env.KAFKA_CONTROLLER_QUORUM_VOTERS ?? '').split(',')), voters, `${at(b, 'environment.KAFKA_CONTROLLER_QUORUM_VOTERS')} must name every broker by node id`);
    }
    const advertised = new Set(envs.flatMap((e) => (e.KAFKA_ADVERTISED_LISTENERS ?? '').split(',').map((l) => l.replace(/^\w+:\/\//, ''))));
    for (const s of collectors) {
      const kafka = view(s).collector?.kafka;
      for (const broker of kafka?.brokers ?? []) assert.ok(advertised.has(broker), `${at(s.name, 'environment.CAIRN_KAFKA_BROKERS')}: ${broker} is no broker's advertised listener`);
      assert.ok((kafka?.replicationFactor ?? 0) <= brokers.length, `${at(s.name, 'environment')}: replication factor ${kafka?.replicationFactor ?? 0} exceeds ${brokers.length} brokers`);
      assert.ok((kafka?.minInsyncReplicas ?? 0) < (kafka?.replicationFactor ?? 0), `${at(s.name, 'environment')}: min.insync.replicas must be below the replication factor, or one broker down stops every write`);
    }
  });

  void it('Keeper: an odd quorum that Cairn and ClickHouse both point at, granting 4 s sessions', () => {
    assert.ok(keepers.length >= 3 && keepers.length % 2 === 1, `${COMPOSE}: 3 (or 5) Keeper nodes`);
    const file = `${DIR}/keeper/keeper_config.xml`;
    const keeper = readXml(file);
    const port = Number(xmlOne(keeper, 'keeper_server/tcp_port', file).text);
    const idVar = xmlOne(keeper, 'keeper_server/server_id', file).attrs.from_env ?? '';
    const raft = new Map(xmlAll(keeper, 'keeper_server/raft_configuration/server').map((s) => [xmlOne(s, 'hostname', file).text, xmlOne(s, 'id', file).text]));
    for (const k of keepers) {
      assert.equal(environmentOf(k)[idVar], raft.get(hostnameOf(k)), `${at(k, `environment.${idVar}`)} must be ${hostnameOf(k)}'s id in ${file}`);
      assert.ok(list(service(k).volumes, at(k, 'volumes')).some((v) => String(v).startsWith('./keeper/keeper_config.xml:/etc/clickhouse-keeper/keeper_config.xml')), `${at(k, 'volumes')} must mount ${file}`);
    }
    const ensemble = keepers.map((k) => `${hostnameOf(k)}:${port}`).sort();
    const minSession = Number(xmlOne(keeper, 'keeper_server/coordination_settings/min_session_timeout_ms', file).text);
    for (const s of queries) {
      const zk = view(s).query?.coordination;
      assert.ok(zk?.kind === 'zookeeper', `${at(s.name, 'environment')}: the query replicas must elect in Keeper`);
      assert.deepEqual(zk.connect.split(',').sort(), ensemble, `${at(s.name, 'environment.CAIRN_ZOOKEEPER')} must list every Keeper node at port ${port}`);
      assert.ok(minSession <= zk.sessionTimeoutMs, `${file}: min_session_timeout_ms ${minSession} exceeds the ${zk.sessionTimeoutMs} ms session Cairn asks for (CAIRN_ZK_SESSION_TIMEOUT_MS)`);
    }
    const cluster = readXml(`${DIR}/clickhouse/config.d/cairn-cluster.xml`);
    const nodes = xmlAll(cluster, 'zookeeper/node').map((n) => `${xmlOne(n, 'host', 'zookeeper/node').text}:${xmlOne(n, 'port', 'zookeeper/node').text}`).sort();
    assert.deepEqual(nodes, ensemble, `${DIR}/clickhouse/config.d/cairn-cluster.xml: <zookeeper> must list every Keeper node at port ${port}`);
  });

  void it('ClickHouse: the cluster Cairn names, shards with enough replicas for its insert quorum, one entry per server', () => {
    const file = `${DIR}/clickhouse/config.d/cairn-cluster.xml`;
    const config = readXml(file);
    const tcpPort = Number(xmlOne(config, 'tcp_port', file).text);
    const macro = (name: string): string => xmlOne(config, `macros/${name}`, file).attrs.from_env ?? '';
    const interserver = xmlOne(config, 'interserver_http_host', file).attrs.from_env ?? '';
    const replicaNames = new Set<string>();
    for (const s of [...collectors.filter((c) => c.process.kind === 'collector' && c.process.role !== 'receiver'), ...queries]) {
      const v = view(s);
      const target = (v.collector ?? v.query)?.clickhouse.target.topology;
      const quorum = v.collector?.ingest.insertQuorum ?? v.query?.insertQuorum ?? 0;
      assert.ok(target?.kind === 'cluster', `${at(s.name, 'environment.CAIRN_CLICKHOUSE_CLUSTER')} must name a cluster`);
      const shards = xmlAll(config, `remote_servers/${target.cluster}/shard`);
      assert.ok(shards.length > 0, `${file}: no cluster <${target.cluster}> in remote_servers (CAIRN_CLICKHOUSE_CLUSTER)`);
      const hosts: string[] = [];
      for (const [i, shard] of shards.entries()) {
        assert.equal(xmlOne(shard, 'internal_replication', file).text, 'true', `${file}: shard ${i + 1} needs internal_replication true`);
        const replicas = xmlAll(shard, 'replica');
        assert.ok(replicas.length >= quorum, `${file}: shard ${i + 1} has ${replicas.length} replicas, fewer than insert_quorum ${quorum}`);
        for (const r of replicas) {
          const host = xmlOne(r, 'host', file).text;
          assert.equal(Number(xmlOne(r, 'port', file).text), tcpPort, `${file}: ${host}'s port is not tcp_port ${tcpPort}`);
          const [server] = servicesAt(host);
          assert.ok(server !== undefined && servers.includes(server), `${file}: replica host ${host} is no ClickHouse service`);
          const env = environmentOf(server);
          assert.equal(env[macro('shard')], String(i + 1), `${at(server, `environment.${macro('shard')}`)} must be ${i + 1}`);
          assert.equal(env[interserver], host, `${at(server, `environment.${interserver}`)} must be ${host}`);
          replicaNames.add(env[macro('replica')] ?? '');
          hosts.push(host);
        }
      }
      assert.deepEqual(hosts.sort(), servers.map(hostnameOf).sort(), `${file}: every ClickHouse service appears exactly once in <${target.cluster}>`);
      assert.equal(replicaNames.size, servers.length, `${COMPOSE}: {replica} macros must be unique across the cluster`);
      const url = new URL(v.collector?.clickhouse.endpoint.kind === 'server' ? v.collector.clickhouse.endpoint.url : v.query?.clickhouse.endpoint.kind === 'server' ? v.query.clickhouse.endpoint.url : '');
      assert.ok(servicesAt(url.hostname).length > 0 && servicesAt(url.hostname).every((n) => servers.includes(n)), `${at(s.name, 'environment.CAIRN_CLICKHOUSE_URL')}: ${url.hostname} is no ClickHouse service or alias`);
      assert.equal(Number(url.port), Number(xmlOne(config, 'http_port', file).text), `${at(s.name, 'environment.CAIRN_CLICKHOUSE_URL')}: port ${url.port} is not the servers' http_port`);
    }
    for (const server of servers) {
      const mounts = list(service(server).volumes, at(server, 'volumes')).map(String);
      assert.ok(mounts.some((m) => m.startsWith('./clickhouse/config.d/cairn-cluster.xml:/etc/clickhouse-server/config.d/')), `${at(server, 'volumes')} must mount ${file} into config.d`);
      assert.ok(mounts.some((m) => m.startsWith('./clickhouse/users.d/cairn-users.xml:/etc/clickhouse-server/users.d/')), `${at(server, 'volumes')} must mount the users file into users.d`);
      const env = environmentOf(server);
      for (const node of [...fromEnv(config), ...fromEnv(readXml(`${DIR}/clickhouse/users.d/cairn-users.xml`))]) {
        assert.ok((env[node] ?? '') !== '', `${at(server, 'environment')} (with env_file): ${node} is used by the ClickHouse config but not set`);
      }
    }
  });

  void it('ClickHouse users: Cairn and Grafana log in with a user and password the servers define', () => {
    const file = `${DIR}/clickhouse/users.d/cairn-users.xml`;
    const users = readXml(file);
    const serverEnv = environmentOf(servers[0] ?? '');
    const check = (name: string, user: string, password: string): XmlNode => {
      const [node] = xmlAll(users, `users/${user}`);
      assert.ok(node !== undefined, `${at(name, 'environment')}: ClickHouse user "${user}" is not defined in ${file}`);
      const variable = xmlOne(node, 'password', file).attrs.from_env ?? '';
      assert.equal(password, serverEnv[variable], `${at(name, 'environment')}: the password of "${user}" differs from ${variable} of the ClickHouse servers`);
      return node;
    };
    for (const s of [...ofKind('ingester'), ...queries]) {
      const endpoint = (view(s).collector ?? view(s).query)?.clickhouse.endpoint;
      assert.ok(endpoint?.kind === 'server', `${at(s.name, 'environment.CAIRN_CLICKHOUSE_URL')}: a server is needed`);
      check(s.name, endpoint.username, endpoint.password);
    }
    const grafana = environmentOf('grafana');
    const node = check('grafana', grafana.CAIRN_CLICKHOUSE_USER ?? 'default', grafana.CAIRN_CLICKHOUSE_PASSWORD ?? '');
    const profile = xmlOne(node, 'profile', file).text;
    assert.notEqual(xmlAll(users, `profiles/${profile}/readonly`)[0]?.text ?? '0', '0', `${file}: Grafana's user must have a readonly profile`);
  });
});

/** Every string value in a parsed YAML document (comments are gone by then). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  return isObj(v) ? Object.values(v).flatMap(strings) : [];
}

function fromEnv(node: XmlNode): string[] {
  return [...(node.attrs.from_env === undefined ? [] : [node.attrs.from_env]), ...node.children.flatMap(fromEnv)];
}

void describe('deploy/compose: Prometheus and Grafana', () => {
  const prometheusArgs = list(service('prometheus').command, at('prometheus', 'command')).map(String);
  const listen = Number(/--web\.listen-address=.*:(\d+)$/.exec(prometheusArgs.join('\n'))?.[1] ?? 9090);

  void it('Prometheus scrapes /metrics of exactly the Cairn processes, each on its HTTP port', () => {
    const configFile = /--config\.file=(\S+)/.exec(prometheusArgs.join(' '))?.[1] ?? '';
    const mount = list(service('prometheus').volumes, at('prometheus', 'volumes')).map(String).find((v) => v.split(':')[1] === configFile);
    assert.ok(mount !== undefined, `${at('prometheus', 'volumes')}: nothing is mounted at ${configFile} (--config.file)`);
    const file = join(DIR, mount.split(':')[0] ?? '');
    const jobs = list(obj(readYaml(file), file).scrape_configs, `${file} scrape_configs`).map((j) => obj(j, `${file} scrape_configs[]`));
    const targets = new Set<string>();
    for (const job of jobs.filter((j) => String(j.job_name).startsWith('cairn-'))) {
      assert.equal(job.metrics_path ?? '/metrics', '/metrics', `${file} ${String(job.job_name)}: metrics_path must be /metrics`);
      for (const sc of list(job.static_configs, `${file} ${String(job.job_name)}.static_configs`)) {
        for (const t of list(obj(sc, file).targets, `${file} targets`)) targets.add(String(t));
      }
    }
    const expected = new Set(cairnServices.map((s) => `${hostnameOf(s.name)}:${view(s).httpPort}`));
    for (const t of targets) assert.ok(expected.has(t), `${file}: target ${t} is not a Cairn service on its HTTP port`);
    for (const t of expected) assert.ok(targets.has(t), `${file}: no cairn-* job scrapes ${t}`);
  });

  void it('Grafana gets the Prometheus and ClickHouse endpoints, the ClickHouse plugin and the provisioning mounts', () => {
    const env = environmentOf('grafana');
    const prometheus = new URL(env.CAIRN_PROMETHEUS_URL ?? '');
    assert.deepEqual(servicesAt(prometheus.hostname), ['prometheus'], `${at('grafana', 'environment.CAIRN_PROMETHEUS_URL')}: ${prometheus.hostname} is not the prometheus service`);
    assert.equal(Number(prometheus.port), listen, `${at('grafana', 'environment.CAIRN_PROMETHEUS_URL')}: Prometheus listens on ${listen}`);
    const file = `${DIR}/clickhouse/config.d/cairn-cluster.xml`;
    const host = servicesAt(env.CAIRN_CLICKHOUSE_HOST ?? '');
    assert.ok(host.length > 0 && host.every((n) => imageOf(n).startsWith('clickhouse/clickhouse-server:')), `${at('grafana', 'environment.CAIRN_CLICKHOUSE_HOST')} is no ClickHouse service or alias`);
    assert.equal(env.CAIRN_CLICKHOUSE_PORT, xmlOne(readXml(file), 'tcp_port', file).text, `${at('grafana', 'environment.CAIRN_CLICKHOUSE_PORT')} must be the servers' native tcp_port`);
    const plugins = `${env.GF_PLUGINS_PREINSTALL_SYNC ?? ''},${env.GF_PLUGINS_PREINSTALL ?? ''},${env.GF_INSTALL_PLUGINS ?? ''}`;
    assert.match(plugins, /(^|,)grafana-clickhouse-datasource(@[\w.-]+)?(,|$)/, `${at('grafana', 'environment')}: grafana-clickhouse-datasource is not installed`);
    const mounts = list(service('grafana').volumes, at('grafana', 'volumes')).map(String);
    assert.ok(mounts.some((m) => /^\.\.\/\.\.\/dashboards\/provisioning:\/etc\/grafana\/provisioning(:ro)?$/.test(m)), `${at('grafana', 'volumes')}: dashboards/provisioning must be mounted at /etc/grafana/provisioning`);
    assert.ok(mounts.some((m) => m.startsWith('../../dashboards:')), `${at('grafana', 'volumes')}: dashboards/ must be mounted for the dashboard provider`);
  });

  void it('Grafana provisioning finds every variable it references and the dashboards folder it reads', (t) => {
    if (!exists('dashboards/provisioning')) {
      t.skip('dashboards/provisioning does not exist yet: the provisioning files are not written');
      return;
    }
    const env = environmentOf('grafana');
    // Bind mounts of repository folders: [repository path, path in the container].
    const mounts = list(service('grafana').volumes, at('grafana', 'volumes'))
      .map((m) => String(m).split(':'))
      .filter(([source]) => source?.startsWith('.') === true)
      .map(([source, target]) => [normalize(join(DIR, source ?? '')), target ?? ''] as const);
    for (const kind of ['datasources', 'dashboards', 'alerting']) {
      const dir = `dashboards/provisioning/${kind}`;
      if (!exists(dir)) continue;
      for (const name of readdirSync(repoPath(dir)).filter((f) => /\.ya?ml$/.test(f))) {
        const path = `${dir}/${name}`;
        // ${NAME} anywhere, $NAME for our own prefixes: bare $A is also a math expression's reference.
        for (const value of strings(readYaml(path))) {
          for (const m of value.matchAll(/\$\{([A-Za-z_]\w*)\}|\$((?:CAIRN|GF)_\w+)/g)) {
            const variable = m[1] ?? m[2] ?? '';
            assert.ok(env[variable] !== undefined, `${path} references $${variable}, which ${at('grafana', 'environment')} does not set`);
          }
        }
        if (kind !== 'dashboards') continue;
        for (const provider of list(obj(readYaml(path), path).providers ?? [], `${path} providers`)) {
          const dashboards = text(obj(obj(provider, `${path} providers[]`).options, `${path} providers[].options`).path, `${path} providers[].options.path`);
          const mount = mounts.find(([, target]) => dashboards === target || dashboards.startsWith(`${target}/`));
          assert.ok(mount !== undefined, `${path}: options.path ${dashboards} is not inside a repository folder that ${at('grafana', 'volumes')} mounts`);
          const folder = join(mount[0], dashboards.slice(mount[1].length));
          assert.ok(exists(folder) && readdirSync(repoPath(folder)).some((f) => f.endsWith('.json')), `${path}: options.path ${dashboards} is ${folder} in the repository, which holds no dashboard JSON`);
        }
      }
    }
  });
});
