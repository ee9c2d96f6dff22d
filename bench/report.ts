// The benchmark's final plain-text report: throughput, CPU cost, loss, latency, storage, machine.
import type { Accounting } from './accounting.ts';
import type { BenchSignal } from './bodies.ts';
import type { LatencyResult } from './latency-sampler.ts';
import { POLL_INTERVAL_MS } from './latency-sampler.ts';
import type { LoadStats } from './load-generator.ts';
import type { ProfileSummary } from './profile-summary.ts';
import { fmt, quantile } from './stats.ts';
import type { TableFootprint } from './storage-footprint.ts';

export interface SignalResult {
  readonly signal: BenchSignal;
  readonly load: LoadStats;
  readonly accounting: Accounting;
  readonly latency: LatencyResult;
}

export interface BenchResult {
  readonly command: string;
  readonly loadSeconds: number;
  /** From load start until every acknowledged item was committed by the ingester. */
  readonly endToEndSeconds: number;
  readonly drained: boolean;
  /** Items the ingester had committed when the load stopped, over the load window. */
  readonly ingestedDuringLoad: number;
  readonly signals: readonly SignalResult[];
  readonly cpu: { readonly receiverS: number; readonly ingesterS: number; readonly benchS: number };
  readonly machine: {
    readonly cores: number;
    readonly loadAvgBefore: readonly number[];
    readonly loadAvgAfter: readonly number[];
    readonly busyDuringLoad: number;
    readonly cpuByGroup: ReadonlyMap<string, number>;
  };
  readonly footprint: readonly TableFootprint[];
  readonly profiles: readonly ProfileSummary[];
}

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

export function renderReport(r: BenchResult): string {
  const out: string[] = [`\n=== Cairn ingestion benchmark: ${r.command}`];
  const acked = r.signals.reduce((a, s) => a + s.load.itemsAcked, 0);
  const stored = r.signals.reduce((a, s) => a + s.accounting.storedUnique, 0);
  const rows: string[][] = [['', ...r.signals.map((s) => s.signal)]];
  const per = (label: string, f: (s: SignalResult) => string): void => {
    rows.push([label, ...r.signals.map(f)]);
  };
  per('items sent', (s) => fmt(s.load.itemsSent));
  per('items acknowledged', (s) => fmt(s.load.itemsAcked));
  per('  accepted items/s (load window)', (s) => fmt(s.load.itemsAcked / r.loadSeconds));
  per('items rejected (partial success)', (s) => fmt(s.load.itemsRejected));
  per('requests failed after retries', (s) => fmt(s.load.requestsFailed));
  per('non-200 answers (all attempts)', (s) => [...s.load.errors].map(([k, v]) => `${k}:${v}`).join(' ') || '0');
  per('request ack ms p50 / p99', (s) => `${fmt(quantile(s.load.ackMs, 0.5))} / ${fmt(quantile(s.load.ackMs, 0.99))}`);
  per('OTLP bytes sent per item', (s) => fmt(s.load.bytesSent / Math.max(1, s.load.itemsSent), 1));
  per('stored rows / unique', (s) => `${fmt(s.accounting.storedRows)} / ${fmt(s.accounting.storedUnique)}`);
  per('MISSING (acked, not stored)', (s) => fmt(s.accounting.missing));
  per('duplicated rows', (s) => fmt(s.accounting.duplicates));
  per('stored from unacked requests', (s) => fmt(s.accounting.storedUnacked));
  per('  end-to-end items/s (load start -> drained)', (s) => fmt(s.accounting.storedUnique / r.endToEndSeconds));
  per('ack->queryable ms p50', (s) => fmt(quantile(s.latency.visibleMs, 0.5)));
  per('ack->queryable ms p99', (s) => fmt(quantile(s.latency.visibleMs, 0.99)));
  per('ack->queryable ms max', (s) => fmt(quantile(s.latency.visibleMs, 1)));
  per('probes seen / never seen / failed', (s) => `${s.latency.visibleMs.length} / ${s.latency.neverVisible} / ${s.latency.probesFailed}`);
  out.push(table(rows));
  out.push(
    '',
    `load ${fmt(r.loadSeconds, 1)} s; drained ${r.drained ? 'yes' : 'NO (deadline passed)'} after ${fmt(r.endToEndSeconds - r.loadSeconds, 1)} s more; ` +
      `ingester committed ${fmt(r.ingestedDuringLoad)} Kafka offsets during the load window (${fmt(r.ingestedDuringLoad / r.loadSeconds)}/s; a message holds many rows)`,
    `latency resolution: ${POLL_INTERVAL_MS} ms poll + one ClickHouse query through the Distributed table`,
    '',
    table([
      ['CPU', 'seconds', 's per 1,000 items', 'cores used'],
      ['receiver (load window)', fmt(r.cpu.receiverS, 1), fmt((r.cpu.receiverS / Math.max(1, acked)) * 1000, 4), fmt(r.cpu.receiverS / r.loadSeconds, 2)],
      ['ingester (load start -> drained)', fmt(r.cpu.ingesterS, 1), fmt((r.cpu.ingesterS / Math.max(1, stored)) * 1000, 4), fmt(r.cpu.ingesterS / r.endToEndSeconds, 2)],
      ['bench (generator + sampler)', fmt(r.cpu.benchS, 1), fmt((r.cpu.benchS / Math.max(1, acked)) * 1000, 4), fmt(r.cpu.benchS / r.endToEndSeconds, 2)],
    ]),
  );
  out.push('', renderFootprint(r), '', renderMachine(r));
  for (const p of r.profiles) out.push('', renderProfile(p));
  return out.join('\n');
}

function renderFootprint(r: BenchResult): string {
  const rows = [['storage (all 4 servers, replicas counted)', 'rows', 'bytes on disk', 'B/row', 'rows/MiB', 'uncompressed B/row']];
  for (const t of r.footprint) {
    rows.push([t.table, fmt(t.rows), fmt(t.bytesOnDisk), fmt(t.bytesOnDisk / Math.max(1, t.rows), 1), fmt(t.rows / Math.max(1, t.bytesOnDisk / 2 ** 20)), fmt(t.uncompressedBytes / Math.max(1, t.rows), 1)]);
  }
  return `${table(rows)}\n(rows include the probe rows; active parts only; each shard's rows are stored on 2 replicas)`;
}

function renderMachine(r: BenchResult): string {
  const m = r.machine;
  const groups = [...m.cpuByGroup].sort((a, b) => b[1] - a[1]);
  const rows = [['CPU during the load window by process group', 'seconds', 'cores']];
  for (const [g, s] of groups) if (s >= 0.05) rows.push([g, fmt(s, 1), fmt(s / r.loadSeconds, 2)]);
  return (
    `machine: ${m.cores} cores; load average before ${m.loadAvgBefore.map((x) => fmt(x, 2)).join(' ')}, after ${m.loadAvgAfter.map((x) => fmt(x, 2)).join(' ')}; ` +
    `all cores ${fmt(m.busyDuringLoad * 100)}% busy during the load\n${table(rows)}`
  );
}

function renderProfile(p: ProfileSummary): string {
  const fns = [['top self time', 'ms', '% busy', 'where'], ...p.functions.map((f) => [f.name.slice(0, 48), fmt(f.selfMs), fmt(f.share * 100, 1), f.where])];
  const origins = [['self time by origin', 'ms', '% busy'], ...p.byOrigin.map((f) => [f.name, fmt(f.selfMs), fmt(f.share * 100, 1)])];
  return `profile ${p.file}: ${fmt(p.totalMs / 1000, 1)} s from start to exit, ${fmt(p.busyMs / 1000, 1)} s not idle\n${table(fns)}\n\n${table(origins)}`;
}
