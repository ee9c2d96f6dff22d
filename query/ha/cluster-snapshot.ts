// Reads who is in the election, who leads and the latest epoch, for GET /api/v1/cluster. A member
// whose data cannot be read or decoded is shown with its znode name, so the count stays right.
import type { ElectionPaths } from './election-paths.ts';
import { electionOrder } from './election-order.ts';
import { decodeEpoch, decodeMember } from './ha-records.ts';
import type { MemberView } from './leadership.ts';
import type { ZkOps } from './zk-ops.ts';

export interface ClusterSnapshot {
  readonly leader: string | null;
  readonly epoch: number | null;
  /** Who claimed the latest epoch (it may have stepped down since). */
  readonly epochHolder: string | null;
  readonly members: readonly MemberView[];
  readonly observedAt: string;
}

export async function readSnapshot(zk: ZkOps, paths: ElectionPaths): Promise<ClusterSnapshot> {
  const order = electionOrder(await zk.getChildren(paths.members));
  const members = await Promise.all(
    order.map(async (name): Promise<MemberView | null> => {
      const node = await zk.getData(`${paths.members}/${name}`);
      if (node === null) return null;
      const record = decodeMember(node.data);
      return record === null ? { id: name, since: null, url: null } : { id: record.memberId, since: record.since, url: record.url };
    }),
  );
  const present = members.filter((m): m is MemberView => m !== null);
  const epochNode = await zk.getData(paths.epoch);
  return {
    leader: present[0]?.id ?? null,
    epoch: epochNode === null ? null : epochNode.stat.version,
    epochHolder: epochNode === null ? null : (decodeEpoch(epochNode.data)?.memberId ?? null),
    members: present,
    observedAt: new Date().toISOString(),
  };
}
