// Publishes accepted rows to their signal's Kafka topic, in the partition their key maps to
// (packed several rows to a message, see partition-batches.ts), and resolves only once every
// message is acknowledged by all in-sync replicas (acks=all), or rejects within the deadline so
// the client is told to retry.
import { CompressionTypes } from 'kafkajs';
import type { Producer } from 'kafkajs';
import type { Counter, Histogram } from 'prom-client';
import type { KafkaConfig } from '../config.ts';
import { FORMAT_HEADER } from '../kafka/headers.ts';
import { signalTopic } from '../kafka/topics.ts';
import type { KafkaRow, Signal, SignalName } from '../signals/signal.ts';
import { MAX_MESSAGE_BYTES, defaultPartitionFor, packRows } from './partition-batches.ts';
import { ProduceCoalescer } from './produce-coalescer.ts';
import type { CoalescedSend } from './produce-coalescer.ts';
import type { PartitionFor } from './partition-batches.ts';
import { HttpError } from '../../common/runtime/http-error.ts';
import type { RowSink } from './row-sink.ts';

export interface RowProducerMetrics {
  readonly produceSeconds: Histogram;
  readonly produceFailures: Counter;
}

export class RowProducer implements RowSink {
  private readonly partitionFor = new Map<SignalName, PartitionFor>();
  private readonly coalescer: ProduceCoalescer;

  /** `partitions`: the actual partition count of each signal's topic (as created or found). */
  constructor(
    producer: Producer,
    private readonly kafka: KafkaConfig,
    private readonly metrics: RowProducerMetrics,
    partitions: ReadonlyMap<SignalName, number>,
  ) {
    this.coalescer = new ProduceCoalescer(
      (topicMessages) =>
        producer
          .sendBatch({ topicMessages, acks: -1, timeout: kafka.produceTimeoutMs, compression: CompressionTypes.GZIP })
          .then(() => undefined),
      MAX_MESSAGE_BYTES,
    );
    for (const [signal, count] of partitions) {
      this.partitionFor.set(signal, defaultPartitionFor(signalTopic(kafka, signal).name, count));
    }
  }

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
    let sent: CoalescedSend | undefined;
    try {
      sent = this.send(signal, rows);
      // If the deadline wins while the rows are still queued they are not sent at all; if they
      // are already in flight kafkajs may still deliver them. Either way the client was told to
      // retry, and a row stored twice collapses to one (ReplacingMergeTree, one row on read).
      await Promise.race([deadline, sent.done]);
    } catch (err) {
      sent?.abandon();
      this.metrics.produceFailures.inc();
      // Nothing was acknowledged to the client, so it keeps the data and retries later.
      throw new HttpError(503, 'storage buffer (Kafka) is unavailable, retry later', 5, { cause: err });
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  private send(signal: Signal, rows: readonly KafkaRow[]): CoalescedSend {
    const partitionFor = this.partitionFor.get(signal.name);
    if (partitionFor === undefined) throw new Error(`no partition count known for the ${signal.name} topic`);
    return this.coalescer.send(
      signalTopic(this.kafka, signal.name).name,
      packRows(rows, partitionFor).map((m) => ({
        partition: m.partition,
        key: m.key,
        value: m.value,
        headers: { [FORMAT_HEADER]: m.format },
      })),
    );
  }
}
