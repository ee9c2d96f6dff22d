// Installs what the stack runs: Debian packages (ClickHouse, ZooKeeper, Java, Maven, and Prometheus for the tests) and Kafka jars.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StackError } from './errors.ts';
import { say, secondsSince, shortPath } from './log.ts';
import { KAFKA_LIBS, KAFKA_POM, KAFKA_VERSION, logFile } from './paths.ts';
import { runCommand } from './process.ts';

/** Debian puts the server in /usr/sbin; /usr/bin is accepted too (other packagings). */
export const CLICKHOUSE_SERVER_BINS = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'] as const;
export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
export const ZOOKEEPER_SCRIPT = '/usr/share/zookeeper/bin/zkServer.sh';
/** Tests run their own Prometheus from it (test/support/prometheus-server.ts); its system service is not used. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

interface AptNeed {
  readonly pkg: string;
  readonly present: () => boolean;
}

const APT_NEEDS: readonly AptNeed[] = [
  { pkg: 'clickhouse-server', present: () => CLICKHOUSE_SERVER_BINS.some((p) => existsSync(p)) },
  { pkg: 'clickhouse-client', present: () => existsSync('/usr/bin/clickhouse-client') },
  { pkg: 'zookeeper', present: () => existsSync(ZOOKEEPER_SCRIPT) && existsSync(ZOOKEEPER_JAR) },
  { pkg: 'default-jre-headless', present: () => existsSync('/usr/bin/java') },
  { pkg: 'maven', present: () => existsSync('/usr/bin/mvn') },
  { pkg: 'prometheus', present: () => existsSync(PROMETHEUS_BIN) },
];

export function clickhouseServerBin(): string {
  const bin = CLICKHOUSE_SERVER_BINS.find((p) => existsSync(p));
  if (bin === undefined) {
    throw new StackError('clickhouse-server is not installed.', 'apt-get install -y clickhouse-server clickhouse-client');
  }
  return bin;
}

export async function ensureAptPackages(): Promise<void> {
  const missing = APT_NEEDS.filter((n) => !n.present()).map((n) => n.pkg);
  if (missing.length === 0) {
    say('packages: clickhouse-server, clickhouse-client, zookeeper, java, maven, prometheus present');
    return;
  }
  // Install the whole set the task names, so a fresh machine gets the client too.
  const pkgs = [...new Set(['clickhouse-server', 'clickhouse-client', 'zookeeper', ...missing])];
  if (process.getuid?.() !== 0) {
    throw new StackError(
      `missing Debian packages: ${missing.join(', ')} (and we are not root, so cannot install them).`,
      `run: sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`,
    );
  }
  const started = performance.now();
  say(`installing ${pkgs.join(' ')} with apt-get (missing: ${missing.join(', ')})…`);
  const update = await runCommand('apt-get', ['update'], { inherit: true });
  if (update.code !== 0) {
    throw new StackError(`apt-get update failed (exit ${update.code}).`, 'check the apt sources and network, then retry.');
  }
  const install = await runCommand('apt-get', ['install', '-y', ...pkgs], {
    inherit: true,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.code !== 0) {
    throw new StackError(
      `apt-get install ${pkgs.join(' ')} failed (exit ${install.code}).`,
      'read the apt output above; fix the package problem and run `cairn stack up` again.',
    );
  }
  const still = APT_NEEDS.filter((n) => !n.present()).map((n) => n.pkg);
  if (still.length > 0) {
    throw new StackError(`after apt-get install, still missing: ${still.join(', ')}.`, 'check which files the packages installed (dpkg -L).');
  }
  say(`packages installed in ${secondsSince(started)}`);
}

function hasKafkaJar(): boolean {
  return existsSync(KAFKA_LIBS) && readdirSync(KAFKA_LIBS).some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`));
}

export async function ensureKafkaLibs(): Promise<void> {
  if (hasKafkaJar()) {
    say(`kafka ${KAFKA_VERSION} jars present in ${shortPath(KAFKA_LIBS)}`);
    return;
  }
  mkdirSync(KAFKA_LIBS, { recursive: true });
  const started = performance.now();
  say(`fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${shortPath(KAFKA_LIBS)}…`);
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', KAFKA_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${KAFKA_LIBS}`];
  // Captured rather than shown: with -q it is empty on success, and Maven's console still
  // emits stray colour codes even in batch mode.
  const result = await runCommand('mvn', args);
  const mvnLog = logFile('mvn-kafka-libs');
  mkdirSync(dirname(mvnLog), { recursive: true });
  writeFileSync(mvnLog, result.output);
  if (result.code !== 0 || !hasKafkaJar()) {
    throw new StackError(
      `mvn ${args.join(' ')} failed (exit ${result.code}).`,
      'check that Maven Central is reachable (see the log) and run `cairn stack up` again.',
      mvnLog,
    );
  }
  say(`kafka jars fetched in ${secondsSince(started)}`);
}
