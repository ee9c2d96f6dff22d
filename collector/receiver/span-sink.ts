// Where the receiver puts accepted spans: Kafka in the distributed deployment, the embedded
// ClickHouse engine in `cairn start`. Either way, publish resolves only when the spans are durable,
// and rejects with an HttpError (503 + Retry-After) when they could not be made so.
import type { SpanRecord } from '../../common/model/span.ts';

export interface SpanSink {
  publish(spans: readonly SpanRecord[]): Promise<void>;
}
