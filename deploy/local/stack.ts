// The local process stack: ZooKeeper, a 2x2 ClickHouse cluster and a 3-node Kafka, on 127.0.0.1.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickhouseHttpUrl, clickhouseServices, verifyClickHouseCluster } from './clickhouse.ts';
import { ensureAptPackages, ensureKafkaLibs } from './install.ts';
import { kafkaBroker, kafkaServices, verifyKafkaCluster } from './kafka.ts';
import { say, secondsSince, shortPath } from './log.ts';
import {
  CLICKHOUSE_CLUSTER,
  CLICKHOUSE_NODES,
  ENDPOINTS_FILE,
  ENV_FILE,
  HOST,
  KAFKA_NODES,
  STATE_DIR,
  ZOOKEEPER,
} from './paths.ts';
import type { Service, ServiceStatus } from './service.ts';
import { ensureGroup, statusOf, stopService } from './service.ts';
import { zookeeperService } from './zookeeper.ts';

export interface StackEndpoints {
  zookeeper: string;
  kafkaBrokers: string[];
  clickhouseHttp: string[];
  clickhouseCluster: string;
  clickhouseNodes: Array<{ name: string; shard: number; replica: string; http: string; tcpPort: number }>;
}

/** Start-up deadlines per group; JVMs on two cores are the slow part. */
const DEADLINE_MS = { zookeeper: 60_000, clickhouse: 60_000, kafka: 120_000 } as const;

/** Start order; `down` stops in reverse (Kafka, ClickHouse, then ZooKeeper they depend on). */
function allServices(): Service[] {
  return [zookeeperService(), ...clickhouseServices(), ...kafkaServices()];
}

export function stackEndpoints(): StackEndpoints {
  return {
    zookeeper: `${HOST}:${ZOOKEEPER.port}`,
    kafkaBrokers: KAFKA_NODES.map(kafkaBroker),
    clickhouseHttp: CLICKHOUSE_NODES.map(clickhouseHttpUrl),
    clickhouseCluster: CLICKHOUSE_CLUSTER,
    clickhouseNodes: CLICKHOUSE_NODES.map((n) => ({
      name: n.replica,
      shard: n.shard,
      replica: n.replica,
      http: clickhouseHttpUrl(n),
      tcpPort: n.tcpPort,
    })),
  };
}

function envSh(e: StackEndpoints): string {
  const vars: Array<[string, string]> = [
    ['CAIRN_KAFKA_BROKERS', e.kafkaBrokers.join(',')],
    ['CAIRN_CLICKHOUSE_URL', e.clickhouseHttp[0] ?? ''],
    ['CAIRN_CLICKHOUSE_URLS', e.clickhouseHttp.join(',')],
    ['CAIRN_CLICKHOUSE_CLUSTER', e.clickhouseCluster],
    ['CAIRN_ZOOKEEPER', e.zookeeper],
  ];
  return `# Written by \`cairn stack up\`; source it: . ${shortPath(ENV_FILE)}\n${vars.map(([k, v]) => `export ${k}=${v}`).join('\n')}\n`;
}

function writeEndpointFiles(e: StackEndpoints): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(ENDPOINTS_FILE, `${JSON.stringify(e, null, 2)}\n`);
  writeFileSync(ENV_FILE, envSh(e));
}

export async function stackUp(): Promise<StackEndpoints> {
  const started = performance.now();
  mkdirSync(STATE_DIR, { recursive: true });
  await ensureAptPackages();
  await ensureKafkaLibs();

  await ensureGroup('zookeeper', [zookeeperService()], DEADLINE_MS.zookeeper);
  await ensureGroup('clickhouse', clickhouseServices(), DEADLINE_MS.clickhouse);
  await verifyClickHouseCluster(30_000);
  await ensureGroup('kafka', kafkaServices(), DEADLINE_MS.kafka);
  await verifyKafkaCluster(60_000);

  const endpoints = stackEndpoints();
  writeEndpointFiles(endpoints);
  say(`stack up in ${secondsSince(started)}`);
  say(`zookeeper          ${endpoints.zookeeper}`);
  say(`kafka brokers      ${endpoints.kafkaBrokers.join(',')}`);
  for (const n of endpoints.clickhouseNodes) {
    say(`clickhouse ${n.replica}    ${n.http} (tcp ${n.tcpPort}, shard ${n.shard}, cluster '${endpoints.clickhouseCluster}')`);
  }
  say(`endpoints: ${shortPath(ENDPOINTS_FILE)}; shell: . ${shortPath(ENV_FILE)}`);
  return endpoints;
}

export interface StackDownOptions {
  /** Also delete all data, configs and logs (keeps the downloaded Kafka jars). */
  readonly purge?: boolean;
}

export async function stackDown(options: StackDownOptions = {}): Promise<void> {
  const services = allServices().reverse();
  const kafka = services.filter((s) => s.name.startsWith('kafka-'));
  const rest = services.filter((s) => !s.name.startsWith('kafka-'));
  // The brokers stop together: a controller quorum shutting down one by one stalls on the last.
  await Promise.all(kafka.map((s) => stopService(s, 30_000)));
  await Promise.all(rest.filter((s) => s.name.startsWith('clickhouse-')).map((s) => stopService(s, 20_000)));
  for (const s of rest.filter((s) => !s.name.startsWith('clickhouse-'))) await stopService(s, 15_000);
  if (options.purge === true) {
    for (const dir of ['zookeeper', 'clickhouse', 'kafka', 'run', 'logs', 'endpoints.json', 'env.sh']) {
      rmSync(join(STATE_DIR, dir), { recursive: true, force: true });
    }
    say(`purged stack data in ${shortPath(STATE_DIR)} (kept kafka-libs)`);
  }
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  return Promise.all(allServices().map(statusOf));
}
