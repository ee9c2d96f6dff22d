// Group commit for Kafka produces. The idempotent producer allows one request in flight per
// broker, so concurrent OTLP requests would each wait for their own produce round trip (acks=all:
// leader write plus follower fetch). Instead, requests that arrive while a produce is in flight
// are queued and sent together as one sendBatch when it returns: one round trip, one record
// batch per partition, a fraction of the broker's per-request work. Every caller still resolves
// only when the produce that carried its messages was acknowledged, and rejects if it failed.
import type { Message, TopicMessages } from 'kafkajs';

export interface QueuedMessage extends Message {
  readonly partition: number;
  readonly value: string;
}

/** Sends one coalesced batch; resolves when every message in it is acknowledged. */
export type SendBatch = (batch: TopicMessages[]) => Promise<void>;

interface Entry {
  readonly topic: string;
  readonly messages: readonly QueuedMessage[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  /** Set when the caller gave up (deadline): not sent if still queued, as the client retries. */
  abandoned: boolean;
}

export interface CoalescedSend {
  readonly done: Promise<void>;
  /** The caller no longer waits; if still queued its messages are not sent. */
  abandon(): void;
}

export class ProduceCoalescer {
  private queue: Entry[] = [];
  private flushing = false;

  /**
   * `partitionBytesLimit`: most message characters (before compression; as partition-batches.ts counts them) one flush puts in a single
   * partition, so one compressed record batch stays under the broker's message.max.bytes. The
   * first queued entry is always taken, so an entry at the limit is never stuck.
   */
  constructor(
    private readonly sendBatch: SendBatch,
    private readonly partitionBytesLimit: number,
  ) {}

  /** Number of requests waiting for the in-flight produce to finish. */
  get queued(): number {
    return this.queue.length;
  }

  send(topic: string, messages: readonly QueuedMessage[]): CoalescedSend {
    let entry: Entry | undefined;
    const done = new Promise<void>((resolve, reject) => {
      entry = { topic, messages, resolve, reject, abandoned: false };
    });
    if (entry === undefined) throw new Error('unreachable: promise executor runs synchronously');
    const queued = entry;
    this.queue.push(queued);
    void this.pump();
    return {
      done,
      abandon: () => {
        queued.abandoned = true;
      },
    };
  }

  private async pump(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const batch = this.take();
        if (batch.length === 0) return;
        try {
          await this.sendBatch(merge(batch));
          for (const e of batch) e.resolve();
        } catch (err) {
          for (const e of batch) e.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Takes queued entries in arrival order while every partition stays under the byte limit. */
  private take(): Entry[] {
    this.queue = this.queue.filter((e) => !e.abandoned);
    const bytes = new Map<string, number>();
    let n = 0;
    for (const entry of this.queue) {
      const added = new Map<string, number>();
      for (const m of entry.messages) {
        const id = `${entry.topic}\u0000${m.partition}`;
        added.set(id, (added.get(id) ?? bytes.get(id) ?? 0) + m.value.length);
      }
      const fits = [...added.values()].every((b) => b <= this.partitionBytesLimit);
      if (n > 0 && !fits) break;
      for (const [id, b] of added) bytes.set(id, b);
      n++;
    }
    return this.queue.splice(0, n);
  }
}

/** One TopicMessages per topic, messages in arrival order. */
function merge(entries: readonly Entry[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const e of entries) {
    const list = byTopic.get(e.topic) ?? [];
    list.push(...e.messages);
    byTopic.set(e.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
