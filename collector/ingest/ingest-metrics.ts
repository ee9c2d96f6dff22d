// The ingester's metrics. Partition numbers are a bounded label (the topic's partition count).
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SignalName } from '../signals/signal.ts';
import type { RecordVerdict } from './record-check.ts';

export interface IngestMetrics {
  readonly rows: Counter<'signal'>;
  readonly batches: Counter<'signal' | 'kind'>;
  readonly insertSeconds: Histogram<'signal'>;
  readonly insertFailures: Counter<'signal'>;
  readonly deadLetters: Counter<'signal' | 'reason'>;
  readonly lag: Gauge<'topic' | 'partition'>;
}

export function createIngestMetrics(registry: Registry, pausedPartitions: () => number = () => 0): IngestMetrics {
  new Gauge({
    name: 'cairn_ingest_paused_partitions',
    help: 'Partitions whose consumption waits because the process is over CAIRN_INGEST_MAX_RSS_BYTES',
    registers: [registry],
    collect() {
      this.set(pausedPartitions());
    },
  });
  const metrics: IngestMetrics = {
    rows: new Counter({ name: 'cairn_ingest_rows_total', help: 'Rows inserted into ClickHouse', labelNames: ['signal'], registers: [registry] }),
    batches: new Counter({
      name: 'cairn_ingest_batches_total',
      help: 'Batches inserted; kind=replay marks a planned batch re-inserted after a restart or rebalance (deduplicated by ClickHouse)',
      labelNames: ['signal', 'kind'],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'cairn_ingest_insert_seconds',
      help: 'Duration of successful quorum inserts',
      labelNames: ['signal'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    insertFailures: new Counter({
      name: 'cairn_ingest_insert_failures_total',
      help: 'Failed insert attempts (retried; Kafka keeps the data meanwhile)',
      labelNames: ['signal'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'cairn_ingest_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by reason',
      labelNames: ['signal', 'reason'],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'cairn_kafka_consumer_lag',
      help: 'Messages between the last inserted offset and the partition end',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
  };
  zeroKnownSeries(metrics);
  return metrics;
}

// Traces first, so the series a traces-only ingester updates come first when listed.
const SIGNALS: readonly SignalName[] = ['traces', 'logs', 'metrics'];
const DLQ_REASONS: ReadonlyArray<Extract<RecordVerdict, { ok: false }>['reason']> = ['format', 'decode'];

/**
 * Every series of a known, bounded label set exists from the start, at 0: rates and alerts see the
 * first event as an increase (a series born at 1 shows none), and "no failures" reads 0, not no data.
 */
function zeroKnownSeries(m: IngestMetrics): void {
  for (const signal of SIGNALS) {
    m.rows.inc({ signal }, 0);
    m.insertFailures.inc({ signal }, 0);
    m.insertSeconds.zero({ signal });
    for (const kind of ['new', 'replay']) m.batches.inc({ signal, kind }, 0);
    for (const reason of DLQ_REASONS) m.deadLetters.inc({ signal, reason }, 0);
  }
}
