// Publishes accepted spans to Kafka, keyed by trace_id so a trace stays in one partition, and
// resolves only once every message is acknowledged by all in-sync replicas (acks=all).
import { CompressionTypes } from 'kafkajs';
import type { Producer } from 'kafkajs';
import type { Counter, Histogram } from 'prom-client';
import { SPAN_ROW_FORMAT, encodeSpanRow } from '../../common/clickhouse/span-row.ts';
import type { SpanRecord } from '../../common/model/span.ts';
import { FORMAT_HEADER } from '../kafka/headers.ts';
import { HttpError } from './http-error.ts';
import type { SpanSink } from './span-sink.ts';


export interface SpanProducerMetrics {
  readonly produceSeconds: Histogram;
  readonly produceFailures: Counter;
}

export class SpanProducer implements SpanSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly ackTimeoutMs: number,
    private readonly deadlineMs: number,
    private readonly metrics: SpanProducerMetrics,
  ) {}

  async publish(spans: readonly SpanRecord[]): Promise<void> {
    if (spans.length === 0) return;
    const stop = this.metrics.produceSeconds.startTimer();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no acknowledgement from Kafka within ${this.deadlineMs} ms`));
      }, this.deadlineMs);
    });
    try {
      // If the deadline wins, kafkajs may still deliver later; the client was told to retry, and
      // a span stored twice collapses to one (ReplacingMergeTree, one row per span on read).
      await Promise.race([deadline, this.send(spans)]);
    } catch (err) {
      this.metrics.produceFailures.inc();
      // Nothing was acknowledged to the client, so it keeps the data and retries later.
      throw new HttpError(503, 'storage buffer (Kafka) is unavailable, retry later', 5, { cause: err });
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  private async send(spans: readonly SpanRecord[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      timeout: this.ackTimeoutMs,
      compression: CompressionTypes.GZIP,
      messages: spans.map((span) => ({
        key: span.traceId,
        value: encodeSpanRow(span),
        headers: { [FORMAT_HEADER]: SPAN_ROW_FORMAT },
      })),
    });
  }
}
