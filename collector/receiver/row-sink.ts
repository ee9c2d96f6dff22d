// Where the receiver puts accepted rows: Kafka in the distributed deployment, the embedded
// ClickHouse engine in `cairn start`. Either way, publish resolves only when the rows are durable,
// and rejects with an HttpError (503 + Retry-After) when they could not be made so.
import type { KafkaRow, Signal } from '../signals/signal.ts';

export interface RowSink {
  publish(signal: Signal, rows: readonly KafkaRow[]): Promise<void>;
}
