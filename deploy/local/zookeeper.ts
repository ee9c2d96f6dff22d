// ZooKeeper 3.8 (Debian package) as one standalone server on 127.0.0.1:12181.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZOOKEEPER_JAR } from './install.ts';
import { HOST, logFile, pidFile, ZOOKEEPER } from './paths.ts';
import { fourLetterWord } from './probe.ts';
import { spawnDaemon } from './process.ts';
import type { Service } from './service.ts';

const CONFIG = join(ZOOKEEPER.dir, 'zoo.cfg');
/** Debian's zookeeper.jar names slf4j-api but no binding; slf4j-simple logs to stderr (our log). */
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';

function zooCfg(): string {
  return [
    '# Written by deploy/local/zookeeper.ts; regenerated on every start.',
    'tickTime=2000',
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${join(ZOOKEEPER.dir, 'data')}`,
    `clientPort=${ZOOKEEPER.port}`,
    `clientPortAddress=${HOST}`,
    // Four ClickHouse servers, tests and tools all connect from 127.0.0.1.
    'maxClientCnxns=0',
    'minSessionTimeout=4000',
    'maxSessionTimeout=120000',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,stat,mntr',
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
    '',
  ].join('\n');
}

export function zookeeperService(): Service {
  const name = ZOOKEEPER.name;
  const log = logFile(name);
  return {
    name,
    endpoint: `${HOST}:${ZOOKEEPER.port}`,
    ports: [ZOOKEEPER.port],
    pidFile: pidFile(name),
    logFile: log,
    marker: CONFIG,
    hint: `read the log; check that ${ZOOKEEPER_JAR} exists (apt-get install zookeeper) and that port ${ZOOKEEPER.port} is free.`,
    prepare() {
      mkdirSync(join(ZOOKEEPER.dir, 'data'), { recursive: true });
      writeFileSync(CONFIG, zooCfg());
      return Promise.resolve();
    },
    launch() {
      // Run java directly instead of zkServer.sh: Debian's zkEnv.sh overrides ZOOCFGDIR and
      // ZOO_LOG_DIR, and exec'ing java ourselves makes the recorded pid the server's own.
      const classpath = [ZOOKEEPER_JAR, ...(existsSync(SLF4J_SIMPLE) ? [SLF4J_SIMPLE] : [])].join(':');
      return spawnDaemon({
        command: 'java',
        args: [
          '-Xms64m',
          '-Xmx256m',
          '-XX:+UseSerialGC',
          `-Dzookeeper.log.dir=${ZOOKEEPER.dir}`,
          '-Dorg.slf4j.simpleLogger.showDateTime=true',
          '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
          '-cp',
          classpath,
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          CONFIG,
        ],
        logFile: log,
        pidFile: pidFile(name),
        cwd: ZOOKEEPER.dir,
      });
    },
    async healthy() {
      // `ruok` answers imok while ZooKeeper is still loading its data; ClickHouse servers with
      // replicated tables exit if they start then. `srvr` reports a Mode only once it serves.
      const srvr = await fourLetterWord(HOST, ZOOKEEPER.port, 'srvr', 1000);
      return srvr !== null && /^Mode: /m.test(srvr);
    },
  };
}
