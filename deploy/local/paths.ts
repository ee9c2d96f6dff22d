// The local stack's topology (names, ports) and its state-directory layout, in one place.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST = '127.0.0.1';

/** Repository root: two levels above deploy/local. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Everything the stack writes lives here (git-ignored via `.cairn/`). */
export const STATE_DIR = join(REPO_ROOT, '.cairn', 'stack');
export const RUN_DIR = join(STATE_DIR, 'run');
export const LOG_DIR = join(STATE_DIR, 'logs');
export const ENDPOINTS_FILE = join(STATE_DIR, 'endpoints.json');
export const ENV_FILE = join(STATE_DIR, 'env.sh');

export const pidFile = (service: string): string => join(RUN_DIR, `${service}.pid`);
export const logFile = (service: string): string => join(LOG_DIR, `${service}.log`);

export const ZOOKEEPER = {
  name: 'zookeeper',
  port: 12181,
  dir: join(STATE_DIR, 'zookeeper'),
} as const;

export const CLICKHOUSE_CLUSTER = 'cairn';

export interface ClickHouseNode {
  /** Also the `{replica}` macro, so unique across the cluster. */
  readonly replica: string;
  readonly shard: number;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly interserverPort: number;
}

export const CLICKHOUSE_NODES: readonly ClickHouseNode[] = [
  { replica: 's1r1', shard: 1, httpPort: 18123, tcpPort: 19000, interserverPort: 19009 },
  { replica: 's1r2', shard: 1, httpPort: 18124, tcpPort: 19001, interserverPort: 19010 },
  { replica: 's2r1', shard: 2, httpPort: 18125, tcpPort: 19002, interserverPort: 19011 },
  { replica: 's2r2', shard: 2, httpPort: 18126, tcpPort: 19003, interserverPort: 19012 },
];

export const clickhouseServiceName = (node: ClickHouseNode): string => `clickhouse-${node.replica}`;
export const clickhouseDir = (node: ClickHouseNode): string => join(STATE_DIR, 'clickhouse', node.replica);

export interface KafkaNode {
  readonly id: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
}

export const KAFKA_VERSION = '3.9.1';
export const KAFKA_NODES: readonly KafkaNode[] = [
  { id: 1, brokerPort: 29092, controllerPort: 29192 },
  { id: 2, brokerPort: 29093, controllerPort: 29193 },
  { id: 3, brokerPort: 29094, controllerPort: 29194 },
];
export const KAFKA_DIR = join(STATE_DIR, 'kafka');
export const KAFKA_LIBS = join(STATE_DIR, 'kafka-libs');
export const KAFKA_POM = join(REPO_ROOT, 'deploy', 'local', 'kafka', 'pom.xml');
export const kafkaServiceName = (node: KafkaNode): string => `kafka-${node.id}`;
export const kafkaNodeDir = (node: KafkaNode): string => join(KAFKA_DIR, `node-${node.id}`);
