// The ZooKeeper operations the election and the fence are written against. ZkSession implements
// them over the network; unit tests implement them in memory, so the epoch and fencing logic is
// tested without a server.

export interface NodeStat {
  /** Data version: 0 at creation, +1 on every setData. */
  readonly version: number;
  /** Creation time on the server's clock (ms since the epoch). */
  readonly ctimeMs: number;
}

export interface NodeData {
  readonly data: Buffer;
  readonly stat: NodeStat;
}

export type CreateKind = 'persistent' | 'persistent-sequential' | 'ephemeral' | 'ephemeral-sequential';

/**
 * One step of an atomic multi-operation. A version, where given, must be >= 1: the client library
 * sends 0 as -1 ("any version") inside transactions, so version 0 cannot be checked.
 */
export type ZkOp =
  | { readonly op: 'check'; readonly path: string; readonly version?: number }
  | { readonly op: 'create'; readonly path: string; readonly data: Buffer; readonly kind: CreateKind }
  | { readonly op: 'set'; readonly path: string; readonly data: Buffer; readonly version?: number }
  | { readonly op: 'remove'; readonly path: string };

/** Per op, in order: the created path (create) or the new data version (set). */
export interface ZkOpResult {
  readonly path?: string;
  readonly version?: number;
}

export interface ZkOps {
  getData(path: string): Promise<NodeData | null>;
  getChildren(path: string): Promise<string[]>;
  exists(path: string): Promise<NodeStat | null>;
  /** All ops or none. Fails with the code of the first op that failed. */
  multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]>;
  remove(path: string): Promise<boolean>;
  /**
   * How much longer this process may trust that its session is alive (ms; 0 or less: it may not):
   * measured from when the last answered request was sent, so a server cannot have expired the
   * session yet.
   */
  leaseRemainingMs(): number;
}
