// A real Prometheus (the Debian package's /usr/bin/prometheus) for one test: its own config listing
// the targets, its own TSDB in a temp dir, a free loopback port, a 1 s scrape interval. No system
// service is involved. close() stops it (SIGKILL if SIGTERM is not enough) and deletes the dir.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../deploy/local/free-port.ts';
import { PROMETHEUS_BIN } from '../../deploy/local/install.ts';
import { OutputTail } from './output-tail.ts';


export interface ScrapeTarget {
  readonly job: string;
  /** Base URL of a service; Prometheus scrapes <url>/metrics. */
  readonly url: string;
}

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
}

export class PrometheusServer {
  private readonly tail: OutputTail;
  private readonly exited: Promise<void>;
  private closed: Promise<void> | null = null;
  // If the test runner gives up on a test (timeout) the finally blocks may never run: kill the
  // process and remove its data when this process exits.
  private readonly onExit = (): void => {
    this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {
    this.tail = new OutputTail(child);
    this.exited = new Promise((resolve) => child.once('exit', () => { resolve(); }));
    process.once('exit', this.onExit);
  }

  static async start(targets: readonly ScrapeTarget[]): Promise<PrometheusServer> {
    if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} not found: install the Debian package prometheus (npm run stack:up does)`);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-prometheus-'));
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: targets.map((t) => {
        const u = new URL(t.url);
        return { job_name: t.job, metrics_path: '/metrics', static_configs: [{ targets: [u.host] }] };
      }),
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const args = [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
    const child = spawn(PROMETHEUS_BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    try {
      await server.waitReady(60_000);
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  private get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) break;
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Prometheus did not become ready (${this.alive ? 'timed out' : 'exited'}); its last lines:\n${this.tail.text()}`);
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const res = await fetch(`${this.url}${path}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as ApiAnswer<T>;
    if (body.status !== 'success' || body.data === undefined) throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? res.statusText}`);
    return body.data;
  }

  /** An instant query at now; the vector's samples (a scalar comes back as one sample). */
  async query(expr: string): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr });
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    if (data.resultType !== 'vector') throw new Error(`${expr}: a ${data.resultType} result`);
    return data.result as Sample[];
  }

  /** The label sets of the series a selector matches. */
  series(selector: string): Promise<Array<Record<string, string>>> {
    return this.api('/api/v1/series', { 'match[]': selector });
  }

  /** Scrape targets and their health ("up", "down", "unknown"). */
  async targets(): Promise<Array<{ job: string; health: string }>> {
    const data = await this.api<{ activeTargets: Array<{ labels: Record<string, string>; health: string }> }>('/api/v1/targets', {});
    return data.activeTargets.map((t) => ({ job: t.labels['job'] ?? '', health: t.health }));
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      process.off('exit', this.onExit);
      if (this.alive) {
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
        await this.exited;
        clearTimeout(timer);
      }
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.closed;
  }
}
