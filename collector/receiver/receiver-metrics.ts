// The receiver's metrics. Labels are closed sets (signal, outcome, HTTP status), never ids.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Signal, SignalDecodeResult, SignalName } from '../signals/signal.ts';

export interface ReceiverMetrics {
  readonly items: Counter<'signal' | 'outcome'>;
  readonly requests: Counter<'signal' | 'code'>;
  readonly inflightBytes: Gauge;
  readonly produceSeconds: Histogram;
  readonly produceFailures: Counter;
}

export function createReceiverMetrics(registry: Registry): ReceiverMetrics {
  const metrics: ReceiverMetrics = {
    items: new Counter({
      name: 'cairn_receiver_items_total',
      help: 'Items received, by signal and outcome (accepted, rejected_invalid, rejected_limit, rejected_overload)',
      labelNames: ['signal', 'outcome'],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'cairn_receiver_requests_total',
      help: 'OTLP export requests by signal and HTTP status code or gRPC status name',
      labelNames: ['signal', 'code'],
      registers: [registry],
    }),
    inflightBytes: new Gauge({
      name: 'cairn_receiver_inflight_bytes',
      help: 'Decompressed bytes of requests being decoded or waiting for Kafka acks',
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'cairn_kafka_produce_seconds',
      help: 'Time from produce to acknowledgement by all in-sync replicas',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    produceFailures: new Counter({
      name: 'cairn_kafka_produce_failures_total',
      help: 'Produce requests that failed after retries (the client was told to retry)',
      registers: [registry],
    }),
  };
  // Every signal and outcome starts at 0, so a first rejection shows as an increase and
  // "rejected" reads 0 rather than no data.
  for (const signal of SIGNALS) for (const outcome of OUTCOMES) metrics.items.inc({ signal, outcome }, 0);
  return metrics;
}

const SIGNALS: readonly SignalName[] = ['traces', 'logs', 'metrics'];
const OUTCOMES = ['accepted', 'rejected_invalid', 'rejected_limit', 'rejected_overload'] as const;

/** Invalid items and items refused by a limit are counted apart: the fixes differ. */
export function countRejected(metrics: ReceiverMetrics, signal: Signal, decoded: SignalDecodeResult): void {
  const refused = decoded.refused ?? 0;
  if (decoded.rejected - refused > 0) metrics.items.inc({ signal: signal.name, outcome: 'rejected_invalid' }, decoded.rejected - refused);
  if (refused > 0) metrics.items.inc({ signal: signal.name, outcome: 'rejected_limit' }, refused);
}
