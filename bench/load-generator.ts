// Sustained OTLP load for one signal: a bounded number of requests in flight, each a pooled body
// stamped with fresh ids, optionally paced to a target rate. Refused requests (429/503/network)
// are retried with the same bytes, as an OTLP exporter would; what was acknowledged is recorded
// per request number for the exact loss accounting.
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { stamp } from './body-template.ts';
import type { BodyTemplate, SendIdentity } from './body-template.ts';
import type { BenchSignal } from './bodies.ts';
import { keepAliveAgent, postProtobuf, rejectedItems } from './http-post.ts';

export interface LoadOptions {
  readonly signal: BenchSignal;
  readonly port: number;
  readonly templates: readonly BodyTemplate[];
  readonly runNonce: Buffer;
  readonly runTag: number;
  readonly concurrency: number;
  /** Items/s for this signal; undefined = no pacing. */
  readonly rate: number | undefined;
}

export interface LoadStats {
  requestsStarted: number;
  itemsSent: number;
  bytesSent: number;
  itemsAcked: number;
  itemsRejected: number;
  requestsFailed: number;
  /** Attempts answered other than 200, by status ('net' for connection errors). */
  readonly errors: Map<string, number>;
  /** Request number -> items acknowledged in it. */
  readonly acked: Map<number, number>;
  /** Milliseconds from send to 200, one per acknowledged request. */
  readonly ackMs: number[];
}

const MAX_ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 30_000;

export class LoadGenerator {
  readonly stats: LoadStats = {
    requestsStarted: 0,
    itemsSent: 0,
    bytesSent: 0,
    itemsAcked: 0,
    itemsRejected: 0,
    requestsFailed: 0,
    errors: new Map(),
    acked: new Map(),
    ackMs: [],
  };
  private readonly agent: Agent;
  private nextRequest = 0;
  private nextSlotMs = 0;

  constructor(private readonly opts: LoadOptions) {
    this.agent = keepAliveAgent(opts.concurrency);
  }

  get path(): string {
    return this.opts.signal === 'traces' ? '/v1/traces' : '/v1/logs';
  }

  /** Sends until `endAtMs()` (wall clock; may move earlier), then waits for the requests in flight. */
  async run(endAtMs: () => number): Promise<void> {
    this.nextSlotMs = Date.now();
    await Promise.all(Array.from({ length: this.opts.concurrency }, () => this.worker(endAtMs)));
    this.agent.destroy();
  }

  private async worker(endAtMs: () => number): Promise<void> {
    for (;;) {
      await this.pace();
      if (Date.now() >= endAtMs()) return;
      const request = this.nextRequest++;
      const template = this.opts.templates[request % this.opts.templates.length];
      if (template === undefined) throw new Error('bench: empty body pool');
      const identity: SendIdentity = { runNonce: this.opts.runNonce, runTag: this.opts.runTag, request };
      await this.send(request, template.items.length, stamp(template, identity));
    }
  }

  /** Waits for this request's slot when a rate is set: slots are items/rate seconds apart. */
  private async pace(): Promise<void> {
    const rate = this.opts.rate;
    if (rate === undefined) return;
    const items = this.opts.templates[0]?.items.length ?? 1;
    const slot = Math.max(Date.now(), this.nextSlotMs);
    this.nextSlotMs = slot + (items / rate) * 1000;
    const wait = slot - Date.now();
    if (wait > 0) await sleep(wait);
  }

  private async send(request: number, items: number, body: Buffer): Promise<void> {
    const s = this.stats;
    s.requestsStarted++;
    s.itemsSent += items;
    s.bytesSent += body.length;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const started = performance.now();
      let delayMs = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      try {
        const res = await postProtobuf(this.agent, this.opts.port, this.path, body, REQUEST_TIMEOUT_MS);
        if (res.status === 200) {
          const rejected = rejectedItems(res.body);
          s.itemsRejected += rejected;
          s.itemsAcked += items - rejected;
          s.acked.set(request, items - rejected);
          s.ackMs.push(performance.now() - started);
          return;
        }
        this.countError(String(res.status));
        if (res.status !== 429 && res.status !== 503) break;
        if (res.retryAfterS !== undefined && Number.isFinite(res.retryAfterS)) delayMs = Math.min(5000, res.retryAfterS * 1000);
      } catch {
        this.countError('net');
      }
      await sleep(delayMs);
    }
    s.requestsFailed++;
  }

  private countError(key: string): void {
    this.stats.errors.set(key, (this.stats.errors.get(key) ?? 0) + 1);
  }
}
