// Drops expired day partitions on a schedule, per signal. Dropping whole partitions works on every
// ClickHouse version and costs nothing per row. Runs in ingester processes: several running it is
// harmless (a second drop of the same partition finds nothing); once leader election exists it
// moves to the leader.
import { applyTtl, dropExpiredPartitions } from '../../common/clickhouse/retention.ts';
import type { RetentionRule } from '../../common/clickhouse/retention.ts';
import type { SqlRunner } from '../../common/clickhouse/sql-runner.ts';
import { logsTable } from '../../common/clickhouse/tables/logs.ts';
import { metricsExpHistogramTable } from '../../common/clickhouse/tables/metrics-exp-histogram.ts';
import { metricsGaugeTable } from '../../common/clickhouse/tables/metrics-gauge.ts';
import { metricsHistogramTable } from '../../common/clickhouse/tables/metrics-histogram.ts';
import { metricsSumTable } from '../../common/clickhouse/tables/metrics-sum.ts';
import { metricsSummaryTable } from '../../common/clickhouse/tables/metrics-summary.ts';
import { redMinutelyTable } from '../../common/clickhouse/tables/red-minutely.ts';
import { serviceEdgesMinutelyTable } from '../../common/clickhouse/tables/service-edges-minutely.ts';
import { spansTable } from '../../common/clickhouse/tables/spans.ts';
import { traceIndexTable } from '../../common/clickhouse/tables/trace-index.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { Logger } from '../../common/runtime/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import type { SignalName } from '../signals/signal.ts';

export type RetentionDays = Readonly<Record<SignalName, number>>;

/** Which day-partitioned tables hold each signal's data (metric_series is not by day: kept). */
export function retentionRules(days: RetentionDays): RetentionRule[] {
  const bySignal: Record<SignalName, readonly RetentionRule['table'][]> = {
    traces: [spansTable, traceIndexTable, redMinutelyTable, serviceEdgesMinutelyTable],
    logs: [logsTable],
    metrics: [metricsGaugeTable, metricsSumTable, metricsHistogramTable, metricsExpHistogramTable, metricsSummaryTable],
  };
  return (Object.keys(bySignal) as SignalName[]).flatMap((signal) => bySignal[signal].map((table) => ({ table, days: days[signal] })));
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
