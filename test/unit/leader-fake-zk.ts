// An in-memory ZooKeeper for unit tests of the epoch claim and the fence: versions, sequential
// names and all-or-nothing transactions behave as on the server; failures can be injected.
import { ZkError } from '../../query/ha/zk-errors.ts';
import type { ZkErrorCode } from '../../query/ha/zk-errors.ts';
import type { NodeData, NodeStat, ZkOp, ZkOpResult, ZkOps } from '../../query/ha/zk-ops.ts';

interface Node {
  data: Buffer;
  version: number;
  ctimeMs: number;
}

export class FakeZk implements ZkOps {
  readonly nodes = new Map<string, Node>();
  private readonly counters = new Map<string, number>();
  lease = 10_000;
  multis = 0;
  /** The next multi fails with this code; `applied` says whether it took effect anyway. */
  failNext: { code: ZkErrorCode; applied: boolean } | null = null;

  getData(path: string): Promise<NodeData | null> {
    const n = this.nodes.get(path);
    return Promise.resolve(n === undefined ? null : { data: n.data, stat: { version: n.version, ctimeMs: n.ctimeMs } });
  }

  getChildren(path: string): Promise<string[]> {
    const prefix = `${path}/`;
    return Promise.resolve([...this.nodes.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length)));
  }

  exists(path: string): Promise<NodeStat | null> {
    const n = this.nodes.get(path);
    return Promise.resolve(n === undefined ? null : { version: n.version, ctimeMs: n.ctimeMs });
  }

  remove(path: string): Promise<boolean> {
    return Promise.resolve(this.nodes.delete(path));
  }

  leaseRemainingMs(): number {
    return this.lease;
  }

  /** Creates a node outside any transaction (test set-up). */
  put(path: string, data = ''): void {
    this.nodes.set(path, { data: Buffer.from(data), version: 0, ctimeMs: Date.now() });
  }

  multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    this.multis++;
    const injected = this.failNext;
    this.failNext = null;
    const staged = new Map(this.nodes);
    const counters = new Map(this.counters);
    const results: ZkOpResult[] = [];
    const fail = (code: ZkErrorCode): Promise<never> => Promise.reject(new ZkError(code, `fake ${code}`));
    for (const op of ops) {
      const n = staged.get(op.path);
      if (op.op === 'check') {
        if (n === undefined) return fail('NO_NODE');
        if (op.version !== undefined && n.version !== op.version) return fail('BAD_VERSION');
        results.push({});
      } else if (op.op === 'create') {
        let path = op.path;
        if (op.kind.endsWith('sequential')) {
          const parent = op.path.slice(0, op.path.lastIndexOf('/'));
          const seq = counters.get(parent) ?? 0;
          counters.set(parent, seq + 1);
          path = `${op.path}${String(seq).padStart(10, '0')}`;
        }
        if (staged.has(path)) return fail('NODE_EXISTS');
        staged.set(path, { data: op.data, version: 0, ctimeMs: Date.now() });
        results.push({ path });
      } else if (op.op === 'set') {
        if (n === undefined) return fail('NO_NODE');
        if (op.version !== undefined && n.version !== op.version) return fail('BAD_VERSION');
        staged.set(op.path, { data: op.data, version: n.version + 1, ctimeMs: n.ctimeMs });
        results.push({ version: n.version + 1 });
      } else {
        if (n === undefined) return fail('NO_NODE');
        staged.delete(op.path);
        results.push({});
      }
    }
    if (injected !== null && !injected.applied) return fail(injected.code);
    this.nodes.clear();
    for (const [k, v] of staged) this.nodes.set(k, v);
    for (const [k, v] of counters) this.counters.set(k, v);
    if (injected !== null) return fail(injected.code);
    return Promise.resolve(results);
  }
}
