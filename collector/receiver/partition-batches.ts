// Packs a request's rows into Kafka messages: one message per (partition, row format), holding
// that partition's rows in request order as JSONEachRow lines, split before MAX_MESSAGE_BYTES.
// A message per row made the per-message cost (partitioner, headers, record encoding, garbage)
// dominate the receiver; packing keeps the key -> partition mapping of per-row keys exactly,
// because the partition is computed from each row's key with Kafka's default murmur2 partitioner.
import { Partitioners } from 'kafkajs';
import type { PartitionMetadata } from 'kafkajs';
import type { KafkaRow } from '../signals/signal.ts';

/** Kafka's default max.message.bytes is 1 MiB; stay well below it before compression. */
export const MAX_MESSAGE_BYTES = 512 * 1024;

export interface PackedMessage {
  readonly partition: number;
  readonly key: string;
  readonly format: string;
  readonly value: string;
}

export type PartitionFor = (key: string) => number;

/** Kafka's default (murmur2, Java-compatible) partitioner for a topic with `partitions`. */
export function defaultPartitionFor(topic: string, partitions: number): PartitionFor {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [],
    isr: [],
  }));
  return (key) => partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

export function packRows(rows: readonly KafkaRow[], partitionFor: PartitionFor): PackedMessage[] {
  const open = new Map<string, { partition: number; key: string; format: string; lines: string[]; bytes: number }>();
  const out: PackedMessage[] = [];
  const flush = (id: string): void => {
    const m = open.get(id);
    if (m === undefined) return;
    out.push({ partition: m.partition, key: m.key, format: m.format, value: m.lines.join('\n') });
    open.delete(id);
  };
  for (const row of rows) {
    const partition = partitionFor(row.key);
    const id = `${partition}\u0000${row.format}`;
    let m = open.get(id);
    if (m !== undefined && m.bytes + row.value.length + 1 > MAX_MESSAGE_BYTES) {
      flush(id);
      m = undefined;
    }
    if (m === undefined) {
      m = { partition, key: row.key, format: row.format, lines: [], bytes: 0 };
      open.set(id, m);
    }
    m.lines.push(row.value);
    m.bytes += row.value.length + 1;
  }
  for (const id of [...open.keys()]) flush(id);
  return out;
}
