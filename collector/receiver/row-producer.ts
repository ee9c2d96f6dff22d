// Publishes accepted rows to their signal's Kafka topic, keyed so that related rows stay in one
// partition, and resolves only once every message is acknowledged by all in-sync replicas
// (acks=all) — or rejects within the deadline so the client is told to retry.
import { CompressionTypes } from 'kafkajs';
import type { Producer } from 'kafkajs';
import type { Counter, Histogram } from 'prom-client';
import type { KafkaConfig } from '../config.ts';
import { FORMAT_HEADER } from '../kafka/headers.ts';
import { signalTopic } from '../kafka/topics.ts';
import type { KafkaRow, Signal } from '../signals/signal.ts';
import { HttpError } from './http-error.ts';
import type { RowSink } from './row-sink.ts';

export interface RowProducerMetrics {
  readonly produceSeconds: Histogram;
  readonly produceFailures: Counter;
}

export class RowProducer implements RowSink {
  constructor(
    private readonly producer: Producer,
    private readonly kafka: KafkaConfig,
    private readonly metrics: RowProducerMetrics,
  ) {}

  async publish(signal: Signal, rows: readonly KafkaRow[]): Promise<void> {
    if (rows.length === 0) return;
    const stop = this.metrics.produceSeconds.startTimer();
    let timer: NodeJS.Timeout | undefined;
    const deadlineMs = this.kafka.produceDeadlineMs;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no acknowledgement from Kafka within ${deadlineMs} ms`));
      }, deadlineMs);
    });
    try {
      // If the deadline wins, kafkajs may still deliver later; the client was told to retry, and
      // a span stored twice collapses to one (ReplacingMergeTree, one row per span on read).
      await Promise.race([deadline, this.send(signal, rows)]);
    } catch (err) {
      this.metrics.produceFailures.inc();
      // Nothing was acknowledged to the client, so it keeps the data and retries later.
      throw new HttpError(503, 'storage buffer (Kafka) is unavailable, retry later', 5, { cause: err });
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  private async send(signal: Signal, rows: readonly KafkaRow[]): Promise<void> {
    await this.producer.send({
      topic: signalTopic(this.kafka, signal.name).name,
      acks: -1,
      timeout: this.kafka.produceTimeoutMs,
      compression: CompressionTypes.GZIP,
      messages: rows.map((row) => ({ key: row.key, value: row.value, headers: { [FORMAT_HEADER]: row.format } })),
    });
  }
}
