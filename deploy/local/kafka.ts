// Kafka 3.9.1 (Maven Central jars) as a 3-node KRaft cluster, every node broker and controller.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from './errors.ts';
import { log4jProperties, serverProperties } from './kafka-config.ts';
import { say, secondsSince } from './log.ts';
import type { KafkaNode } from './paths.ts';
import { HOST, KAFKA_DIR, KAFKA_LIBS, KAFKA_NODES, kafkaNodeDir, kafkaServiceName, logFile, pidFile } from './paths.ts';
import { tcpOpen } from './probe.ts';
import { runCommand, spawnDaemon } from './process.ts';
import type { Service } from './service.ts';
import { waitFor, WaitTimeout } from './wait.ts';

const CLUSTER_ID_FILE = join(KAFKA_DIR, 'cluster-id');
const LOG4J_FILE = join(KAFKA_DIR, 'log4j.properties');
const CLASSPATH = `${KAFKA_LIBS}/*`;

export const kafkaBroker = (node: KafkaNode): string => `${HOST}:${node.brokerPort}`;
const dataDir = (node: KafkaNode): string => join(kafkaNodeDir(node), 'data');
const propertiesFile = (node: KafkaNode): string => join(kafkaNodeDir(node), 'server.properties');

/** Generated once and kept: the log dirs are formatted with it. Same shape as Kafka's Uuid. */
function clusterId(): string {
  if (existsSync(CLUSTER_ID_FILE)) return readFileSync(CLUSTER_ID_FILE, 'utf8').trim();
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  mkdirSync(KAFKA_DIR, { recursive: true });
  writeFileSync(CLUSTER_ID_FILE, `${id}\n`);
  return id;
}

async function formatStorage(node: KafkaNode): Promise<void> {
  if (existsSync(join(dataDir(node), 'meta.properties'))) return;
  const started = performance.now();
  const args = ['-cp', CLASSPATH, `-Dlog4j.configuration=file:${LOG4J_FILE}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propertiesFile(node)];
  const result = await runCommand('java', args);
  if (result.code !== 0) {
    const log = join(kafkaNodeDir(node), 'format.log');
    writeFileSync(log, result.output);
    throw new StackError(
      `kafka-${node.id}: formatting ${dataDir(node)} failed (exit ${result.code}).`,
      `if the cluster id changed, run \`cairn stack down --purge\` (deletes stack data) and up again.`,
      log,
    );
  }
  say(`kafka-${node.id} storage formatted in ${secondsSince(started)}`);
}

function client(brokers: string[]): Kafka {
  return new Kafka({
    clientId: 'cairn-stack',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
}

/** Node ids of the brokers a metadata request (via `brokers`) returns, or null on failure. */
export async function kafkaBrokerIds(brokers: string[]): Promise<number[] | null> {
  const admin = client(brokers).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaService(node: KafkaNode): Service {
  const name = kafkaServiceName(node);
  return {
    name,
    endpoint: kafkaBroker(node),
    ports: [node.brokerPort, node.controllerPort],
    pidFile: pidFile(name),
    logFile: logFile(name),
    marker: propertiesFile(node),
    hint: `read the log; the quorum needs all ${KAFKA_NODES.length} nodes up, so check the other kafka-* logs too.`,
    async prepare() {
      mkdirSync(dataDir(node), { recursive: true });
      writeFileSync(LOG4J_FILE, log4jProperties());
      writeFileSync(propertiesFile(node), serverProperties(node, dataDir(node)));
      await formatStorage(node);
    },
    launch() {
      return spawnDaemon({
        command: 'java',
        args: [
          '-Xms256m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          '-XX:MaxGCPauseMillis=20',
          '-Djava.awt.headless=true',
          `-Dlog4j.configuration=file:${LOG4J_FILE}`,
          `-Dkafka.logs.dir=${kafkaNodeDir(node)}`,
          '-cp',
          CLASSPATH,
          'kafka.Kafka',
          propertiesFile(node),
        ],
        logFile: logFile(name),
        pidFile: pidFile(name),
        cwd: kafkaNodeDir(node),
      });
    },
    async healthy() {
      if (!(await tcpOpen(HOST, node.brokerPort, 1000))) return false;
      const ids = await kafkaBrokerIds([kafkaBroker(node)]);
      return ids?.includes(node.id) ?? false;
    },
  };
}

export const kafkaServices = (): Service[] => KAFKA_NODES.map(kafkaService);

/** A metadata request through every broker sees the whole cluster. */
export async function verifyKafkaCluster(timeoutMs: number): Promise<void> {
  const want = KAFKA_NODES.map((n) => n.id);
  const last: { seen: number[] } = { seen: [] };
  try {
    await waitFor(
      async () => {
        last.seen = (await kafkaBrokerIds(KAFKA_NODES.map(kafkaBroker))) ?? [];
        return want.every((id) => last.seen.includes(id));
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
    throw new StackError(
      `kafka: metadata lists brokers [${last.seen.join(', ')}], want [${want.join(', ')}].`,
      'read the kafka-* logs for controller quorum or registration errors.',
      logFile('kafka-1'),
    );
  }
  say(`kafka cluster: metadata lists ${want.length} brokers (${want.join(', ')})`);
}
