// The pure parts of the RED and service-graph routes: span kind names, what a merged rollup row
// becomes (rate, error ratio, milliseconds), and the SQL the graph's combined origin runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageTarget } from '../../common/clickhouse/topology.ts';
import { ApiError } from '../../query/errors.ts';
import type { StorageWork } from '../../query/storage/storage-work.ts';
import { rollupStats } from '../../query/red/rollup-stats.ts';
import { readServiceGraph } from '../../query/red/service-graph-reader.ts';
import { parseKinds } from '../../query/routes/red.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';

void describe('RED parameters and rows', () => {
  void it('span kinds by name, all, and refusals naming kind', () => {
    assert.deepEqual(parseKinds('server,consumer'), { numbers: [2, 5], names: ['server', 'consumer'] });
    assert.deepEqual(parseKinds('all').numbers, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(parseKinds(' Client ').numbers, [3]);
    assert.throws(() => parseKinds('server,rpc'), (e: unknown) => e instanceof ApiError && e.field === 'kind' && e.message.includes('"rpc"'));
  });

  void it('a merged row as rate, error ratio and milliseconds', () => {
    const stats = rollupStats({ n_calls: '120', n_errors: '6', duration_sum_ns: '2400000000', duration_q: [10_000_000, 50_000_000, null] }, 60);
    assert.deepEqual(stats, { calls: 120, errors: 6, rate: 2, errorRatio: 0.05, latencyMs: { p50: 10, p95: 50, p99: null, mean: 20 } });
  });
});

/** A StorageWork stand-in that records the SQL it is given. */
function recorder(): { w: StorageWork; seen: string[] } {
  const seen: string[] = [];
  const w = { rows: (q: SqlFragment) => (seen.push(q.text), Promise.resolve([])) } as unknown as StorageWork;
  return { w, seen };
}

void describe('service graph SQL', () => {
  const target = storageTarget('cairn_graph', 'cairn');
  const range = { startMs: 1_763_805_600_000, endMs: 1_763_809_200_000 };

  void it('combined picks one origin per minute and edge, tenant-filtered inside and out', async () => {
    const { w, seen } = recorder();
    await readServiceGraph(w, target, { tenant: "t'1", range, origin: 'combined', maxEdges: 10 });
    const [text = ''] = seen;
    assert.match(text, /GLOBAL IN \(SELECT minute, client_service, server_service, argMax\(origin, n \* 4 \+ origin\)/);
    assert.equal(text.match(/tenant = 't\\'1'/g)?.length, 2, text);
    assert.match(text, /LIMIT 11$/);
  });

  void it('a single origin filters on it, and a service on either side of the edge', async () => {
    const { w, seen } = recorder();
    await readServiceGraph(w, target, { tenant: 't', range, origin: 'parent_child', service: 'pay', maxEdges: 10 });
    const [text = ''] = seen;
    assert.match(text, /origin = 2/);
    assert.doesNotMatch(text, /GLOBAL IN/);
    assert.match(text, /\(client_service = 'pay' OR server_service = 'pay'\)/);
  });
});
