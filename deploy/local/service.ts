// One managed server process and the generic up/status/down logic shared by every service.
import { execFileSync } from 'node:child_process';
import { say, secondsSince, shortPath } from './log.ts';
import { StackError } from './errors.ts';
import { HOST } from './paths.ts';
import { isAlive, isOurProcess, readPid, removePidFile, stopProcess } from './process.ts';
import { tcpOpen } from './probe.ts';
import { waitFor, WaitTimeout } from './wait.ts';

export interface Service {
  /** e.g. `zookeeper`, `clickhouse-s1r1`, `kafka-2`. */
  readonly name: string;
  readonly endpoint: string;
  readonly ports: readonly number[];
  readonly pidFile: string;
  readonly logFile: string;
  /** A string in our process's command line (its config path), to recognise our own pid. */
  readonly marker: string;
  /** Writes config and initialises storage; idempotent. */
  prepare(): Promise<void>;
  /** Spawns the daemon and returns its pid (also written to pidFile). */
  launch(): number;
  healthy(): Promise<boolean>;
  /** What to try when it does not come up. */
  readonly hint: string;
}

export interface ServiceStatus {
  name: string;
  pid: number | null;
  running: boolean;
  healthy: boolean;
  endpoint: string;
}

/** Our recorded pid when that process is alive and really ours, else null. */
export function livePid(service: Service): number | null {
  const pid = readPid(service.pidFile);
  return pid !== null && isOurProcess(pid, service.marker) ? pid : null;
}

export async function statusOf(service: Service): Promise<ServiceStatus> {
  const pid = livePid(service);
  const healthy = pid !== null && (await service.healthy());
  return { name: service.name, pid, running: pid !== null, healthy, endpoint: service.endpoint };
}

/** Whoever listens on a port, as `ss` reports it (best effort, for error messages). */
function portOwner(port: number): string {
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8', timeout: 2000 });
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    return match === null ? 'an unknown process' : `${match[1] ?? '?'} (pid ${match[2] ?? '?'})`;
  } catch {
    return 'an unknown process';
  }
}

async function assertPortsFree(service: Service): Promise<void> {
  for (const port of service.ports) {
    if (await tcpOpen(HOST, port, 500)) {
      throw new StackError(
        `${service.name}: port ${HOST}:${port} is already in use by ${portOwner(port)}, which this stack did not start.`,
        `stop that process (or free port ${port}) and run \`cairn stack up\` again.`,
      );
    }
  }
}

/**
 * Brings a group of services up together (a quorum needs all its members at once): healthy ones
 * are left alone, dead or unhealthy ones are (re)started, then all are awaited until the deadline.
 */
export async function ensureGroup(label: string, services: readonly Service[], timeoutMs: number): Promise<void> {
  const toStart: Service[] = [];
  for (const service of services) {
    const pid = livePid(service);
    if (pid !== null && (await service.healthy())) {
      say(`${service.name} already running (pid ${pid}), healthy at ${service.endpoint}`);
      continue;
    }
    if (pid !== null) {
      say(`${service.name} (pid ${pid}) is running but not healthy; restarting it`);
      await stopProcess(pid, 20_000);
    }
    removePidFile(service.pidFile);
    toStart.push(service);
  }
  if (toStart.length === 0) return;

  for (const service of toStart) await assertPortsFree(service);
  await Promise.all(toStart.map((s) => s.prepare()));

  const started = performance.now();
  const pending = new Map<Service, number>();
  for (const service of toStart) {
    const pid = service.launch();
    pending.set(service, pid);
    say(`${service.name} starting… (pid ${pid}, log ${shortPath(service.logFile)})`);
  }

  try {
    await waitFor(
      async () => {
        for (const [service, pid] of [...pending]) {
          if (!isAlive(pid)) {
            throw new StackError(`${service.name} exited during start-up.`, service.hint, service.logFile);
          }
          if (await service.healthy()) {
            pending.delete(service);
            say(`${service.name} healthy in ${secondsSince(started)} at ${service.endpoint}`);
          }
        }
        return pending.size === 0;
      },
      {
        timeoutMs,
        intervalMs: 250,
        everyMs: 10_000,
        onTick: () => {
          say(`${label}: still waiting for ${[...pending.keys()].map((s) => s.name).join(', ')} (${secondsSince(started)})`);
        },
      },
    );
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
    const [first] = pending.keys();
    throw new StackError(
      `${label}: ${[...pending.keys()].map((s) => s.name).join(', ')} not healthy after ${Math.round(timeoutMs / 1000)}s.`,
      first?.hint ?? 'check the log',
      first?.logFile,
    );
  }
}

/** Stops our recorded process (if alive) and removes its pid file. */
export async function stopService(service: Service, graceMs: number): Promise<void> {
  const recorded = readPid(service.pidFile);
  const pid = livePid(service);
  if (pid === null) {
    if (recorded !== null) say(`${service.name}: pid ${recorded} not running (stale pid file removed)`);
    removePidFile(service.pidFile);
    return;
  }
  const started = performance.now();
  const how = await stopProcess(pid, graceMs);
  removePidFile(service.pidFile);
  say(`${service.name} (pid ${pid}) ${how === 'terminated' ? 'stopped' : 'killed after SIGTERM timeout'} in ${secondsSince(started)}`);
}
