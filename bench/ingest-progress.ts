// How far the ingester's consumer groups are behind the topics the receiver writes: the lag for
// progress lines, and the wait until every offset is committed with no batch plan pending (the
// ingester commits only after ClickHouse acknowledged the insert, so this is the event that says
// "everything acknowledged is stored").
import type { Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface GroupTopic {
  readonly groupId: string;
  readonly topic: string;
}

export interface IngestPosition {
  /** Messages in the topic (sum of high watermarks). */
  readonly produced: number;
  readonly lag: number;
  /** Committed offsets equal the topic ends and no plan metadata is pending. */
  readonly drained: boolean;
}

export async function ingestPosition(admin: Admin, gt: GroupTopic): Promise<IngestPosition> {
  const ends = await admin.fetchTopicOffsets(gt.topic);
  const [committed] = await admin.fetchOffsets({ groupId: gt.groupId, topics: [gt.topic] });
  const byPartition = new Map((committed?.partitions ?? []).map((c) => [c.partition, c]));
  let lag = 0;
  let produced = 0;
  let drained = true;
  for (const end of ends) {
    produced += Number(end.high);
    const c = byPartition.get(end.partition);
    const offset = c === undefined || c.offset === '-1' ? 0 : Number(c.offset);
    lag += Number(end.high) - offset;
    if (offset !== Number(end.high) || (c?.metadata ?? '') !== '') drained = false;
  }
  return { produced, lag, drained };
}

/** Waits until every group is drained; returns false if the deadline passed first. */
export async function waitDrained(admin: Admin, groups: readonly GroupTopic[], deadlineMs: number, onLag: (lag: number) => void): Promise<boolean> {
  while (Date.now() < deadlineMs) {
    const positions = await Promise.all(groups.map((g) => ingestPosition(admin, g)));
    if (positions.every((p) => p.drained)) return true;
    onLag(positions.reduce((a, p) => a + p.lag, 0));
    await sleep(1000);
  }
  return false;
}
