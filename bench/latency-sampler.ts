// Ack-to-queryable latency: about once a second per signal, one marked one-item request (its own
// service name) is sent; once acknowledged, ClickHouse is polled until its row is visible through
// the Distributed table. Resolution is the poll interval plus one query.
import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { inList, sql } from '../common/clickhouse/sql.ts';
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import { stamp } from './body-template.ts';
import type { BodyTemplate } from './body-template.ts';
import { PROBE_SERVICE, probeTemplate } from './bodies.ts';
import type { BenchSignal } from './bodies.ts';
import { signalTable } from './bench-tables.ts';
import { keepAliveAgent, postProtobuf } from './http-post.ts';

export const PROBE_INTERVAL_MS = 1000;
export const POLL_INTERVAL_MS = 200;

interface Pending {
  readonly traceId: string;
  readonly ackAtMs: number;
}

export interface LatencyResult {
  readonly visibleMs: number[];
  /** Probes acknowledged but never seen before the sampler gave up. */
  readonly neverVisible: number;
  readonly probesFailed: number;
}

export class LatencySampler {
  private readonly agent: Agent = keepAliveAgent(1);
  private readonly template: BodyTemplate;
  private readonly nonce = randomBytes(8);
  private readonly pending: Pending[] = [];
  private readonly visibleMs: number[] = [];
  private probesFailed = 0;
  private sending = true;
  private probe = 0;

  constructor(
    private readonly signal: BenchSignal,
    private readonly port: number,
    private readonly clickhouse: SqlRunner,
    private readonly database: string,
  ) {
    this.template = probeTemplate(signal);
  }

  /** Sends probes until `endAtMs`, polling meanwhile; then `finish` polls the rest. */
  async run(endAtMs: () => number): Promise<void> {
    const polling = this.pollLoop();
    while (Date.now() < endAtMs()) {
      const started = Date.now();
      await this.sendProbe();
      await sleep(Math.max(0, PROBE_INTERVAL_MS - (Date.now() - started)));
    }
    this.sending = false;
    await polling;
  }

  /** Polls until every probe is visible or `deadlineMs` passes; returns the samples. */
  async finish(deadlineMs: number): Promise<LatencyResult> {
    while (this.pending.length > 0 && Date.now() < deadlineMs) {
      await this.pollOnce();
      await sleep(POLL_INTERVAL_MS);
    }
    this.agent.destroy();
    return { visibleMs: this.visibleMs, neverVisible: this.pending.length, probesFailed: this.probesFailed };
  }

  private async sendProbe(): Promise<void> {
    const request = this.probe++;
    const body = stamp(this.template, { runNonce: this.nonce, runTag: 0x7e57, request });
    const traceId = Buffer.concat([this.nonce, Buffer.from([request >>> 24, (request >>> 16) & 255, (request >>> 8) & 255, request & 255]), Buffer.alloc(4)]).toString('hex');
    try {
      const res = await postProtobuf(this.agent, this.port, this.signal === 'traces' ? '/v1/traces' : '/v1/logs', body, 30_000);
      if (res.status === 200) this.pending.push({ traceId, ackAtMs: Date.now() });
      else this.probesFailed++;
    } catch {
      this.probesFailed++;
    }
  }

  private async pollLoop(): Promise<void> {
    while (this.sending) {
      await this.pollOnce();
      await sleep(POLL_INTERVAL_MS);
    }
  }

  private async pollOnce(): Promise<void> {
    if (this.pending.length === 0) return;
    const ids = this.pending.map((p) => p.traceId);
    let rows: Array<{ trace_id: string }>;
    try {
      rows = await this.clickhouse.queryRows<{ trace_id: string }>(
        sql`SELECT DISTINCT trace_id FROM ${signalTable(this.database, this.signal)} WHERE service_name = ${PROBE_SERVICE} AND trace_id IN ${inList(ids)}`,
        { timeoutMs: 10_000 },
      );
    } catch {
      return; // the next poll tries again; a slow cluster shows up as latency
    }
    const now = Date.now();
    const seen = new Set(rows.map((r) => r.trace_id));
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i];
      if (p !== undefined && seen.has(p.traceId)) {
        this.visibleMs.push(now - p.ackAtMs);
        this.pending.splice(i, 1);
      }
    }
  }
}
