// Claiming the epoch: the first thing a member that finds itself lowest does, before any leader
// action. The epoch is the data version of one persistent znode, so it only ever grows and is
// never handed out twice. The claim is one transaction: "my member znode still exists" plus a
// compare-and-set of the epoch znode on the version just read. A member whose znode is gone (its
// session expired, or a successor removed it) cannot claim, and two claimants cannot both win.
import { randomUUID } from 'node:crypto';
import type { ElectionPaths } from './election-paths.ts';
import { znodeName } from './election-paths.ts';
import { decodeEpoch, encodeRecord } from './ha-records.ts';
import { FenceUnavailable, FencedOut } from './leadership.ts';
import { outcomeUnknown, zkCode } from './zk-errors.ts';
import type { ZkOp, ZkOps } from './zk-ops.ts';

const ATTEMPTS = 5;

export interface ClaimOptions {
  /** Injected for tests. */
  readonly nonce?: string;
  readonly now?: () => Date;
}

/** Returns the new epoch (>= 1). Throws FencedOut if our member znode is gone. */
export async function claimEpoch(zk: ZkOps, paths: ElectionPaths, memberPath: string, memberId: string, options: ClaimOptions = {}): Promise<number> {
  const nonce = options.nonce ?? randomUUID();
  const now = options.now ?? ((): Date => new Date());
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await zk.getData(paths.epoch);
    const data = encodeRecord({ memberId, znode: znodeName(memberPath), nonce, at: now().toISOString() });
    const member: ZkOp = { op: 'check', path: memberPath };
    // Created and set in one step, so the first epoch is version 1: transactions cannot compare
    // against version 0 (see zk-ops.ts). A version-0 znode (made by hand) is set unconditionally;
    // the member check still keeps that to the one lowest member.
    const ops: ZkOp[] =
      current === null
        ? [member, { op: 'create', path: paths.epoch, data, kind: 'persistent' }, { op: 'set', path: paths.epoch, data }]
        : [member, { op: 'set', path: paths.epoch, data, ...(current.stat.version >= 1 ? { version: current.stat.version } : {}) }];
    try {
      const results = await zk.multi(ops);
      const epoch = results[results.length - 1]?.version;
      if (epoch === undefined) throw new Error('the epoch claim was answered without a version');
      return epoch;
    } catch (err) {
      if (outcomeUnknown(err)) {
        // Requests of one session are applied in order, so this read sees the claim if it happened.
        const after = await zk.getData(paths.epoch);
        if (after !== null && decodeEpoch(after.data)?.nonce === nonce) return after.stat.version;
        continue;
      }
      const code = zkCode(err);
      if (code === 'NO_NODE') {
        if ((await zk.exists(memberPath)) === null) throw new FencedOut('our member znode is gone; cannot claim an epoch', { cause: err });
        continue;
      }
      // Someone else set or created the epoch between our read and our write: read again.
      if (code === 'BAD_VERSION' || code === 'NODE_EXISTS') continue;
      throw err;
    }
  }
  throw new FenceUnavailable(`could not claim an epoch in ${ATTEMPTS} attempts`);
}
