// One Cairn service (a collector role, or the query service) as a child process of the benchmark:
// started with the run's environment, waited on through /readyz, stopped with SIGTERM (SIGKILL
// after 10 s).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServiceProcessOptions {
  readonly role: 'receiver' | 'ingester' | 'query';
  readonly env: Record<string, string>;
  /** Port serving /readyz for this role. */
  readonly readyPort: number;
  /** Where stdout/stderr go (JSON logs at warn level). */
  readonly logFile: string;
  /** Set to write a V8 CPU profile into this directory on exit. */
  readonly cpuProfileDir: string | undefined;
}

const STOP_GRACE_MS = 10_000;

export class ServiceProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  private stopping: Promise<void> | null = null;

  constructor(private readonly opts: ServiceProcessOptions) {
    const profile = opts.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir];
    // Either suite may run first on a fresh checkout: the log's folder is this class's to make.
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const log = openSync(opts.logFile, 'a');
    const command = opts.role === 'query' ? ['query'] : ['collector', '--role', opts.role];
    this.child = spawn(process.execPath, [...profile, 'bin/cairn.js', ...command], {
      // CAIRN_* tuning set around `npm run bench` reaches the services; the bench's own
      // settings (database, topics, ports) win.
      env: { ...inheritedCairnSettings(), ...opts.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.opts.role} did not start`);
    return this.child.pid;
  }

  get role(): string {
    return this.opts.role;
  }

  /** Resolves once /readyz answers 200; rejects if the process exits or the deadline passes. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) {
        throw new Error(`${this.opts.role} exited with code ${String(this.exitCode)} before it was ready; see ${this.opts.logFile}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.opts.readyPort}/readyz`, { signal: AbortSignal.timeout(2000) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(500);
    }
    throw new Error(`${this.opts.role} not ready after ${timeoutMs} ms (last: ${last}); see ${this.opts.logFile}`);
  }

  /** SIGTERM, then SIGKILL after the grace period. Safe to call twice. */
  stop(): Promise<void> {
    // A second SIGTERM would make the service exit at once, skipping its drain; send one only.
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

function inheritedCairnSettings(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('CAIRN_') && v !== undefined) out[k] = v;
  return out;
}
