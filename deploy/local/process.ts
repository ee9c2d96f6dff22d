// Daemonized child processes: spawn detached with output to a log file, pid files, liveness, stop.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { waitFor } from './wait.ts';

export interface DaemonSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly pidFile: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Run as this user/group id (setuid by Node, so the recorded pid is the server itself). */
  readonly uid?: number;
  readonly gid?: number;
}

/** Starts a process in its own process group, detached from ours; returns its pid. */
export function spawnDaemon(spec: DaemonSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  try {
    writeFileSync(out, `\n==== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', out, out],
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
    // A spawn failure (ENOENT, EACCES) arrives as an event; the pid check below reports it.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not spawn ${spec.command}`);
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export function readPid(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * True when `pid` is alive and its command line mentions `marker` (a config path under our state
 * dir), so a recycled pid never makes us adopt or kill a stranger.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** SIGTERM to the process group, SIGKILL once `graceMs` has passed. Resolves when it is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<'terminated' | 'killed'> {
  signalGroup(pid, 'SIGTERM');
  try {
    await waitFor(() => Promise.resolve(!isAlive(pid)), { timeoutMs: graceMs, intervalMs: 100 });
    return 'terminated';
  } catch {
    signalGroup(pid, 'SIGKILL');
    await waitFor(() => Promise.resolve(!isAlive(pid)), { timeoutMs: 10_000, intervalMs: 100 });
    return 'killed';
  }
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Show the command's output on our terminal (installs); otherwise capture it. */
  readonly inherit?: boolean;
}

/** Runs a command to completion; resolves with its exit code and captured output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: options.inherit === true ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => {
      resolvePromise({ code: 127, output: `${output}${err.message}\n` });
    });
    child.on('close', (code) => {
      resolvePromise({ code: code ?? 1, output });
    });
  });
}
