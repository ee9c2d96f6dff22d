// The few places node-zookeeper-client needs adapting: numeric create modes, binary stats,
// transactions (which send version 0 as -1, "any version", so versions compared there must be
// >= 1), and a socket it cannot be told to drop.
import { Socket } from 'node:net';
import { CreateMode } from 'node-zookeeper-client';
import type { Client, Stat, Transaction } from 'node-zookeeper-client';
import { ZkError } from './zk-errors.ts';
import type { CreateKind, NodeStat, ZkOp, ZkOpResult } from './zk-ops.ts';

export const CREATE_MODES: Readonly<Record<CreateKind, number>> = {
  persistent: CreateMode.PERSISTENT,
  'persistent-sequential': CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral: CreateMode.EPHEMERAL,
  'ephemeral-sequential': CreateMode.EPHEMERAL_SEQUENTIAL,
};

export function nodeStat(s: Stat): NodeStat {
  return { version: s.version, ctimeMs: Number(s.ctime.readBigInt64BE(0)) };
}

/**
 * The library has no way to drop a connection that never answers: its close() waits for the
 * server. This reaches its private socket (checked at run time; the version is pinned in
 * package-lock.json) so a closed session cannot keep the process alive or answer late.
 */
export function destroySocket(client: Client): void {
  const manager: unknown = Reflect.get(client, 'connectionManager');
  const socket: unknown = typeof manager === 'object' && manager !== null ? Reflect.get(manager, 'socket') : undefined;
  if (socket instanceof Socket) socket.destroy();
}

/** Versions inside a transaction: the library turns 0 into -1 ("any"), so refuse it loudly. */
function txVersion(version: number | undefined, path: string): number {
  if (version === undefined) return -1;
  if (!Number.isInteger(version) || version < 1) {
    throw new ZkError('OTHER', `cannot check version ${version} of ${path} in a transaction (only versions >= 1)`);
  }
  return version;
}

/** The library's transaction for `ops`; throws on a version it would silently turn into "any". */
export function transactionOf(client: Client, ops: readonly ZkOp[]): Transaction {
  const tx = client.transaction();
  for (const op of ops) {
    if (op.op === 'check') tx.check(op.path, txVersion(op.version, op.path));
    else if (op.op === 'create') tx.create(op.path, op.data, CREATE_MODES[op.kind]);
    else if (op.op === 'set') tx.setData(op.path, op.data, txVersion(op.version, op.path));
    else tx.remove(op.path, -1);
  }
  return tx;
}

/** Per op: the created path or the new version. */
export function opResults(results: unknown): ZkOpResult[] {
  const list = Array.isArray(results) ? (results as { path?: unknown; stat?: Stat }[]) : [];
  return list.map((r) => ({
    ...(typeof r.path === 'string' ? { path: r.path } : {}),
    ...(r.stat === undefined ? {} : { version: r.stat.version }),
  }));
}
