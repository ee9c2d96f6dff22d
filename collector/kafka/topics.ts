// The topics Cairn owns and their durability settings, created idempotently at start-up.
import type { Admin } from 'kafkajs';
import type { KafkaConfig } from '../config.ts';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export function spansTopic(cfg: KafkaConfig): TopicSpec {
  return { name: `${cfg.topicPrefix}spans`, partitions: cfg.spansPartitions };
}

export function deadLetterTopic(cfg: KafkaConfig, signal: string): TopicSpec {
  return { name: `${cfg.topicPrefix}${signal}.dlq`, partitions: 1 };
}

/**
 * Creates missing topics with RF and min.insync.replicas from config; an existing topic with fewer
 * partitions than configured is an error (keys would move partitions if it were silently grown).
 */
export async function ensureTopics(admin: Admin, cfg: KafkaConfig, specs: readonly TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: cfg.replicationFactor,
        configEntries: [
          { name: 'min.insync.replicas', value: String(cfg.minInsyncReplicas) },
          { name: 'compression.type', value: 'producer' },
        ],
      })),
    });
  }
  const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
  for (const spec of specs) {
    const found = meta.topics.find((t) => t.name === spec.name);
    if (found === undefined) throw new Error(`Kafka topic ${spec.name} was not created`);
    if (found.partitions.length < spec.partitions) {
      throw new Error(
        `Kafka topic ${spec.name} has ${found.partitions.length} partitions, CAIRN_KAFKA_SPANS_PARTITIONS asks for ${spec.partitions}; ` +
          'add partitions with kafka-topics.sh --alter or lower the setting',
      );
    }
  }
}
