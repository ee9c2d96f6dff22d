// Drops expired day partitions on a schedule, per signal. Dropping whole partitions works on every
// ClickHouse version and costs nothing per row. It is a leader-only job of the query service (the
// embedded mode, which elects itself, included): the leader hands in a runner whose writes pass
// its fence, so a replaced leader drops nothing. Repeating a pass is harmless (a partition already
// dropped is simply not found again).
import { applyTtl, dropExpiredPartitions } from './retention.ts';
import type { RetentionRule } from './retention.ts';
import type { SqlRunner } from './sql-runner.ts';
import { logsTable } from './tables/logs.ts';
import { metricsExpHistogramTable } from './tables/metrics-exp-histogram.ts';
import { metricsGaugeTable } from './tables/metrics-gauge.ts';
import { metricsHistogramTable } from './tables/metrics-histogram.ts';
import { metricsSumTable } from './tables/metrics-sum.ts';
import { metricsSummaryTable } from './tables/metrics-summary.ts';
import { redMinutelyTable } from './tables/red-minutely.ts';
import { serviceEdgesMinutelyTable } from './tables/service-edges-minutely.ts';
import { spansTable } from './tables/spans.ts';
import { spansByTraceTable } from './tables/spans-by-trace.ts';
import { traceIndexTable } from './tables/trace-index.ts';
import type { StorageTarget } from './topology.ts';
import type { Logger } from '../runtime/logger.ts';
import { sleep } from '../runtime/retry.ts';

/** The signals data is kept for, each with its own number of days. */
export type RetentionSignal = 'traces' | 'logs' | 'metrics';
export type RetentionDays = Readonly<Record<RetentionSignal, number>>;

/** Which day-partitioned tables hold each signal's data (metric_series is not by day: kept). */
export function retentionRules(days: RetentionDays): RetentionRule[] {
  const bySignal: Record<RetentionSignal, readonly RetentionRule['table'][]> = {
    traces: [spansTable, spansByTraceTable, traceIndexTable, redMinutelyTable, serviceEdgesMinutelyTable],
    logs: [logsTable],
    metrics: [metricsGaugeTable, metricsSumTable, metricsHistogramTable, metricsExpHistogramTable, metricsSummaryTable],
  };
  return (Object.keys(bySignal) as RetentionSignal[]).flatMap((signal) => bySignal[signal].map((table) => ({ table, days: days[signal] })));
}

export interface RetentionJobOptions {
  readonly clickhouse: SqlRunner;
  readonly target: StorageTarget;
  readonly days: RetentionDays;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Injected for tests. */
  readonly now?: () => Date;
}

export class RetentionJob {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private ttlApplied = false;

  constructor(private readonly opts: RetentionJobOptions) {}

  /** Runs once now, then every interval, until close(). */
  start(): void {
    this.loop ??= this.run();
  }

  /** One pass (the first also sets TTL where the server has it); returns the partitions dropped. Errors are logged and retried at the next pass. */
  async runOnce(): Promise<number> {
    const now = this.opts.now?.() ?? new Date();
    // ON CLUSTER statements wait for every server; give them time.
    const options = { timeoutMs: 300_000, signal: this.stopping.signal };
    const rules = retentionRules(this.opts.days);
    if (!this.ttlApplied) {
      const altered = await applyTtl(this.opts.clickhouse, this.opts.target, rules, options);
      if (altered.length > 0) this.opts.logger.info({ tables: altered }, 'retention TTL set');
      this.ttlApplied = true;
    }
    const dropped = await dropExpiredPartitions(this.opts.clickhouse, this.opts.target, rules, now, options);
    if (dropped.length > 0) this.opts.logger.info({ dropped }, 'expired partitions dropped');
    return dropped.length;
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped()) {
      try {
        await this.runOnce();
      } catch (err) {
        if (!this.stopped()) this.opts.logger.warn({ err }, 'retention pass failed; next pass retries');
      }
      await sleep(this.opts.intervalMs, this.stopping.signal);
    }
  }
}
