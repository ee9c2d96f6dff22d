// A lone ingester as a real child process (`cairn collector --role ingester`), so a fault can kill
// it with SIGKILL the way a crash or an OOM kill would: no close(), no commit, no group leave.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../deploy/local/paths.ts';
import { eventually } from './pipeline.ts';
import { freePort } from '../../../deploy/local/free-port.ts';

const TAIL_LINES = 40;

export class IngesterProcess {
  private readonly tail: string[] = [];
  private resumedPlans = 0;
  private readonly exited: Promise<number | string>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        if (line.includes('resuming a planned batch')) this.resumedPlans++;
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => { resolve(signal ?? code ?? 0); }));
  }

  /** Spawns the ingester with the pipeline's environment and its own ops port. */
  static async spawn(env: Readonly<Record<string, string>>): Promise<IngesterProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'cairn.js'), 'collector', '--role', 'ingester'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, CAIRN_INGESTER_HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new IngesterProcess(child, `http://127.0.0.1:${port}`);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Planned batches this process found left by a predecessor and replayed (logged at info). */
  get planResumes(): number {
    return this.resumedPlans;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ready means schema in place and every signal's consumer has joined its group. */
  async waitReady(timeoutMs: number): Promise<void> {
    try {
      await eventually(`ingester pid ${this.pid} /readyz`, timeoutMs, async () => {
        if (!this.alive) throw new Error(`ingester exited: ${String(await this.exited)}`);
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        return res.status === 200 ? true : undefined;
      });
    } catch (err) {
      throw new Error(`ingester not ready; its last log lines:\n${this.tail.join('\n')}`, { cause: err });
    }
  }

  /** cairn_ingest_rows_total{signal="traces"} from its /metrics. */
  async rowsInserted(): Promise<number> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    const line = text.split('\n').find((l) => l.startsWith('cairn_ingest_rows_total{') && l.includes('signal="traces"'));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** SIGKILL, then wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop (SIGTERM: finish the batch, commit, leave the group); SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
