// ClickHouse 18.16 (Debian package) as a 2 shards x 2 replicas cluster of four local servers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeDirs } from './clickhouse-config.ts';
import { configXml, usersXml } from './clickhouse-config.ts';
import { StackError } from './errors.ts';
import { clickhouseServerBin } from './install.ts';
import { say } from './log.ts';
import type { ClickHouseNode } from './paths.ts';
import { CLICKHOUSE_CLUSTER, CLICKHOUSE_NODES, clickhouseDir, clickhouseServiceName, HOST, logFile, pidFile } from './paths.ts';
import { httpText } from './probe.ts';
import { spawnDaemon } from './process.ts';
import type { Service } from './service.ts';
import { waitFor, WaitTimeout } from './wait.ts';

export const clickhouseHttpUrl = (node: ClickHouseNode): string => `http://${HOST}:${node.httpPort}`;

function nodeDirs(node: ClickHouseNode): NodeDirs {
  const root = clickhouseDir(node);
  return {
    data: join(root, 'data'),
    tmp: join(root, 'tmp'),
    userFiles: join(root, 'user_files'),
    formatSchemas: join(root, 'format_schemas'),
    logs: join(root, 'logs'),
  };
}

/** Runs one query over HTTP; the body, or null when the server does not answer or errors. */
export function clickhouseQuery(node: ClickHouseNode, sql: string, timeoutMs = 3000): Promise<string | null> {
  return httpText(`${clickhouseHttpUrl(node)}/?query=${encodeURIComponent(sql)}`, timeoutMs);
}

export function clickhouseService(node: ClickHouseNode): Service {
  const name = clickhouseServiceName(node);
  const configFile = join(clickhouseDir(node), 'config.xml');
  return {
    name,
    endpoint: clickhouseHttpUrl(node),
    ports: [node.httpPort, node.tcpPort, node.interserverPort],
    pidFile: pidFile(name),
    logFile: logFile(name),
    marker: configFile,
    hint: `read the log and ${join(nodeDirs(node).logs, 'clickhouse-server.err.log')}; check that ports ${node.httpPort}/${node.tcpPort}/${node.interserverPort} are free.`,
    prepare() {
      const dirs = nodeDirs(node);
      for (const dir of [dirs.data, dirs.tmp, dirs.userFiles, dirs.formatSchemas, dirs.logs]) {
        mkdirSync(dir, { recursive: true });
      }
      writeFileSync(configFile, configXml(node, dirs));
      writeFileSync(join(clickhouseDir(node), 'users.xml'), usersXml());
      return Promise.resolve();
    },
    launch() {
      // 18.16 has no "refuse to run as root" check, so as root it simply runs as root;
      // data directories stay owned by whoever runs `cairn stack up`.
      return spawnDaemon({
        command: clickhouseServerBin(),
        args: [`--config-file=${configFile}`],
        logFile: logFile(name),
        pidFile: pidFile(name),
        cwd: clickhouseDir(node),
      });
    },
    async healthy() {
      if ((await httpText(`${clickhouseHttpUrl(node)}/ping`, 1000)) !== 'Ok.\n') return false;
      return (await clickhouseQuery(node, 'SELECT 1', 2000)) === '1\n';
    },
  };
}

export const clickhouseServices = (): Service[] => CLICKHOUSE_NODES.map(clickhouseService);

/** Every server sees the whole `cairn` cluster and reaches ZooKeeper (needed for replication). */
export async function verifyClickHouseCluster(timeoutMs: number): Promise<void> {
  const expected = CLICKHOUSE_NODES.length;
  const clusterSql = `SELECT count() FROM system.clusters WHERE cluster = '${CLICKHOUSE_CLUSTER}'`;
  const zkSql = "SELECT count() FROM system.zookeeper WHERE path = '/'";
  const problems = new Map<string, string>();
  try {
    await waitFor(
      async () => {
        problems.clear();
        for (const node of CLICKHOUSE_NODES) {
          const rows = await clickhouseQuery(node, clusterSql);
          if (rows?.trim() !== String(expected)) {
            problems.set(node.replica, `system.clusters shows ${rows?.trim() ?? 'no answer'} rows for '${CLICKHOUSE_CLUSTER}', want ${expected}`);
          } else if ((await clickhouseQuery(node, zkSql)) === null) {
            problems.set(node.replica, 'cannot read system.zookeeper (no ZooKeeper session yet)');
          }
        }
        return problems.size === 0;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
    const [replica, problem] = [...problems][0] ?? ['?', '?'];
    const node = CLICKHOUSE_NODES.find((n) => n.replica === replica);
    throw new StackError(
      `clickhouse ${replica}: ${problem}.`,
      'check the <remote_servers>/<zookeeper> sections of its config.xml and that ZooKeeper is healthy.',
      node === undefined ? undefined : join(nodeDirs(node).logs, 'clickhouse-server.err.log'),
    );
  }
  say(`clickhouse cluster '${CLICKHOUSE_CLUSTER}': ${expected} replicas in system.clusters, ZooKeeper reachable from all`);
}
