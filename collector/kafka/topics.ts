// The topics Cairn owns and their durability settings, created idempotently at start-up.
import type { Admin, ITopicMetadata } from 'kafkajs';
import { backoffDelay, sleep } from '../../common/runtime/retry.ts';
import type { KafkaConfig } from '../config.ts';
import type { SignalName } from '../signals/signal.ts';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

// Topic base names; traces keep the name of what they carry.
const TOPIC_BASE: Record<SignalName, string> = { traces: 'spans', logs: 'logs', metrics: 'metrics' };

/** The topic a signal's rows travel on: <prefix>spans, <prefix>logs, <prefix>metrics. */
export function signalTopic(cfg: KafkaConfig, signal: SignalName): TopicSpec {
  return { name: `${cfg.topicPrefix}${TOPIC_BASE[signal]}`, partitions: cfg.partitions[signal] };
}

/** Where records the ingester cannot insert go, with the reason in a header. */
export function deadLetterTopic(cfg: KafkaConfig, signal: SignalName): TopicSpec {
  return { name: `${cfg.topicPrefix}${TOPIC_BASE[signal]}.dlq`, partitions: 1 };
}

/** Every topic the given signals use. */
export function topicsFor(cfg: KafkaConfig, signals: readonly SignalName[]): TopicSpec[] {
  return signals.flatMap((s) => [signalTopic(cfg, s), deadLetterTopic(cfg, s)]);
}

const TOPIC_WAIT_MS = 30_000;
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates missing topics with RF and min.insync.replicas from config, then waits until every
 * partition has a leader. kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION,
 * which KRaft brokers answer for a moment after creation, so the wait is ours. An existing topic
 * with fewer partitions than configured is an error (keys would move if it were silently grown).
 * Returns each topic's partition count.
 */
export async function ensureTopics(admin: Admin, cfg: KafkaConfig, specs: readonly TopicSpec[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    // Returns false (no throw) for topics another collector created meanwhile.
    await admin.createTopics({
      waitForLeaders: false,
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
  const names = specs.map((s) => s.name);
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: names });
      if (specs.every((spec) => checkTopic(spec, meta.topics.find((t) => t.name === spec.name)))) {
        // The actual counts: an existing topic may have more partitions than configured.
        return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
      }
    } catch (err) {
      if (!NOT_YET.has((err as { type?: string }).type ?? '')) throw err;
    }
    if (Date.now() - started > TOPIC_WAIT_MS) {
      throw new Error(`Kafka topics ${names.join(', ')} have no leader for every partition after ${TOPIC_WAIT_MS} ms; check the brokers (CAIRN_KAFKA_BROKERS)`);
    }
    await sleep(backoffDelay({ attempts: Infinity, baseDelayMs: 50, maxDelayMs: 1000, deadlineMs: TOPIC_WAIT_MS }, attempt, Math.random));
  }
}

/** True when the topic is ready; throws when it exists with too few partitions. */
function checkTopic(spec: TopicSpec, found: ITopicMetadata | undefined): boolean {
  if (found === undefined) return false;
  if (found.partitions.length < spec.partitions && found.partitions.length > 0) {
    throw new Error(
      `Kafka topic ${spec.name} has ${found.partitions.length} partitions, configuration asks for ${spec.partitions} ` +
        '(CAIRN_KAFKA_<SIGNAL>_PARTITIONS); add partitions with kafka-topics.sh --alter or lower the setting',
    );
  }
  return found.partitions.length >= spec.partitions && found.partitions.every((p) => p.leader >= 0);
}
