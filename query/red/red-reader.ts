// RED (rate, errors, duration) per service and operation from red_minutely. Quantiles cannot be
// added up, so the per-step and whole-range answers are two reads, each merging the t-digest states
// of its own interval. The groups are picked by the whole-range read (busiest first, at most
// maxGroups), and the per-step read is limited to them.
import { identifier, inList, join, qualified, raw, sql } from '../../common/clickhouse/sql.ts';
import type { SqlFragment } from '../../common/clickhouse/sql.ts';
import { redMinutelyTable } from '../../common/clickhouse/tables/red-minutely.ts';
import type { StorageTarget } from '../../common/clickhouse/topology.ts';
import type { StorageWork } from '../storage/storage-work.ts';
import type { TimeRange } from '../metrics/time-params.ts';
import { MERGED_ROLLUP_COLUMNS, rollupStats } from './rollup-stats.ts';
import type { MergedRollupRow, RollupStats } from './rollup-stats.ts';

export interface RedRequest {
  readonly tenant: string;
  /** Whole minutes. */
  readonly range: TimeRange;
  readonly stepSeconds: number;
  /** OTLP span kinds counted as calls. */
  readonly kinds: readonly number[];
  readonly service?: string | undefined;
  readonly operation?: string | undefined;
  /** 'service' folds every operation of a service into one group. */
  readonly by: 'service' | 'operation';
  readonly maxGroups: number;
}

export interface RedPoint extends RollupStats {
  /** Start of the step, RFC 3339. */
  time: string;
}

export interface RedGroup {
  service: string;
  /** '' when grouped by service. */
  operation: string;
  total: RollupStats;
  points: RedPoint[];
}

export interface RedAnswer {
  groups: RedGroup[];
  /** More groups matched than maxGroups; the busiest are returned. */
  truncated: boolean;
}

interface GroupRow extends MergedRollupRow {
  readonly service: string;
  readonly operation: string;
}

interface StepRow extends GroupRow {
  readonly bucket: string;
}

const red = (target: StorageTarget): SqlFragment => qualified(target.database, identifier(redMinutelyTable.name, [redMinutelyTable.name]));

function where(q: RedRequest): SqlFragment {
  const conditions = [
    sql`tenant = ${q.tenant}`,
    sql`minute >= ${new Date(q.range.startMs)}`,
    sql`minute < ${new Date(q.range.endMs)}`,
    sql`kind IN ${inList([...q.kinds])}`,
  ];
  if (q.service !== undefined) conditions.push(sql`service_name = ${q.service}`);
  if (q.operation !== undefined) conditions.push(sql`name = ${q.operation}`);
  return join(conditions, ' AND ');
}

// Constant text: the operation is the span name, or '' when grouping by service alone.
const operationExpr = (q: RedRequest): SqlFragment => raw(q.by === 'operation' ? 'name' : "''");

export async function readRed(w: StorageWork, target: StorageTarget, q: RedRequest): Promise<RedAnswer> {
  const totals = await w.rows<GroupRow>(
    sql`SELECT service_name AS service, ${operationExpr(q)} AS operation, ${MERGED_ROLLUP_COLUMNS} FROM ${red(target)} WHERE ${where(q)} GROUP BY service, operation ORDER BY n_calls DESC, service, operation LIMIT ${q.maxGroups + 1}`,
  );
  const truncated = totals.length > q.maxGroups;
  const kept = totals.slice(0, q.maxGroups);
  if (kept.length === 0) return { groups: [], truncated };
  const key = (r: GroupRow): string => JSON.stringify([r.service, r.operation]);
  const rangeSeconds = (q.range.endMs - q.range.startMs) / 1000;
  const groups = new Map<string, RedGroup>(
    kept.map((r) => [key(r), { service: r.service, operation: r.operation, total: rollupStats(r, rangeSeconds), points: [] }]),
  );
  // Only needed when some groups were cut: otherwise every group matching `where` is kept.
  const onlyKept = truncated ? sql` AND (service_name, ${operationExpr(q)}) IN ${inList(kept.map((r) => sql`(${r.service}, ${r.operation})`))}` : raw('');
  const startS = q.range.startMs / 1000;
  const steps = await w.rows<StepRow>(
    sql`SELECT service_name AS service, ${operationExpr(q)} AS operation, intDiv(toUInt32(minute) - ${startS}, ${q.stepSeconds}) AS bucket, ${MERGED_ROLLUP_COLUMNS} FROM ${red(target)} WHERE ${where(q)}${onlyKept} GROUP BY service, operation, bucket ORDER BY service, operation, bucket`,
  );
  for (const row of steps) {
    const group = groups.get(key(row));
    if (group === undefined) continue;
    const from = q.range.startMs + Number(row.bucket) * q.stepSeconds * 1000;
    // The last step may be cut short by the end of the range; its rate is over what it covers.
    const seconds = (Math.min(from + q.stepSeconds * 1000, q.range.endMs) - from) / 1000;
    group.points.push({ time: new Date(from).toISOString(), ...rollupStats(row, seconds) });
  }
  return { groups: [...groups.values()], truncated };
}
