// Every span again, ordered by trace: the table "trace by id" reads. In `spans` the sort key
// serves search (tenant, hour, service, operation), so one trace's spans lie in as many granules
// as it has spans, and reading them decompresses every column of each granule (~35-50 ms a
// shard on the bench's 10M spans). Here a trace's spans are adjacent: one or two granules of
// 512 rows (~10 ms). The price is a second copy of each span on disk (about the same size, as
// trace order compresses as well as search order) and a second write per insert. It is fed, like
// `spans`, by a view on spans_ingest (spans-ingest.ts), and sharded like `spans`, so each copy
// sits on the same shard as its original and its trace_index row.
import { identifier, qualified, raw, sql } from '../sql.ts';
import type { SqlFragment } from '../sql.ts';
import type { StorageTarget } from '../topology.ts';
import { spanColumnsSelect, spansTable } from './spans.ts';
import type { TableDef } from './table-def.ts';

export const spansByTraceTable: TableDef = {
  name: 'spans_by_trace',
  columns: spansTable.columns,
  // A span stored twice (a client retry) has the same key and collapses on merge; the reader
  // picks one row per span_id until then.
  engine: 'ReplacingMergeTree',
  partitionBy: 'toDate(timestamp)',
  orderBy: '(tenant, trace_id, span_id)',
  // Measured on the 10M-span bench data, one shard: 128, 512 and 2048-row granules all read a
  // trace in 7-18 ms; 512 was the best median and costs 2% more disk than 2048.
  settings: { index_granularity: 512 },
  placement: { kind: 'sharded', shardingKey: 'cityHash64(trace_id)' },
};

/**
 * Copies the spans of the last `minutes` (by span time) into spans_by_trace. Through the
 * Distributed tables on a cluster, so each row lands on the shard its trace_id maps to.
 */
export function spansByTraceBackfill(target: StorageTarget, minutes: number): SqlFragment {
  const names = [spansTable.name, spansByTraceTable.name];
  const to = qualified(target.database, identifier(spansByTraceTable.name, names));
  const from = qualified(target.database, identifier(spansTable.name, names));
  return sql`${raw(`INSERT INTO ${to.text} ${spanColumnsSelect(from.text)}`)} WHERE timestamp >= now() - ${minutes * 60}`;
}
