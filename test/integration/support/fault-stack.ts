// Faults on the shared local stack and its restoration: kill -9 of a service's process group, and
// `stackUp()` (which restarts only what is dead) followed by waits until the stack is healthy
// again, so the next scenario, and other engineers' tests, find it as it was.
import type { Admin } from 'kafkajs';
import { createClickHouse, defaultClickHouseRetry } from '../../../common/clickhouse/client.ts';
import { sql } from '../../../common/clickhouse/sql.ts';
import type { SqlRunner } from '../../../common/clickhouse/sql-runner.ts';
import { createLogger } from '../../../common/runtime/logger.ts';
import { pidFile } from '../../../deploy/local/paths.ts';
import { isAlive, readPid } from '../../../deploy/local/process.ts';
import { stackStatus, stackUp } from '../../../deploy/local/stack.ts';
import { eventually } from './pipeline.ts';
import { stackEndpoints } from './stack-env.ts';

/** kill -9 of a stack service (its whole process group); resolves once the process is gone. */
export async function killService(service: string): Promise<number> {
  const pid = readPid(pidFile(service));
  if (pid === null || !isAlive(pid)) throw new Error(`${service} is not running (pid file ${pidFile(service)})`);
  process.kill(-pid, 'SIGKILL');
  await eventually(`${service} (pid ${pid}) to die`, 10_000, () => Promise.resolve(isAlive(pid) ? undefined : true));
  return pid;
}

/** Restarts whatever is dead and waits until every service reports healthy. */
export async function restoreStack(): Promise<void> {
  await stackUp();
  await eventually('every stack service healthy', 120_000, async () => {
    const status = await stackStatus();
    return status.every((s) => s.healthy) ? true : undefined;
  });
}

/** Broker id leading `partition` of `topic`. */
export async function partitionLeader(admin: Admin, topic: string, partition: number): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
  if (leader === undefined || leader < 0) throw new Error(`no leader for ${topic}/${partition}`);
  return leader;
}

/** Waits until every partition of `topic` has all `replicas` in sync again. */
export async function waitFullIsr(admin: Admin, topic: string, replicas: number, timeoutMs: number): Promise<void> {
  await eventually(`every partition of ${topic} back to ${replicas} in-sync replicas`, timeoutMs, async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    return partitions.length > 0 && partitions.every((p) => p.isr.length === replicas) ? true : undefined;
  });
}

interface ReplicaState {
  readonly readonly: number | string;
  readonly expired: number | string;
  readonly queue: number | string;
  readonly active: number | string;
  readonly total: number | string;
}

/** A client on one ClickHouse node of the stack, by replica name (`s1r2`). */
export function clickhouseNode(replica: string): SqlRunner {
  const node = stackEndpoints().clickhouseNodes.find((n) => n.replica === replica);
  if (node === undefined) throw new Error(`no ClickHouse replica ${replica}`);
  return createClickHouse({
    endpoint: { kind: 'server', url: node.http, username: 'default', password: '' },
    requestTimeoutMs: 10_000,
    retry: { ...defaultClickHouseRetry, attempts: 1 },
    logger: createLogger('silent', 'test-fault-stack'),
  });
}

/**
 * Waits until `replica`'s copy of `database`.`table` is writable, has a live ZooKeeper session,
 * sees every replica of its shard active and has fetched everything in its queue.
 */
export async function waitReplicaCaughtUp(replica: string, database: string, table: string, timeoutMs: number): Promise<void> {
  const ch = clickhouseNode(replica);
  try {
    await eventually(`${replica} ${database}.${table} writable, in session and caught up`, timeoutMs, async () => {
      const [s] = await ch.queryRows<ReplicaState>(
        sql`SELECT is_readonly AS readonly, is_session_expired AS expired, queue_size AS queue, active_replicas AS active, total_replicas AS total
            FROM system.replicas WHERE database = ${database} AND table = ${table}`,
      );
      if (s === undefined) return undefined;
      const ok = Number(s.readonly) === 0 && Number(s.expired) === 0 && Number(s.queue) === 0 && Number(s.active) === Number(s.total);
      return ok ? true : undefined;
    });
  } finally {
    await ch.close();
  }
}
