// Removes what a run created on the shared stack: its database (on every server, ON CLUSTER), its
// topics and its consumer groups. Each step runs even if an earlier one failed.
import type { Admin } from 'kafkajs';
import { dropDatabase } from '../common/clickhouse/ddl.ts';
import type { SqlRunner } from '../common/clickhouse/sql-runner.ts';
import type { StorageTarget } from '../common/clickhouse/topology.ts';

export async function cleanupRun(
  ch: SqlRunner,
  target: StorageTarget,
  admin: Admin,
  topicPrefix: string,
  groupPrefix: string,
): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await attempt('drop database', () => ch.command(dropDatabase(target), { timeoutMs: 120_000 }));
  await attempt('delete consumer groups', async () => {
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(`${groupPrefix}-`));
    if (ours.length > 0) await admin.deleteGroups(ours);
  });
  await attempt('delete topics', async () => {
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
  });
  return problems;
}
