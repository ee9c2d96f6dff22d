// The service dependency graph from service_edges_minutely: one edge per (caller, callee) with
// calls, errors and latency over the range.
//
// The table has two writers (see service-edges-minutely.ts) that can see the same call: a CLIENT
// span naming `peer.service` whose child SERVER span is in that service is counted by the peer
// view (origin 1) and again by the parent/child job (origin 2). Adding the origins would count such
// a call twice, so `combined` takes, for each (minute, caller, callee), the one origin that saw
// more calls there (parent/child on a tie: it saw both sides). Calls to services that send no
// spans (databases, external APIs) exist only in origin 1 and are kept; edges nobody annotated
// exist only in origin 2 and are kept. What remains possible is a callee named differently by the
// two (server.address "payments.internal" against service.name "payments"): those show as two
// edges, since the rollup cannot tell they are the same calls. Origin 2 exists only for minutes
// the job has processed.
import { identifier, join, qualified, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { EdgeOrigin, serviceEdgesMinutelyTable } from '../../common/clickhouse/tables/service-edges-minutely.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import type { TimeRange } from '../metrics/time-params.ts';
import { MERGED_ROLLUP_COLUMNS, rollupStats } from './rollup-stats.ts';
import type { MergedRollupRow, RollupStats } from './rollup-stats.ts';

export const ORIGIN_CHOICES = ['combined', 'peer_attribute', 'parent_child'] as const;
export type OriginChoice = (typeof ORIGIN_CHOICES)[number];

const ORIGIN_NAMES: Readonly<Record<number, string>> = {
  [EdgeOrigin.PEER_ATTRIBUTE]: 'peer_attribute',
  [EdgeOrigin.PARENT_CHILD]: 'parent_child',
};

export interface GraphRequest {
  readonly tenant: string;
  /** Whole minutes. */
  readonly range: TimeRange;
  readonly origin: OriginChoice;
  readonly service?: string | undefined;
  readonly maxEdges: number;
}

export interface GraphEdge extends RollupStats {
  caller: string;
  callee: string;
  /** Which writers the counted rows came from. */
  origins: string[];
}

export interface GraphNode {
  service: string;
  callsIn: number;
  callsOut: number;
  errorsIn: number;
}

export interface GraphAnswer {
  edges: GraphEdge[];
  nodes: GraphNode[];
  truncated: boolean;
}

interface EdgeRow extends MergedRollupRow {
  readonly caller: string;
  readonly callee: string;
  readonly origins: readonly number[];
}

const edgesTable = (target: StorageTarget): SqlFragment =>
  qualified(target.database, identifier(serviceEdgesMinutelyTable.name, [serviceEdgesMinutelyTable.name]));

function rangeFilter(q: GraphRequest): SqlFragment {
  return sql`tenant = ${q.tenant} AND minute >= ${new Date(q.range.startMs)} AND minute < ${new Date(q.range.endMs)}`;
}

function originFilter(q: GraphRequest, table: SqlFragment): SqlFragment {
  if (q.origin === 'peer_attribute') return sql`origin = ${EdgeOrigin.PEER_ATTRIBUTE}`;
  if (q.origin === 'parent_child') return sql`origin = ${EdgeOrigin.PARENT_CHILD}`;
  // Per (minute, caller, callee) the origin with more calls; `calls * 4 + origin` breaks ties
  // towards the larger origin number, parent/child. GLOBAL: on a cluster the subquery runs once on
  // the server answering, over every shard, and its result is sent to the shards.
  const perOrigin = sql`SELECT minute, client_service, server_service, origin, countMerge(calls) AS n FROM ${table} WHERE ${rangeFilter(q)} GROUP BY minute, client_service, server_service, origin`;
  return sql`(minute, client_service, server_service, origin) GLOBAL IN (SELECT minute, client_service, server_service, argMax(origin, n * 4 + origin) FROM (${perOrigin}) GROUP BY minute, client_service, server_service)`;
}

export async function readServiceGraph(w: StorageWork, target: StorageTarget, q: GraphRequest): Promise<GraphAnswer> {
  const table = edgesTable(target);
  const conditions = [rangeFilter(q), originFilter(q, table)];
  if (q.service !== undefined) conditions.push(sql`(client_service = ${q.service} OR server_service = ${q.service})`);
  const rows = await w.rows<EdgeRow>(
    sql`SELECT client_service AS caller, server_service AS callee, ${MERGED_ROLLUP_COLUMNS}, groupUniqArray(origin) AS origins FROM ${table} WHERE ${join(conditions, ' AND ')} GROUP BY caller, callee ORDER BY n_calls DESC, caller, callee LIMIT ${q.maxEdges + 1}`,
  );
  const seconds = (q.range.endMs - q.range.startMs) / 1000;
  const edges = rows.slice(0, q.maxEdges).map(
    (r): GraphEdge => ({
      caller: r.caller,
      callee: r.callee,
      ...rollupStats(r, seconds),
      origins: r.origins.map((o) => ORIGIN_NAMES[o] ?? String(o)).sort(),
    }),
  );
  return { edges, nodes: nodesOf(edges), truncated: rows.length > q.maxEdges };
}

function nodesOf(edges: readonly GraphEdge[]): GraphNode[] {
  const nodes = new Map<string, GraphNode>();
  const node = (service: string): GraphNode => {
    const n = nodes.get(service) ?? { service, callsIn: 0, callsOut: 0, errorsIn: 0 };
    nodes.set(service, n);
    return n;
  };
  for (const e of edges) {
    node(e.caller).callsOut += e.calls;
    const callee = node(e.callee);
    callee.callsIn += e.calls;
    callee.errorsIn += e.errors;
  }
  return [...nodes.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** How `combined` merges the origins, for the API description. */
export const COMBINE_RULE =
  'combined (default): for each minute and edge, the origin that counted more calls (parent_child on a tie), so a call seen by both is counted once';
