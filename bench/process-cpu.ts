// CPU time of processes and of the whole machine, from /proc: a process's utime+stime (children it
// waited for excluded), and the machine's busy/total jiffies, so the report can say who used the
// two cores during the run.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc times; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLK_TCK = 100;

/** CPU seconds a process has used so far, or undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and ')'; the fields after the last ')' are positional.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the stat line (utime, stime) are at 11 and 12 after the comm field.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export interface MachineCpu {
  readonly busy: number;
  readonly total: number;
}

/** Aggregate jiffies of all cores from the first line of /proc/stat. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  // idle + iowait are the not-busy columns (4th and 5th).
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function busyFraction(from: MachineCpu, to: MachineCpu): number {
  const total = to.total - from.total;
  return total > 0 ? (to.busy - from.busy) / total : 0;
}

/** CPU seconds so far of every process, by a group name derived from its command line. */
export function cpuByGroup(named: ReadonlyMap<number, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cpu = processCpuSeconds(pid);
    if (cpu === undefined) continue;
    const group = named.get(pid) ?? classify(pid);
    out.set(group, (out.get(group) ?? 0) + cpu);
  }
  return out;
}

function classify(pid: number): string {
  let cmd: string;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
  } catch {
    return 'other';
  }
  if (cmd.includes('kafka.Kafka')) return 'kafka (3 brokers)';
  if (cmd.includes('clickhouse')) return 'clickhouse (4 servers)';
  if (cmd.includes('zookeeper')) return 'zookeeper';
  if (cmd.includes('node')) return 'other node processes';
  return 'other';
}

/** Per-group CPU seconds used between two snapshots (processes that exited meanwhile are lost). */
export function cpuDelta(from: ReadonlyMap<string, number>, to: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [group, cpu] of to) out.set(group, Math.max(0, cpu - (from.get(group) ?? 0)));
  return out;
}
